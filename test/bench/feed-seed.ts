// Seeds a social graph and its posts straight into MongoDB for the feed benchmarks: the same graph
// and posts every run (a fixed pseudo-random seed).
import { ObjectId, type Db } from 'mongodb'
import { pairKey, type FriendshipDoc, type PostDoc } from '../../worker/social/store'
import type { UserDoc } from '../../worker/auth/users-store'

export const PRIVATE_SHARE = 0.3
const SPAN_MS = 30 * 24 * 3_600_000

// A fixed seed: every run seeds the same social graph and the same posts.
let seed = 42
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
  return seed / 2 ** 31
}
const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]!

export async function seedUsers(db: Db, count: number) {
  const now = new Date()
  const docs: UserDoc[] = Array.from({ length: count }, (_, i) => ({
    _id: new ObjectId(),
    name: `Feed Bench ${i}`,
    email: `feed-bench-${i}-${Date.now()}@example.test`,
    role: 'USER',
    emailVerified: true,
    phoneVerified: false,
    isActive: true,
    profile: {},
    createdAt: now,
    updatedAt: now,
  }))
  await db.collection<UserDoc>('users').insertMany(docs)
  return docs.map((d) => d._id)
}

export async function seedFriendships(db: Db, ids: ObjectId[], each: number) {
  const pairs = new Map<string, FriendshipDoc>()
  const now = new Date()
  for (const a of ids) {
    for (let k = 0; k < each / 2; k++) {
      const b = pick(ids)
      const key = pairKey(a, b)
      if (a.equals(b) || pairs.has(key)) continue
      pairs.set(key, {
        _id: new ObjectId(),
        userIds: [a, b],
        pairKey: key,
        requesterId: a,
        recipientId: b,
        status: 'accepted',
        createdAt: now,
        acceptedAt: now,
      })
    }
  }
  await db.collection<FriendshipDoc>('friendships').insertMany([...pairs.values()])
  return pairs.size
}

export async function seedPosts(db: Db, ids: ObjectId[], count: number) {
  const start = Date.now() - SPAN_MS
  const docs: PostDoc[] = Array.from({ length: count }, (_, i) => {
    // Ids carry their creation time, so the seeded history reads in order like a real one.
    const at = new Date(start + Math.floor((i / count) * SPAN_MS))
    return {
      _id: ObjectId.createFromTime(Math.floor(at.getTime() / 1000)),
      authorId: pick(ids),
      kind: 'post',
      text: `Bench post ${i}`,
      mediaIds: [],
      visibility: random() < PRIVATE_SHARE ? 'private' : 'public',
      likesCount: Math.floor(random() * 50),
      commentsCount: Math.floor(random() * 10),
      sharesCount: 0,
      createdAt: at,
      updatedAt: at,
    }
  })
  for (let i = 0; i < docs.length; i += 1000)
    await db.collection<PostDoc>('posts').insertMany(docs.slice(i, i + 1000))
}
