// The feed scenario of the warm-path benchmark: 100 users with friendships and 2,000 posts seeded
// straight into MongoDB, read by one of them (a signed-in feed page costs the auth lookups, the
// friends and blocks, the page and its authors and likes).
import type { Db } from 'mongodb'
import { parseConfig } from '../../shared/config'
import { startSession } from '../../worker/auth/sessions'
import { seedFriendships, seedPosts, seedUsers } from './feed-seed'

export interface FeedFixture {
  path: string
  token: string
}

export async function seedFeedFixture(db: Db, vars: Record<string, string>): Promise<FeedFixture> {
  const ids = await seedUsers(db, 100)
  await seedFriendships(db, ids, 10)
  await seedPosts(db, ids, 2000)
  const session = await startSession(
    db,
    parseConfig(vars),
    { _id: ids[0]!, role: 'USER' },
    { name: 'warm-path bench' },
    new Date(),
  )
  return { path: '/api/posts/all?limit=20', token: session.accessToken }
}
