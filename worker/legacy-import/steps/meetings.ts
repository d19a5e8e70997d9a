// Videodesk `meetings` → `meetings`, and one `media` record per recording and screenshot so the
// meeting views (worker/meetings/views.ts) presign the old S3 key as they do a new upload's, and
// deleting a recording deletes its object. Ids, flags and timestamps are kept; an owner whose
// Videodesk account was merged is the Sanora account now; a meeting of no existing user is not
// imported (reported as a dangling `owner`), never given an invented owner.
import { createHash } from 'node:crypto'
import { ObjectId } from 'mongodb'
import type { MediaPurpose } from '../../../shared/media'
import type { MediaDoc } from '../../media/store'
import type { MeetingDoc, MeetingMediaEntry } from '../../meetings/store'
import { asDate, asObjectId, asString, unknownFields } from '../legacy-fields'
import type { Fields, LegacyDoc, Note, Output, Step, Transformed } from '../step'
import { resolveVideodeskOwners, videodeskOwnerHere } from '../videodesk-owners'

/** The contact, address and note fields both systems name alike: copied when they are text. */
const TEXT_FIELDS = [
  'name',
  'first_name',
  'last_name',
  'email',
  'phone_number',
  'house_name_number',
  'flat_apartment_room',
  'street_road',
  'city',
  'country',
  'post_code',
  'address',
  'reference',
  'repair_detail',
  'target_time',
  'notes',
  'special_notes',
] as const

const KNOWN = [
  ...TEXT_FIELDS,
  'meeting_id',
  'owner',
  'userId',
  'created_by',
  'structured_special_notes',
  'recordings',
  'screenshots',
  'share_id',
  'access_history',
  'total_access',
  'last_accessed_at',
  'is_archived',
  'archived_at',
  'is_deleted',
  'deleted_at',
  'createdAt',
  'updatedAt',
]

/** The owner as Videodesk stored it: the model kept it in any of three fields. */
const legacyOwnerOf = (doc: Fields) =>
  asObjectId(doc.owner) ?? asObjectId(doc.userId) ?? asObjectId(doc.created_by)

/** A stable id for a sub-document Mongoose stored without one: the same on every run. */
function derivedId(...parts: string[]) {
  return new ObjectId(createHash('sha256').update(parts.join(':')).digest().subarray(0, 12))
}

/**
 * The public share id: kept when the meeting had one; otherwise derived from `meeting_id` (a
 * random UUID the client made), so it is as hard to guess and the same on every run.
 */
const shareIdOf = (doc: LegacyDoc, meetingId: string) =>
  asString(doc.share_id) ??
  createHash('sha256').update(`share:${meetingId}`).digest('base64url').slice(0, 24)

const FIELD_PURPOSE = {
  recordings: { purpose: 'meeting-recording', kind: 'video', contentType: 'video/webm' },
  screenshots: { purpose: 'meeting-screenshot', kind: 'image', contentType: 'image/png' },
} as const satisfies Record<string, { purpose: MediaPurpose; kind: string; contentType: string }>

/** The S3 key of a legacy recording or screenshot (`s3Key`, `key`, `s3_key`). */
const legacyMediaKey = (item: Fields) =>
  asString(item.s3Key) ?? asString(item.key) ?? asString(item.s3_key)

interface ImportedMedia {
  entries: MeetingMediaEntry[]
  media: (MediaDoc & { legacy: Fields })[]
  withoutKey: Fields[]
}

function importMedia(
  doc: LegacyDoc,
  field: 'recordings' | 'screenshots',
  ownerId: ObjectId,
  meetingCreatedAt: Date,
): ImportedMedia {
  const out: ImportedMedia = { entries: [], media: [], withoutKey: [] }
  const { purpose, kind, contentType: fallbackType } = FIELD_PURPOSE[field]
  const items = Array.isArray(doc[field]) ? (doc[field] as unknown[]) : []
  items.forEach((raw, index) => {
    const item = (raw && typeof raw === 'object' ? raw : {}) as Fields
    const key = legacyMediaKey(item)
    if (!key) {
      out.withoutKey.push(item)
      return
    }
    const id = asObjectId(item._id) ?? derivedId(String(doc._id), field, String(index))
    const contentType = asString(item.contentType) ?? asString(item.mimeType) ?? fallbackType
    const size = typeof item.size === 'number' ? item.size : 0
    const createdAt =
      asDate(item.createdAt) ??
      asDate(item.uploadedAt) ??
      asDate(item.timestamp) ??
      meetingCreatedAt
    const entry: MeetingMediaEntry = { _id: id, mediaId: id, key, contentType, size, createdAt }
    if (typeof item.duration === 'number') entry.duration = item.duration
    const label = asString(item.label) ?? asString(item.title)
    if (label) entry.label = label
    out.entries.push(entry)
    out.media.push({
      _id: id,
      ownerId,
      purpose,
      kind,
      contentType,
      declaredSize: size,
      key,
      status: 'ready',
      upload: { mode: 'single' },
      size,
      createdAt,
      updatedAt: createdAt,
      completedAt: createdAt,
      attachedTo: { type: 'meeting', id: doc._id },
      legacy: unknownFields(item, [
        's3Key',
        'key',
        's3_key',
        'contentType',
        'mimeType',
        'size',
        'duration',
        'label',
        'title',
        'createdAt',
        'uploadedAt',
        'timestamp',
      ]),
    })
  })
  return out
}

