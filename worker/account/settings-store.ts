// Videodesk's per-account settings, kept on the user document beside the fields the auth code
// owns: logo, landlord branding, message settings and pagination settings.
import type { Collection, Db, ObjectId } from 'mongodb'
import type { UserDoc } from '../auth/users-store'

export interface Logo {
  url?: string
  mediaId?: ObjectId
}

export interface LandlordInfo {
  landlordName?: string
  landlordLogoUrl?: string
  officerName?: string
  officerImageUrl?: string
  useLandlordLogoAsProfile?: boolean
  redirectUrlDefault?: string
  redirectUrlTailored?: string
  brandColor?: string
  buttonColor?: string
  buttonTextColor?: string
}

export interface MessageSettings {
  messageOption: 'default' | 'custom'
  customMessage: string
  senderName: string
  includeLogo: boolean
}

export interface PaginationSettings {
  meetingsPerPage: number
  uploadsPerPage: number
  chatSessionsPerPage: number
}

const DEFAULT_MESSAGE_SETTINGS: MessageSettings = {
  messageOption: 'default',
  customMessage: '',
  senderName: '',
  includeLogo: true,
}

const DEFAULT_PAGINATION_SETTINGS: PaginationSettings = {
  meetingsPerPage: 10,
  uploadsPerPage: 10,
  chatSessionsPerPage: 20,
}

export interface UserSettingsFields {
  _id: ObjectId
  name: string
  logo?: Logo
  landlordInfo?: LandlordInfo
  messageSettings?: Partial<MessageSettings>
  paginationSettings?: Partial<PaginationSettings>
  updatedAt: Date
}

/** The signed-in user's document read for its settings (the same document, other fields). */
export const settingsOf = (user: UserDoc) => user as unknown as UserSettingsFields

/** The users collection seen through the settings fields only. */
export const userSettings = (db: Db): Collection<UserSettingsFields> =>
  db.collection<UserSettingsFields>('users')

export const messageSettingsOf = (u: Pick<UserSettingsFields, 'messageSettings'>) => ({
  ...DEFAULT_MESSAGE_SETTINGS,
  ...u.messageSettings,
})

export const paginationSettingsOf = (u: Pick<UserSettingsFields, 'paginationSettings'>) => ({
  ...DEFAULT_PAGINATION_SETTINGS,
  ...u.paginationSettings,
})

/** `$set` paths for a partial update of one nested settings object. */
export function nestedSet(field: string, values: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(values)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [`${field}.${k}`, v]),
  )
}
