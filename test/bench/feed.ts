// Feed benchmark: seeds 10,000 posts from 500 users (with friendships, public and friends-only
// posts) straight into MongoDB, then measures GET /api/posts/all through the real Worker: the first
// page, and pages deep in the cursor walk. Starts its own stack and Worker (test profile).
//   npm run bench:feed            full run
//   npm run bench:feed -- --smoke quick check (1,000 posts from 100 users)
import { mkdir, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { MongoClient } from 'mongodb'
import { startStack, type Stack } from '../../dev-services/stack'
import { parseConfig } from '../../shared/config'
import { startSession } from '../../worker/auth/sessions'
import { ensureIndexes } from '../../worker/db/indexes'
import { testWorkerVars } from '../harness/global-setup'
import { PRIVATE_SHARE, seedFriendships, seedPosts, seedUsers } from './feed-seed'
import { summarize } from './load'
import { startBenchWorker, type BenchWorker, type Via } from './workers'

const SMOKE = process.argv.includes('--smoke')
const VIA: Via = process.argv.includes('miniflare') ? 'miniflare' : 'wrangler'
const P = SMOKE
  ? { users: 100, posts: 1_000, friendsEach: 10, viewers: 3, firstPages: 20, deepPages: 10 }
  : { users: 500, posts: 10_000, friendsEach: 20, viewers: 5, firstPages: 100, deepPages: 40 }
const PAGE = 20

const log = (line: string) => console.log(line)
const fmt = (ms: number) => `${ms.toFixed(1)} ms`
const OUT = path.join(import.meta.dirname, '../../test-artifacts/bench-feed.json')
const pick = <T>(list: T[]) => list[Math.floor(Math.random() * list.length)]!

async function getPage(baseUrl: string, token: string, cursor: string | null) {
  const url = `${baseUrl}/api/posts/all?limit=${PAGE}${cursor ? `&cursor=${cursor}` : ''}`
  const t0 = performance.now()
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
  const body = (await res.json()) as { posts: unknown[]; nextCursor: string | null }
  const ms = performance.now() - t0
  if (res.status !== 200) throw new Error(`feed: ${res.status} ${JSON.stringify(body)}`)
  return { ms, count: body.posts.length, nextCursor: body.nextCursor }
}

function summary(label: string, samples: number[]) {
  const s = summarize(samples)
  log(
    `  ${label.padEnd(30)} p50 ${fmt(s.p50)}  p99 ${fmt(s.p99)}  max ${fmt(s.max)}  (${s.count} requests)`,
  )
}

async function main() {
  const t0 = performance.now()
  let stack: Stack | undefined
  let worker: BenchWorker | undefined
  let client: MongoClient | undefined
  try {
    log(`machine: ${os.cpus()[0]?.model ?? 'unknown cpu'}, ${os.cpus().length} cores`)
    log(`mode: ${SMOKE ? 'smoke' : 'full'}, Worker via ${VIA}\n`)
    stack = await startStack({ profile: 'test', env: process.env })
    const vars = testWorkerVars(stack.env)
    client = await new MongoClient(vars.MONGODB_URI!).connect()
    const db = client.db(vars.MONGODB_DB)
    await ensureIndexes(db)
    worker = await startBenchWorker(VIA, vars)

    const ids = await seedUsers(db, P.users)
    const friendships = await seedFriendships(db, ids, P.friendsEach)
    await seedPosts(db, ids, P.posts)
    const config = parseConfig(vars)
    const viewers = await Promise.all(
      ids.slice(0, P.viewers).map(async (_id) => {
        const tokens = await startSession(
          db,
          config,
          { _id, role: 'USER' },
          { name: 'bench' },
          new Date(),
        )
        return tokens.accessToken
      }),
    )
    log(
      `seeded ${P.users} users, ${friendships} friendships, ${P.posts} posts ` +
        `(${PRIVATE_SHARE * 100}% friends-only) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
    )

    // Warm-up: the first requests pay for workerd start-up and module loading.
    for (const token of viewers) await getPage(worker.url, token, null)

    const first: number[] = []
    for (let i = 0; i < P.firstPages; i++)
      first.push((await getPage(worker.url, pick(viewers), null)).ms)

    const early: number[] = []
    const deep: number[] = []
    let walked = 0
    for (const token of viewers) {
      let cursor: string | null = null
      for (let page = 1; page <= P.deepPages; page++) {
        const result = await getPage(worker.url, token, cursor)
        ;(page === 1 ? first : page <= 5 ? early : deep).push(result.ms)
        walked += result.count
        cursor = result.nextCursor
        if (!cursor) break
      }
    }
    log(`GET /api/posts/all?limit=${PAGE} (${P.users} users, ${P.posts} posts)`)
    summary('first page', first)
    summary('cursor pages 2–5', early)
    summary(`cursor pages 6–${P.deepPages}`, deep)
    log(`  (${walked} posts walked by ${viewers.length} viewers)`)
    await mkdir(path.dirname(OUT), { recursive: true })
    await writeFile(
      OUT,
      JSON.stringify(
        {
          smoke: SMOKE,
          via: VIA,
          users: P.users,
          posts: P.posts,
          friendships,
          pageSize: PAGE,
          firstPage: summarize(first),
          early: summarize(early),
          deep: summarize(deep),
          deepPages: P.deepPages,
        },
        null,
        2,
      ) + '\n',
    )
    log(`\ntotal ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  } finally {
    await client?.close()
    await worker?.dispose()
    await stack?.stop()
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  },
)
