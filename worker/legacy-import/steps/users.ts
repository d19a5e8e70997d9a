// Sanora `users` and Videodesk `users` → this system's `users`, plus each Sanora user's stored
// refresh tokens in `legacy_tokens` and the Videodesk ids merged into a Sanora account in
// `import_id_map`. The data shape is the legacy-token code's (worker/auth/legacy-sessions.ts):
//   - a legacy refresh token is stored by `legacyRefreshTokenDoc` (its SHA-256 as `_id`), inserted
//     once and never rewritten, so one already exchanged (single use) or revoked stays so on a
//     re-run; a refresh with it opens a session here then;
//   - a merged Videodesk account: the survivor's `legacyIds` (so an old token naming it opens the
//     survivor) and `legacy.videodeskId`, and the `import_id_map` entry
//     `{ _id: 'videodesk.users:<hex>', legacyId, targetCollection: 'users', targetId }`.
import { ObjectId } from 'mongodb'
import { ROLES, type Role } from '../../../shared/roles'
import { LEGACY_TOKENS_COLLECTION, legacyRefreshTokenDoc } from '../../auth/legacy-sessions'
import { normalizeEmail } from '../../auth/users-store'
import type { LegacySource } from '../legacy-source'
import { asDate, asString, latest, objectIds, unknownFields } from '../legacy-fields'
import type {
  Fields,
  LegacyDoc,
  Note,
  Output,
  OutputDocument,
  Ref,
  Step,
  StepContext,
  Transformed,
} from '../step'

export const ID_MAP = 'import_id_map'

/** Secrets no imported document keeps, not even under `legacy`. */
export const SECRETS = [
  'password',
  'refreshToken',
  'refreshTokens',
  'otp',
  'otpExpiry',
  'otpExpires',
  'resetPasswordToken',
  'resetPasswordExpire',
  'resetPasswordExpires',
]

const SANORA_KNOWN = [
  'name',
  'email',
  'phone',
  'role',
  'isActive',
  'isVerified',
  'isPhoneVerified',
  'googleId',
  'gender',
  'bio',
  'profileImage',
  'coverPhoto',
  'location',
  'dateOfBirth',
  'lastLogin',
  'createdAt',
  'updatedAt',
]

const VIDEODESK_KNOWN = [
  'name',
  'email',
  'role',
  'isVerified',
  'logo',
  'landlordInfo',
  'messageSettings',
  'paginationSettings',
  'lastLogin',
  'lastLoginAt',
  'loginTimestamps',
  'createdAt',
  'updatedAt',
  // Imported by their own step (meeting-folders.ts).
  'folders',
  'meetingFolders',
]

/** Videodesk fields this system keeps on the user document (worker/account/settings-store.ts). */
const VIDEODESK_SETTINGS = ['landlordInfo', 'messageSettings', 'paginationSettings'] as const

/** The users document this step writes (worker/auth/users-store.ts, account/settings-store.ts). */
interface ImportedUser extends OutputDocument {
  _id: ObjectId
  name: string
  role: Role
  email?: string
  phone?: string
  passwordHash?: string
  mergedPasswordHash?: string
  emailVerified: boolean
  phoneVerified: boolean
  isActive: boolean
  googleId?: string
  profile: Record<string, string>
  createdAt: Date
  updatedAt: Date
  lastLoginAt?: Date
  logo?: unknown
  landlordInfo?: unknown
  messageSettings?: unknown
  paginationSettings?: unknown
}

export const emailOf = (doc: Fields) => {
  const email = asString(doc.email)
  return email ? normalizeEmail(email) : undefined
}

/** Sanora proved an email by a mailed code (or Google) before setting `isVerified`. */
export const sanoraEmailProven = (doc: LegacyDoc) => doc.isVerified === true && !!emailOf(doc)

/**
 * Videodesk issued its `token` cookie only after the emailed OTP was checked, so an account that
 * ever signed in (a login timestamp) or was marked verified proved its email. One with only a
 * pending OTP did not.
 */
export function videodeskEmailProven(doc: LegacyDoc): boolean {
  if (!emailOf(doc)) return false
  if (doc.isVerified === true) return true
  if (asDate(doc.lastLogin) || asDate(doc.lastLoginAt)) return true
  return Array.isArray(doc.loginTimestamps) && doc.loginTimestamps.some((t) => asDate(t))
}

/** bcrypt hashes verify as they are (worker/auth/passwords.ts) and are upgraded on login. */
export const bcryptHash = (v: unknown) =>
  typeof v === 'string' && /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/.test(v) ? v : undefined

function sanoraRole(raw: unknown, id: string): { role: Role; note?: Note } {
  const upper = typeof raw === 'string' ? raw.toUpperCase() : 'USER'
  if ((ROLES as readonly string[]).includes(upper)) return { role: upper as Role }
  return { role: 'USER', note: { kind: 'role mapped to USER', detail: { id, role: raw } } }
}

