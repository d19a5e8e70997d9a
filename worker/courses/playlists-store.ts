// Playlists of course videos: a user's own (userId set) or a course's (courseId set, managed by
// the course owner). Items are embedded in order; `version` grows with every item change so a
// reorder built from a stale read is refused instead of dropping a concurrent add.
import type { Collection, Db, ObjectId } from 'mongodb'

export const MAX_PLAYLIST_ITEMS = 200

export interface PlaylistItem {
  videoId: ObjectId
  courseId: ObjectId
  addedAt: Date
}

export interface PlaylistDoc {
  _id: ObjectId
  userId?: ObjectId
  courseId?: ObjectId
  title: string
  description?: string
  items: PlaylistItem[]
  version: number
  createdAt: Date
  updatedAt: Date
}

export const playlists = (db: Db): Collection<PlaylistDoc> =>
  db.collection<PlaylistDoc>('playlists')

/** Drops a removed course video (or every video of a deleted course) from all playlists. */
export async function pullFromPlaylists(
  db: Db,
  what: { videoId: ObjectId } | { courseId: ObjectId },
  now: Date,
) {
  const [field, id] =
    'videoId' in what
      ? (['videoId', what.videoId] as const)
      : (['courseId', what.courseId] as const)
  await playlists(db).updateMany(
    { [`items.${field}`]: id },
    { $pull: { items: { [field]: id } }, $inc: { version: 1 }, $set: { updatedAt: now } },
  )
}
