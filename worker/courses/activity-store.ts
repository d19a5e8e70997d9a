// A user's learning activity log: enrollments, watching, completions, checkpoint answers and
// reviews. Watching is coalesced into one entry per (user, video, UTC day) so that a player
// reporting every few seconds adds one line a day, not thousands; the log is read by `at`.
import { ObjectId, type Collection, type Db } from 'mongodb'
import { isDuplicateKey } from './store'
import { readPage } from '../paging'
import { encodeActivityCursor } from '../cursors'

export const ACTIVITY_TYPES = [
  'enrolled',
  'unenrolled',
  'video-progress',
  'video-completed',
  'checkpoint-answered',
  'review-written',
  'review-deleted',
] as const
export type ActivityType = (typeof ACTIVITY_TYPES)[number]

export interface ActivityDoc {
  _id: ObjectId
  userId: ObjectId
  type: ActivityType
  courseId: ObjectId
  videoId?: ObjectId
  checkpointId?: ObjectId
  /** When it happened; for a coalesced watching entry, the latest report that moved progress. */
  at: Date
  /** Set on coalesced entries only (unique per user): `watch:<videoId>:<YYYY-MM-DD>`. */
  key?: string
  watchedSeconds?: number
  positionSeconds?: number
  rating?: number
  correct?: boolean
}

export const activity = (db: Db): Collection<ActivityDoc> =>
  db.collection<ActivityDoc>('user_activity')

type NewActivity = Omit<ActivityDoc, '_id' | 'key'>

export async function recordActivity(db: Db, entry: NewActivity) {
  await activity(db).insertOne({ _id: new ObjectId(), ...entry })
}

/** Folds a progress report that moved a video forward into the day's watching entry. */
export async function recordWatching(
  db: Db,
  entry: Required<Pick<ActivityDoc, 'userId' | 'courseId' | 'videoId' | 'at'>> & {
    watchedSeconds: number
    positionSeconds: number
  },
) {
  const key = `watch:${entry.videoId.toHexString()}:${entry.at.toISOString().slice(0, 10)}`
  const filter = { userId: entry.userId, key }
  const $max = {
    at: entry.at,
    watchedSeconds: entry.watchedSeconds,
    positionSeconds: entry.positionSeconds,
  }
  try {
    await activity(db).updateOne(
      filter,
      {
        $max,
        $setOnInsert: {
          _id: new ObjectId(),
          type: 'video-progress',
          courseId: entry.courseId,
          videoId: entry.videoId,
        },
      },
      { upsert: true },
    )
  } catch (error) {
    // Two first reports of the day racing: the unique key keeps one entry; fold into it.
    if (!isDuplicateKey(error)) throw error
    await activity(db).updateOne(filter, { $max })
  }
}

/** A page of a user's activity, newest first; `before` is the last entry of the previous page. */
export function activityPage(
  db: Db,
  userId: ObjectId,
  limit: number,
  before?: { at: Date; id: ObjectId },
) {
  const filter = before
    ? {
        userId,
        $or: [{ at: { $lt: before.at } }, { at: before.at, _id: { $lt: before.id } }],
      }
    : { userId }
  return readPage(activity(db).find(filter).sort({ at: -1, _id: -1 }), limit, encodeActivityCursor)
}