/**
 * Videodesk's roles grant nothing beyond its own meetings: every Videodesk account is a USER here
 * (an admin of Videodesk is not an admin of the marketplace); an admin is listed for the operator.
 */
function videodeskRole(raw: unknown, id: string): { role: Role; note?: Note } {
  if (raw === undefined || raw === null || String(raw).toLowerCase() === 'user')
    return { role: 'USER' }
  return { role: 'USER', note: { kind: 'videodesk role not carried', detail: { id, role: raw } } }
}

/**
 * Counterparts by email in the other database, for one batch. Matched without regard to case:
 * either system may have stored an address as typed.
 */
async function counterparts(
  batch: LegacyDoc[],
  source: LegacySource,
  other: 'sanora' | 'videodesk',
): Promise<Map<string, LegacyDoc[]>> {
  const emails = new Set(batch.flatMap((doc) => emailOf(doc) ?? []))
  const byEmail = new Map<string, LegacyDoc[]>()
  if (emails.size === 0) return byEmail
  const patterns = [...emails].map(
    (e) => new RegExp(`^${e.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'i'),
  )
  const found = await source.find(other, 'users', { email: { $in: patterns } })
  found.sort((a, b) => String(a._id).localeCompare(String(b._id)))
  for (const doc of found) {
    const email = emailOf(doc)!
    byEmail.set(email, [...(byEmail.get(email) ?? []), doc])
  }
  return byEmail
}

/** The Videodesk account a proven Sanora account absorbs: the first one that proved the email. */
const mergeTarget = (vdAccounts: LegacyDoc[] | undefined) => vdAccounts?.find(videodeskEmailProven)

function baseUser(doc: LegacyDoc, role: Role, emailVerified: boolean) {
  const email = emailOf(doc)
  const createdAt = asDate(doc.createdAt) ?? doc._id.getTimestamp()
  const user: ImportedUser = {
    _id: doc._id,
    name: asString(doc.name) ?? email?.split('@')[0] ?? 'User',
    role,
    emailVerified,
    phoneVerified: false,
    isActive: doc.isActive !== false,
    profile: {},
    createdAt,
    updatedAt: asDate(doc.updatedAt) ?? createdAt,
  }
  if (email) user.email = email
  return user
}

function videodeskSettings(doc: LegacyDoc): Partial<ImportedUser> {
  const out: Partial<ImportedUser> = {}
  const logo = asString(doc.logo) ? { url: asString(doc.logo) } : doc.logo
  if (logo && typeof logo === 'object') out.logo = logo
  for (const field of VIDEODESK_SETTINGS)
    if (doc[field] && typeof doc[field] === 'object') out[field] = doc[field]
  return out
}

interface LegacyRefreshToken {
  token: string
  createdAt?: Date
  device?: string
}

/** Sanora kept up to five device tokens as strings or `{ token, device…, createdAt }`. */
export function refreshTokensOf(doc: LegacyDoc): LegacyRefreshToken[] {
  const raw: unknown[] = Array.isArray(doc.refreshTokens)
    ? doc.refreshTokens
    : doc.refreshToken
      ? [doc.refreshToken]
      : []
  return raw.flatMap((t): LegacyRefreshToken[] => {
    if (typeof t === 'string' && t) return [{ token: t }]
    const o = t as Fields | null
    const token = asString(o?.token)
    if (!token) return []
    return [
      {
        token,
        createdAt: asDate(o!.createdAt),
        device: asString(o!.deviceName) ?? asString(o!.device) ?? asString(o!.userAgent),
      },
    ]
  })
}

export async function refreshTokenOutputs(
  userId: ObjectId,
  tokens: LegacyRefreshToken[],
  ctx: StepContext,
): Promise<Extract<Output, { mode: 'insert-once' }>[]> {
  return Promise.all(
    tokens.map(async (t) => ({
      collection: LEGACY_TOKENS_COLLECTION,
      mode: 'insert-once' as const,
      key: '_id',
      document: { ...(await legacyRefreshTokenDoc(userId, t.token, ctx.now)) },
    })),
  )
}

/**
 * A token the old system has dropped since an earlier run (a logout there, a password change, a
 * deactivation) must not keep working here: its record is revoked. One the app already exchanged
 * (`usedAt`) is spent anyway; the session it opened is ours. Only the tokens `step` imported from
 * this document: an account also holds those of a host or speaker merged into it (steps/hosts.ts).
 */
export function revokeDroppedRefreshTokens(
  userId: ObjectId,
  kept: string[],
  ctx: StepContext,
  step = 'sanora.users',
): Output {
  return {
    collection: LEGACY_TOKENS_COLLECTION,
    mode: 'update-matching',
    filter: {
      userId,
      kind: 'refresh',
      'legacy._import.source': step,
      _id: { $nin: kept },
      usedAt: { $exists: false },
      revokedAt: { $exists: false },
    },
    update: { $set: { revokedAt: ctx.now } },
  }
}

function sanoraRefs(doc: LegacyDoc): Ref[] {
  return (['friends', 'blockedUsers'] as const).flatMap((field) =>
    objectIds(doc[field]).map((id) => ({ field, db: 'sanora' as const, collection: 'users', id })),
  )
}

export const sanoraUsers: Step<Map<string, LegacyDoc[]>> = {
  name: 'sanora.users',
  group: 'users',
  db: 'sanora',
  collection: 'users',
  prepare: (batch, source) => counterparts(batch, source, 'videodesk'),
  async transform(doc, ctx, videodeskByEmail): Promise<Transformed> {
    const id = String(doc._id)
    const { role, note } = sanoraRole(doc.role, id)
    const emailProven = sanoraEmailProven(doc)
    const user = baseUser(doc, role, emailProven)
    const phone = asString(doc.phone)
    if (phone) {
      user.phone = phone
      user.phoneVerified = doc.isPhoneVerified === true
    }
    const passwordHash = bcryptHash(doc.password)
    if (passwordHash) user.passwordHash = passwordHash
    const googleId = asString(doc.googleId)
    if (googleId) user.googleId = googleId
    for (const field of ['gender', 'bio', 'profileImage', 'coverPhoto', 'location'] as const) {
      const value = asString(doc[field])
      if (value) user.profile[field] = value
    }
    const birth = asDate(doc.dateOfBirth)
    if (birth) user.profile.dateOfBirth = birth.toISOString().slice(0, 10)
    const lastLogin = asDate(doc.lastLogin)
    if (lastLogin) user.lastLoginAt = lastLogin

    const legacy = unknownFields(doc, SANORA_KNOWN, SECRETS)
    // A structured location (GeoJSON, address object) has no place in the profile's string.
    if (doc.location && !asString(doc.location)) legacy.location = doc.location
    const notes: Note[] = note ? [note] : []
    if (doc.password && !passwordHash)
      notes.push({ kind: 'password not a bcrypt hash (dropped)', detail: { id } })

    const merged = emailProven ? mergeTarget(videodeskByEmail.get(user.email!)) : undefined
    if (merged) {
      Object.assign(user, videodeskSettings(merged))
      user.lastLoginAt = latest(
        user.lastLoginAt,
        asDate(merged.lastLogin),
        asDate(merged.lastLoginAt),
      )
      if (!user.lastLoginAt) delete user.lastLoginAt
      legacy.videodeskId = merged._id
      user.legacyIds = [merged._id]
      const videodesk = unknownFields(merged, VIDEODESK_KNOWN, SECRETS)
      // The same person may remember either password: both are accepted until one is set here.
      const vdHash = bcryptHash(merged.password)
      if (vdHash) user.mergedPasswordHash = vdHash
      legacy.videodesk = videodesk
    }
    user.legacy = legacy
    const tokens = user.isActive
      ? await refreshTokenOutputs(doc._id, refreshTokensOf(doc), ctx)
      : []
    const kept = tokens.map((t) => t.document._id as string)
    const outputs: Output[] = [
      { collection: 'users', document: user },
      ...tokens,
      revokeDroppedRefreshTokens(doc._id, kept, ctx),
    ]
    return { outputs, refs: sanoraRefs(doc), notes }
  },
}

export const videodeskUsers: Step<Map<string, LegacyDoc[]>> = {
  name: 'videodesk.users',
  group: 'users',
  db: 'videodesk',
  collection: 'users',
  prepare: (batch, source) => counterparts(batch, source, 'sanora'),
  transform(doc, _ctx, sanoraByEmail): Transformed {
    const id = String(doc._id)
    const emailProven = videodeskEmailProven(doc)
    const email = emailOf(doc)
    const sanora = email ? sanoraByEmail.get(email)?.[0] : undefined
    if (sanora && emailProven && sanoraEmailProven(sanora)) {
      return {
        skip: 'merged into the Sanora account with the same proven email',
        outputs: [
          {
            collection: ID_MAP,
            document: {
              _id: `videodesk.users:${id}`,
              legacyId: doc._id,
              targetCollection: 'users',
              targetId: sanora._id,
            },
          },
        ],
      }
    }
    const { role, note } = videodeskRole(doc.role, id)
    const user = baseUser(doc, role, emailProven)
    const passwordHash = bcryptHash(doc.password)
    if (passwordHash) user.passwordHash = passwordHash
    Object.assign(user, videodeskSettings(doc))
    const lastLogin = latest(asDate(doc.lastLogin), asDate(doc.lastLoginAt))
    if (lastLogin) user.lastLoginAt = lastLogin
    user.legacy = unknownFields(doc, VIDEODESK_KNOWN, SECRETS)
    const notes: Note[] = note ? [note] : []
    if (sanora)
      notes.push({
        kind: 'same email in both systems, not merged (not proven on both sides)',
        detail: {
          email,
          sanoraId: String(sanora._id),
          videodeskId: id,
          sanoraProven: sanoraEmailProven(sanora),
          videodeskProven: emailProven,
        },
      })
    return { outputs: [{ collection: 'users', document: user }], notes }
  },
}
