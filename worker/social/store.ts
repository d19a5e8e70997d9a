// Social network records: posts (and reels, which are posts of kind `reel`), comments and replies,
// likes of posts and comments, stories with their viewers, friendships and blocks.
import type { ObjectId, Collection, Db } from 'mongodb'

export const VISIBILITIES = ['public', 'private'] as const
export type Visibility = (typeof VISIBILITIES)[number]
export type PostKind = 'post' | 'reel'

export interface PostDoc {
  _id: ObjectId
  authorId: ObjectId
  kind: PostKind
  text: string
  mediaIds: ObjectId[]
  /** `private` means the author's friends only. */
  visibility: Visibility
  /** A share points at the original post (never at another share). */
  sharedPostId?: ObjectId
  likesCount: number
  commentsCount: number
  sharesCount: number
  createdAt: Date
  updatedAt: Date
}

export interface CommentDoc {
  _id: ObjectId
  postId: ObjectId
  authorId: ObjectId
  /** The comment this one replies to; replies are one level deep. */
  parentId: ObjectId | null
  text: string
  likesCount: number
  repliesCount: number
  createdAt: Date
}

export type LikeTarget = 'post' | 'comment'

export interface LikeDoc {
  _id: ObjectId
  userId: ObjectId
  targetType: LikeTarget
  targetId: ObjectId
  /** The post the target belongs to, so deleting a post removes every like under it. */
  postId: ObjectId
  createdAt: Date
}

export interface StoryDoc {
  _id: ObjectId
  authorId: ObjectId
  mediaId: ObjectId
  caption: string
  visibility: Visibility
  viewsCount: number
  createdAt: Date
  /** Readers filter on it; the TTL index removes the document a grace period later. */
  expiresAt: Date
  /** False until the expiry sweep (or a delete) removed the story's media. */
  mediaPurged: boolean
}

export interface StoryViewDoc {
  _id: ObjectId
  storyId: ObjectId
  viewerId: ObjectId
  viewedAt: Date
  expiresAt: Date
}

/** The shape presence reads (`userIds`, `status: 'accepted'`), plus who asked whom. */
export interface FriendshipDoc {
  _id: ObjectId
  userIds: [ObjectId, ObjectId]
  /** Both ids sorted and joined: one document per pair (unique index). */
  pairKey: string
  requesterId: ObjectId
  recipientId: ObjectId
  status: 'pending' | 'accepted'
  createdAt: Date
  acceptedAt?: Date
}

export interface BlockDoc {
  _id: ObjectId
  blockerId: ObjectId
  blockedId: ObjectId
  createdAt: Date
}

export const posts = (db: Db): Collection<PostDoc> => db.collection<PostDoc>('posts')
export const comments = (db: Db): Collection<CommentDoc> => db.collection<CommentDoc>('comments')
export const likes = (db: Db): Collection<LikeDoc> => db.collection<LikeDoc>('likes')
export const stories = (db: Db): Collection<StoryDoc> => db.collection<StoryDoc>('stories')
export const storyViews = (db: Db): Collection<StoryViewDoc> =>
  db.collection<StoryViewDoc>('story_views')
export const friendships = (db: Db): Collection<FriendshipDoc> =>
  db.collection<FriendshipDoc>('friendships')
export const blocks = (db: Db): Collection<BlockDoc> => db.collection<BlockDoc>('blocks')

/** True when either user has blocked the other. */
export async function isBlockedBetween(db: Db, a: ObjectId, b: ObjectId): Promise<boolean> {
  const found = await blocks(db).findOne({
    $or: [
      { blockerId: a, blockedId: b },
      { blockerId: b, blockedId: a },
    ],
  })
  return found !== null
}

export const pairKey = (a: ObjectId, b: ObjectId) =>
  [a.toHexString(), b.toHexString()].sort().join(':')
