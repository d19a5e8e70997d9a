// The media a meeting owns: claiming uploaded files for a meeting (each file once), and deleting
// them from storage with their records when a recording, a screenshot or the meeting goes.
import { ObjectId, type Db } from 'mongodb'
import type { MediaPurpose } from '../../shared/media'
import { AppError } from '../errors'
import { deleteMediaObjects, media, type MediaDoc } from '../media/store'
import type { MeetingDoc, MeetingMediaEntry } from './store'
import type { Storage } from '../services/storage'

/** Uploads whose bytes are verified in storage (a video may still be transcoding). */
const ATTACHABLE = ['ready', 'processing'] as const

/**
 * Claims each of the caller's uploads for `meetingId`, atomically per file; when any cannot be
 * claimed the ones already claimed are released and the request is refused.
 */
export async function claimMedia(
  db: Db,
  owner: ObjectId,
  meetingId: ObjectId,
  refs: { media_id: string; label?: string; duration?: number }[],
  purpose: MediaPurpose,
  field: 'recordings' | 'screenshots',
  now: Date,
): Promise<MeetingMediaEntry[]> {
  const entries: MeetingMediaEntry[] = []
  for (const [index, ref] of refs.entries()) {
    const doc = await media(db).findOneAndUpdate(
      {
        _id: new ObjectId(ref.media_id),
        ownerId: owner,
        purpose,
        status: { $in: [...ATTACHABLE] },
        attachedTo: { $exists: false },
      },
      { $set: { attachedTo: { type: 'meeting', id: meetingId } } },
      { returnDocument: 'after' },
    )
    if (!doc) {
      await releaseMedia(db, meetingId, entries)
      throw new AppError('BAD_REQUEST', `${field}[${index}] cannot be attached`, [
        {
          path: `${field}.${index}.media_id`,
          message: `must be one of your completed ${purpose} uploads, not yet in a meeting`,
        },
      ])
    }
    entries.push(entryFor(doc, ref, now))
  }
  return entries
}

export async function releaseMedia(db: Db, meetingId: ObjectId, entries: MeetingMediaEntry[]) {
  if (entries.length === 0) return
  await media(db).updateMany(
    { _id: { $in: entries.map((e) => e.mediaId) }, 'attachedTo.id': meetingId },
    { $unset: { attachedTo: '' } },
  )
}

function entryFor(
  doc: MediaDoc,
  ref: { label?: string; duration?: number },
  now: Date,
): MeetingMediaEntry {
  return {
    _id: new ObjectId(),
    mediaId: doc._id,
    key: doc.key,
    contentType: doc.contentType,
    size: doc.size ?? doc.declaredSize,
    ...(ref.duration !== undefined ? { duration: ref.duration } : {}),
    ...(ref.label ? { label: ref.label } : {}),
    createdAt: now,
  }
}

/** Deletes a media file's objects (original and anything derived) and its record. */
export async function deleteMediaEntry(db: Db, storage: Storage, entry: MeetingMediaEntry) {
  await deleteMediaObjects(storage, entry.key)
  await media(db).deleteOne({ _id: entry.mediaId })
}

/** Every S3 object and media record of a meeting; the meeting record itself is the caller's. */
export async function deleteMeetingMedia(db: Db, storage: Storage, meeting: MeetingDoc) {
  for (const entry of [...meeting.recordings, ...meeting.screenshots]) {
    await deleteMediaEntry(db, storage, entry)
  }
}
