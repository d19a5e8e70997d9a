// Likes of posts, reels and comments. One like document per (target, user) — a unique index — and
// the target's counter moves only when that document was really inserted or deleted, so liking
// twice is still one like and any number of concurrent likes and unlikes leave the exact count.
import { ObjectId, MongoServerError, type Db } from 'mongodb'
import { comments, likes, posts, type LikeTarget } from './store'

export type LikeAction = 'like' | 'unlike' | 'toggle'

export interface LikeOutcome {
  liked: boolean
  /** True when this request changed anything. */
  changed: boolean
  likesCount: number
}

// Posts and comments both carry `likesCount`; only that field is touched here.
const counterOf = (db: Db, type: LikeTarget) =>
  db.collection<{ _id: ObjectId; likesCount: number }>(
    type === 'post' ? posts(db).collectionName : comments(db).collectionName,
  )

async function bump(db: Db, type: LikeTarget, id: ObjectId, by: 1 | -1) {
  const updated = await counterOf(db, type).findOneAndUpdate(
    { _id: id },
    { $inc: { likesCount: by } },
    { returnDocument: 'after', projection: { likesCount: 1 } },
  )
  return updated?.likesCount ?? null
}

async function currentCount(db: Db, type: LikeTarget, id: ObjectId) {
  const found = await counterOf(db, type).findOne({ _id: id }, { projection: { likesCount: 1 } })
  return found?.likesCount ?? 0
}

export async function applyLike(
  db: Db,
  target: { type: LikeTarget; id: ObjectId; postId: ObjectId },
  userId: ObjectId,
  action: LikeAction,
  now: Date,
): Promise<LikeOutcome> {
  if (action !== 'unlike') {
    try {
      await likes(db).insertOne({
        _id: new ObjectId(),
        userId,
        targetType: target.type,
        targetId: target.id,
        postId: target.postId,
        createdAt: now,
      })
      const count = await bump(db, target.type, target.id, 1)
      if (count === null) {
        // The target was deleted between our check and the insert: leave no orphan like behind.
        await likes(db).deleteOne({ targetId: target.id, userId })
        return { liked: false, changed: false, likesCount: 0 }
      }
      return { liked: true, changed: true, likesCount: count }
    } catch (error) {
      if (!(error instanceof MongoServerError && error.code === 11000)) throw error
      if (action === 'like')
        return {
          liked: true,
          changed: false,
          likesCount: await currentCount(db, target.type, target.id),
        }
    }
  }
  const { deletedCount } = await likes(db).deleteOne({ targetId: target.id, userId })
  if (deletedCount === 0)
    return {
      liked: false,
      changed: false,
      likesCount: await currentCount(db, target.type, target.id),
    }
  return {
    liked: false,
    changed: true,
    likesCount: (await bump(db, target.type, target.id, -1)) ?? 0,
  }
}
