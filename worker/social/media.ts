// Media attached to posts, reels and stories: only the author's own finished uploads of the right
// purpose, each attached to one thing at most (deleting it deletes the files), and their read URLs.
import type { Context } from 'hono'
import { ObjectId, type Db } from 'mongodb'
import type { MediaPurpose } from '../../shared/media'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { deleteMediaObjects, media, type MediaDoc } from '../media/store'
import { mediaUrls } from '../media/urls'
import type { Storage } from '../services/storage'

export interface Attachment {
  type: 'post' | 'story'
  id: ObjectId
}

/**
 * Claims `ids` for `to`: each must be the owner's ready media of `purpose`, not attached elsewhere.
 * The claim is one conditional write per file, so two posts racing for one file cannot both win.
 */
export async function attachMedia(
  db: Db,
  ownerId: ObjectId,
  ids: ObjectId[],
  purpose: MediaPurpose,
  to: Attachment,
  path = 'mediaIds',
) {
  const claimed: ObjectId[] = []
  const refused: number[] = []
  const processing: number[] = []
  for (const [i, id] of ids.entries()) {
    const result = await media(db).updateOne(
      { _id: id, ownerId, purpose, status: 'ready', attachedTo: { $exists: false } },
      { $set: { attachedTo: to } },
    )
    if (result.modifiedCount === 1) {
      claimed.push(id)
      continue
    }
    const found = await media(db).findOne({ _id: id, ownerId, purpose })
    if (found && (found.status === 'processing' || found.status === 'verifying')) processing.push(i)
    else refused.push(i)
  }
  if (refused.length + processing.length === 0) return
  await detachMedia(db, claimed, to)
  if (refused.length === 0)
    throw new AppError(
      'CONFLICT',
      'The video is still being transcoded; try again when its media is ready',
      processing.map((i) => ({ path: `${path}.${i}`, message: 'still processing' })),
    )
  throw new AppError(
    'VALIDATION_ERROR',
    `Media must be your own finished ${purpose} uploads, not used elsewhere`,
    refused.map((i) => ({
      path: `${path}.${i}`,
      message: `not an unused ready ${purpose} of yours`,
    })),
  )
}

export async function detachMedia(db: Db, ids: ObjectId[], from: Attachment) {
  if (ids.length === 0) return
  await media(db).updateMany(
    { _id: { $in: ids }, 'attachedTo.id': from.id },
    { $unset: { attachedTo: '' } },
  )
}

/** Deletes the files and records of media attached to `from` (idempotent). */
export async function purgeMedia(db: Db, storage: Storage, ids: ObjectId[], from: Attachment) {
  if (ids.length === 0) return 0
  const found = await media(db)
    .find({ _id: { $in: ids }, 'attachedTo.id': from.id }, { projection: { _id: 1, key: 1 } })
    .toArray()
  for (const doc of found) {
    // The original and every transcoded output live under the media's own prefix.
    await deleteMediaObjects(storage, doc.key)
    await media(db).deleteOne({ _id: doc._id })
  }
  return found.length
}

export interface PublicAttachment {
  id: string
  kind: MediaDoc['kind']
  contentType: string
  status: MediaDoc['status']
  urls: Record<string, string> | null
}

/** Media ids → their public view with read URLs, in one lookup for a whole page. */
export async function attachmentsById(c: Context<AppEnv>, ids: ObjectId[]) {
  const out = new Map<string, PublicAttachment>()
  if (ids.length === 0) return out
  const db = await c.get('services').database.db()
  const found = await media(db)
    .find({ _id: { $in: ids } })
    .toArray()
  await Promise.all(
    found.map(async (doc) => {
      out.set(doc._id.toHexString(), {
        id: doc._id.toHexString(),
        kind: doc.kind,
        contentType: doc.contentType,
        status: doc.status,
        urls: await mediaUrls(c, doc),
      })
    }),
  )
  return out
}
