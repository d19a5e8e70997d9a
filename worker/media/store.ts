// Media records: one per uploaded file, owned by its uploader, under a server-generated key.
import { ObjectId, type Collection, type Db } from 'mongodb'
import type { MediaKind, MediaPurpose, MediaStatus } from '../../shared/media'
import type { JobOutputs, Playback } from '../../shared/jobs'
import type { Storage } from '../services/storage'

export interface MediaDoc {
  _id: ObjectId
  ownerId: ObjectId
  purpose: MediaPurpose
  kind: MediaKind
  contentType: string
  declaredSize: number
  /** Kept for display only; never part of a storage key. */
  originalName?: string
  key: string
  status: MediaStatus
  upload: { mode: 'single' | 'multipart'; uploadId?: string; partSize?: number; partCount?: number }
  size?: number
  jobId?: ObjectId
  outputs?: JobOutputs
  /** A video's HLS renditions playable so far (lowest first), while still processing and after. */
  playback?: Playback
  playableAt?: Date
  error?: string
  createdAt: Date
  updatedAt: Date
  completedAt?: Date
  /**
   * What uses this file (a post, reel, story or meeting); set once, so one file never serves two
   * things, and deleting that owner deletes the file.
   */
  attachedTo?: { type: 'post' | 'story' | 'meeting'; id: ObjectId }
}

export const media = (db: Db): Collection<MediaDoc> => db.collection<MediaDoc>('media')

/** The storage key of a media file: fixed prefix, the purpose, the record id — nothing from the client. */
export const mediaKey = (purpose: MediaPurpose, id: ObjectId) =>
  `media/${purpose}/${id.toHexString()}/original`
export const outputPrefix = (purpose: MediaPurpose, id: ObjectId) =>
  `media/${purpose}/${id.toHexString()}/transcoded/`

/**
 * Deletes a media file's objects: for our keys (`…/<id>/original`) everything under the record's
 * own folder (the original and its transcoded outputs); for a key imported from the old systems,
 * which may share its folder with unrelated files, that one object only.
 */
export async function deleteMediaObjects(
  storage: Pick<Storage, 'delete' | 'deletePrefix'>,
  key: string,
) {
  if (key.endsWith('/original')) return storage.deletePrefix(key.slice(0, -'original'.length))
  await storage.delete(key)
  return 1
}

export function findOwnMedia(db: Db, id: string, ownerId: ObjectId) {
  if (!ObjectId.isValid(id)) return Promise.resolve(null)
  return media(db).findOne({ _id: new ObjectId(id), ownerId })
}
