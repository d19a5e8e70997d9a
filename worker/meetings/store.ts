// Meetings: one record per video meeting with the resident's details, notes, and the recordings
// and screenshots taken during it (each a media record the meeting owns). Owned by one account,
// stored under `owner`, `userId` and `created_by` for the old clients; queried by `owner`.
import { ObjectId, type Collection, type Db, type Filter } from 'mongodb'

export interface MeetingMediaEntry {
  _id: ObjectId
  mediaId: ObjectId
  key: string
  contentType: string
  size: number
  /** Seconds, as reported by the client. */
  duration?: number
  label?: string
  createdAt: Date
}

export interface MeetingAccess {
  at: Date
  visitorName?: string
  visitorEmail?: string
  userAgent?: string
}

export interface MeetingDoc {
  _id: ObjectId
  meeting_id: string
  owner: ObjectId
  userId: ObjectId
  created_by: ObjectId
  name?: string
  first_name?: string
  last_name?: string
  email?: string
  phone_number?: string
  house_name_number?: string
  flat_apartment_room?: string
  street_road?: string
  city?: string
  country?: string
  post_code?: string
  address?: string
  reference?: string
  repair_detail?: string
  target_time?: string
  notes?: string
  special_notes?: string
  structured_special_notes: Record<string, unknown>
  recordings: MeetingMediaEntry[]
  screenshots: MeetingMediaEntry[]
  /** Unguessable id of the public share link. */
  share_id: string
  access_history: MeetingAccess[]
  total_access: number
  last_accessed_at?: Date
  is_archived: boolean
  archived_at?: Date | null
  is_deleted: boolean
  deleted_at?: Date | null
  createdAt: Date
  updatedAt: Date
}

export const meetings = (db: Db): Collection<MeetingDoc> => db.collection<MeetingDoc>('meetings')

/** The filter for one of `owner`'s meetings by its id; other owners' meetings never match. */
export function ownMeeting(id: string, owner: ObjectId): Filter<MeetingDoc> {
  return { _id: new ObjectId(id), owner }
}

/** Looks a meeting up by `meeting_id`, or by its record id when the value is one. */
export function ownMeetingByAnyId(value: string, owner: ObjectId): Filter<MeetingDoc> {
  return ObjectId.isValid(value) && /^[0-9a-f]{24}$/i.test(value)
    ? { owner, $or: [{ meeting_id: value }, { _id: new ObjectId(value) }] }
    : { owner, meeting_id: value }
}
