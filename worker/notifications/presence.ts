// Who may see a user's presence — the user, their friends and the members of conversations they
// share, never across a block — and the fan-out of a presence change to those people's channels.
import { ObjectId, type Db } from 'mongodb'
import { conversations } from '../chat/store'
import { blocks, friendships } from '../social/store'
import { users } from '../auth/users-store'
import { userChannel, type ChannelBindings } from '../realtime/rooms'
import type { UserChannelEvent } from '../../shared/user-channel'

export interface PresenceState {
  online: boolean
  /** Epoch ms: when the last socket closed (offline) or the first opened (online). */
  lastSeenAt: number | null
}

// A bound on one change's fan-out; beyond it, further people see the change when they ask.
const MAX_WATCHERS = 5000
const FAN_OUT_CONCURRENCY = 20

export const isUserId = (id: string) => /^[0-9a-f]{24}$/i.test(id)

/** Everyone allowed to see `userId`'s presence, other than the user. */
async function presenceWatchers(db: Db, userId: ObjectId): Promise<ObjectId[]> {
  const [friends, shared, blocked] = await Promise.all([
    friendships(db)
      .find({ userIds: userId, status: 'accepted' }, { projection: { userIds: 1 } })
      .limit(MAX_WATCHERS)
      .toArray(),
    conversations(db)
      .find({ members: userId }, { projection: { members: 1 } })
      .limit(MAX_WATCHERS)
      .toArray(),
    blocks(db)
      .find({ $or: [{ blockerId: userId }, { blockedId: userId }] })
      .toArray(),
  ])
  const excluded = new Set([userId.toHexString()])
  for (const b of blocked) excluded.add(b.blockerId.toHexString()).add(b.blockedId.toHexString())
  const watchers = new Map<string, ObjectId>()
  for (const id of [...friends.flatMap((f) => f.userIds), ...shared.flatMap((c) => c.members)]) {
    const key = id.toHexString()
    if (!excluded.has(key)) watchers.set(key, id)
    if (watchers.size >= MAX_WATCHERS) break
  }
  return [...watchers.values()]
}

/** True when `viewer` may see `target`'s presence (the same people a change is sent to). */
export async function canSeePresence(db: Db, viewer: ObjectId, target: ObjectId) {
  if (viewer.equals(target)) return true
  const pair = [viewer, target]
  const [friend, shared, blocked] = await Promise.all([
    friendships(db).findOne({ userIds: { $all: pair }, status: 'accepted' }),
    conversations(db).findOne({ members: { $all: pair } }, { projection: { _id: 1 } }),
    blocks(db).findOne({
      $or: [
        { blockerId: viewer, blockedId: target },
        { blockerId: target, blockedId: viewer },
      ],
    }),
  ])
  return Boolean(friend || shared) && !blocked
}

/** Records the change on the user's document, then tells every watcher's channel. */
export async function announcePresence(
  db: Db,
  env: ChannelBindings,
  userId: string,
  state: PresenceState,
): Promise<void> {
  const id = new ObjectId(userId)
  const lastSeenAt = state.lastSeenAt === null ? null : new Date(state.lastSeenAt)
  if (lastSeenAt) await users(db).updateOne({ _id: id }, { $set: { lastSeenAt } })
  const watchers = await presenceWatchers(db, id)
  const event = {
    type: 'presence.changed',
    userId,
    online: state.online,
    lastSeenAt: lastSeenAt?.toISOString() ?? null,
  } satisfies UserChannelEvent
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(FAN_OUT_CONCURRENCY, watchers.length) }, async () => {
      while (next < watchers.length) {
        const watcher = watchers[next++]!
        // One unreachable channel must not stop the others hearing about it.
        await userChannel(env, watcher.toHexString())
          ?.deliver(event)
          .catch(() => undefined)
      }
    }),
  )
}
