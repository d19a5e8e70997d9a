// Who someone is to the viewer: friends, pending requests, blocks in either direction. Every
// social read starts from these, so a block hides both people from each other everywhere.
import type { ObjectId, Db } from 'mongodb'
import { AppError } from '../errors'
import { blocks, friendships, isBlockedBetween } from './store'
import { findUserById } from '../auth/users-store'

// A bound on one user's friend list as read on the feed path.
const MAX_FRIENDS = 5000

export interface Circle {
  me: ObjectId
  /** Accepted friends. */
  friends: ObjectId[]
  /** People the viewer blocked or who blocked the viewer. */
  hidden: ObjectId[]
}

async function friendIds(db: Db, userId: ObjectId): Promise<ObjectId[]> {
  const found = await friendships(db)
    .find({ userIds: userId, status: 'accepted' }, { projection: { userIds: 1 } })
    .limit(MAX_FRIENDS)
    .toArray()
  return found.map((f) => (f.userIds[0].equals(userId) ? f.userIds[1] : f.userIds[0]))
}

async function hiddenIds(db: Db, userId: ObjectId): Promise<ObjectId[]> {
  const [mine, theirs] = await Promise.all([
    blocks(db)
      .find({ blockerId: userId }, { projection: { blockedId: 1 } })
      .toArray(),
    blocks(db)
      .find({ blockedId: userId }, { projection: { blockerId: 1 } })
      .toArray(),
  ])
  return [...mine.map((b) => b.blockedId), ...theirs.map((b) => b.blockerId)]
}

export async function circleOf(db: Db, me: ObjectId): Promise<Circle> {
  const [friends, hidden] = await Promise.all([friendIds(db, me), hiddenIds(db, me)])
  return { me, friends, hidden }
}

export const isHidden = (circle: Circle, id: ObjectId) => circle.hidden.some((h) => h.equals(id))
const isFriend = (circle: Circle, id: ObjectId) => circle.friends.some((f) => f.equals(id))

/** What `viewer` may see of something by `authorId` with `visibility`. */
export function canSee(circle: Circle, authorId: ObjectId, visibility: string) {
  if (isHidden(circle, authorId)) return false
  return visibility === 'public' || authorId.equals(circle.me) || isFriend(circle, authorId)
}

/** The visibility part of a filter on posts or stories: blocks excluded, private for friends. */
export function visibleToFilter(circle: Circle) {
  return {
    authorId: { $nin: circle.hidden },
    $or: [{ visibility: 'public' as const }, { authorId: { $in: [circle.me, ...circle.friends] } }],
  }
}

/**
 * Another active user the viewer may look at (profiles, stories). A missing, deactivated or
 * blocking/blocked user all answer the same 404, so a read never discloses a block. Pulling someone
 * in (requests, invites, groups) is refused by `assertNoBlockWith` in ./blocks instead.
 */
export async function reachableUser(db: Db, me: ObjectId, id: string) {
  const other = await findUserById(db, id)
  if (!other?.isActive) throw new AppError('NOT_FOUND', 'User not found')
  if (!other._id.equals(me) && (await isBlockedBetween(db, me, other._id)))
    throw new AppError('NOT_FOUND', 'User not found')
  return other
}
