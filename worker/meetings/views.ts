// What clients see of a meeting: ids as hex strings, media with short-lived download URLs; the
// public share view leaves out contact details, notes and the visitor log.
import type { MeetingDoc, MeetingMediaEntry } from './store'
import type { Storage } from '../services/storage'

async function mediaView(storage: Storage, entry: MeetingMediaEntry) {
  return {
    _id: entry._id.toHexString(),
    id: entry._id.toHexString(),
    media_id: entry.mediaId.toHexString(),
    content_type: entry.contentType,
    size: entry.size,
    duration: entry.duration ?? null,
    label: entry.label ?? null,
    url: await storage.presignGet(entry.key),
    created_at: entry.createdAt.toISOString(),
  }
}

const mediaViews = (storage: Storage, entries: MeetingMediaEntry[]) =>
  Promise.all(entries.map((e) => mediaView(storage, e)))

export async function meetingView(storage: Storage, doc: MeetingDoc) {
  const {
    _id,
    owner,
    userId,
    created_by,
    recordings,
    screenshots,
    access_history,
    archived_at,
    deleted_at,
    last_accessed_at,
    createdAt,
    updatedAt,
    ...fields
  } = doc
  return {
    ...fields,
    _id: _id.toHexString(),
    id: _id.toHexString(),
    owner: owner.toHexString(),
    userId: userId.toHexString(),
    created_by: created_by.toHexString(),
    recordings: await mediaViews(storage, recordings),
    screenshots: await mediaViews(storage, screenshots),
    access_history: access_history.map((a) => ({ ...a, at: a.at.toISOString() })),
    archived_at: archived_at?.toISOString() ?? null,
    deleted_at: deleted_at?.toISOString() ?? null,
    last_accessed_at: last_accessed_at?.toISOString() ?? null,
    createdAt: createdAt.toISOString(),
    updatedAt: updatedAt.toISOString(),
  }
}

/** A list entry: the record without presigned URLs (lists can be long). */
export function meetingSummary(doc: MeetingDoc) {
  return {
    _id: doc._id.toHexString(),
    id: doc._id.toHexString(),
    meeting_id: doc.meeting_id,
    name: doc.name ?? null,
    address: doc.address ?? null,
    post_code: doc.post_code ?? null,
    reference: doc.reference ?? null,
    recordings_count: doc.recordings.length,
    screenshots_count: doc.screenshots.length,
    total_access: doc.total_access,
    is_archived: doc.is_archived,
    is_deleted: doc.is_deleted,
    deleted_at: doc.deleted_at?.toISOString() ?? null,
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  }
}

export async function sharedMeetingView(storage: Storage, doc: MeetingDoc) {
  return {
    meeting_id: doc.meeting_id,
    name: doc.name ?? null,
    address: doc.address ?? null,
    post_code: doc.post_code ?? null,
    reference: doc.reference ?? null,
    repair_detail: doc.repair_detail ?? null,
    recordings: await mediaViews(storage, doc.recordings),
    screenshots: await mediaViews(storage, doc.screenshots),
    createdAt: doc.createdAt.toISOString(),
  }
}