function accessHistory(raw: unknown): MeetingDoc['access_history'] {
  if (!Array.isArray(raw)) return []
  return raw.flatMap((a) => {
    const entry = (a ?? {}) as Fields
    const at = asDate(entry.at) ?? asDate(entry.accessedAt) ?? asDate(entry.timestamp)
    if (!at) return []
    const out: MeetingDoc['access_history'][number] = { at }
    for (const [to, from] of [
      ['visitorName', ['visitorName', 'visitor_name', 'name']],
      ['visitorEmail', ['visitorEmail', 'visitor_email', 'email']],
      ['userAgent', ['userAgent', 'user_agent']],
    ] as const) {
      const value = from.map((f) => asString(entry[f])).find(Boolean)
      if (value) out[to] = value
    }
    return [out]
  })
}

const flag = (doc: LegacyDoc, ...names: string[]) => names.some((n) => doc[n] === true)

export const videodeskMeetings: Step<Map<string, ObjectId>> = {
  name: 'videodesk.meetings',
  group: 'meetings',
  db: 'videodesk',
  collection: 'meetings',
  prepare: (batch, source, target) =>
    resolveVideodeskOwners(
      batch.flatMap((d) => legacyOwnerOf(d) ?? []),
      source,
      target,
    ),
  transform(doc, _ctx, owners): Transformed {
    const id = String(doc._id)
    const found = videodeskOwnerHere(legacyOwnerOf(doc), owners, 'owner')
    if ('skip' in found) return found
    const { legacy: legacyOwner, here: owner } = found

    const createdAt = asDate(doc.createdAt) ?? doc._id.getTimestamp()
    const updatedAt = asDate(doc.updatedAt) ?? createdAt
    const meetingId = asString(doc.meeting_id) ?? id
    const recordings = importMedia(doc, 'recordings', owner, createdAt)
    const screenshots = importMedia(doc, 'screenshots', owner, createdAt)
    const access = accessHistory(doc.access_history)
    const isArchived = flag(doc, 'is_archived', 'isArchived', 'archived')
    const isDeleted = flag(doc, 'is_deleted', 'isDeleted', 'deleted', 'is_trashed')
    const meeting: Omit<MeetingDoc, 'structured_special_notes'> & Fields = {
      _id: doc._id,
      meeting_id: meetingId,
      owner,
      userId: owner,
      created_by: owner,
      structured_special_notes:
        doc.structured_special_notes && typeof doc.structured_special_notes === 'object'
          ? (doc.structured_special_notes as Fields)
          : {},
      recordings: recordings.entries,
      screenshots: screenshots.entries,
      share_id: shareIdOf(doc, meetingId),
      access_history: access,
      total_access: typeof doc.total_access === 'number' ? doc.total_access : access.length,
      is_archived: isArchived,
      archived_at: isArchived ? (asDate(doc.archived_at) ?? null) : null,
      is_deleted: isDeleted,
      // The trash sweep deletes by `deleted_at`: a trashed meeting without one counts from its last
      // change rather than staying in the trash for ever.
      deleted_at: isDeleted ? (asDate(doc.deleted_at) ?? updatedAt) : null,
      createdAt,
      updatedAt,
    }
    for (const field of TEXT_FIELDS) {
      const value = asString(doc[field])
      if (value) meeting[field] = value
    }
    const lastAccess = asDate(doc.last_accessed_at)
    if (lastAccess) meeting.last_accessed_at = lastAccess
    const legacy = unknownFields(doc, KNOWN)
    if (!legacyOwner.equals(owner)) legacy.videodeskOwner = legacyOwner
    const notes: Note[] = []
    const withoutKey = [...recordings.withoutKey, ...screenshots.withoutKey]
    if (withoutKey.length > 0) {
      legacy.mediaWithoutKey = withoutKey
      notes.push({ kind: 'media without an S3 key (kept under legacy)', detail: { id } })
    }
    const outputs: Output[] = [
      { collection: 'meetings', document: { ...meeting, legacy } },
      ...[...recordings.media, ...screenshots.media].map((m) => ({
        collection: 'media',
        document: { ...m },
      })),
    ]
    return { outputs, notes }
  },
}
