// The feed scenario of the warm-path benchmark; the feed routes arrive with the social issue, so
// until then there is nothing to seed and the benchmark measures the conference paths only.
import type { Db } from 'mongodb'

export interface FeedFixture {
  path: string
  token: string
}

export async function seedFeedFixture(base: string, db: Db): Promise<FeedFixture | undefined> {
  const probe = await fetch(`${base}/api/posts/all`)
  if (probe.status === 404) return undefined
  void db
  return undefined
}
