// `npm run bench:warm-path`: hot REST reads through a Worker whose every request opens its own
// MongoDB client vs one whose hot reads run in the warm pool, with the database behind an added
// round-trip delay standing for a remote cluster. Prints p50/p99 per path and the ratio.
import { mkdir, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { MongoClient } from 'mongodb'
import { startLatencyProxy } from '../../dev-services/latency-proxy'
import { startMongoDevServer } from '../../dev-services/mongo'
import { startStack } from '../../dev-services/stack'
import { ensureIndexes } from '../../worker/db/indexes'
import { testWorkerVars } from '../harness/global-setup'
import { setUpConference } from './conference-client'
import { summarize, type Summary } from './load'
import { seedFeedFixture, type FeedFixture } from './warm-path-feed'
import { startBenchWorker, type BenchWorker } from './workers'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const OUT = path.join(ROOT, 'test-artifacts/bench-warm-path.json')

const { values: args } = parseArgs({
  options: {
    'latency-ms': { type: 'string', default: '20' },
    requests: { type: 'string', default: '200' },
    help: { type: 'boolean', default: false },
  },
})
if (args.help) {
  console.log('npm run bench:warm-path -- [--latency-ms 20] [--requests 200]   smoke: --requests 5')
  process.exit(0)
}
const latencyMs = Number(args['latency-ms'])
const requests = Number(args.requests)
if (!(latencyMs >= 0) || !Number.isInteger(requests) || requests < 1) {
  console.error('--latency-ms: a number ≥ 0; --requests: an integer ≥ 1')
  process.exit(2)
}

const log = (line: string) =>
  console.error(`[warm-path ${(performance.now() / 1000).toFixed(1).padStart(6)}s] ${line}`)

interface Scenario {
  name: string
  path: string
  token?: string
}

interface Row {
  scenario: string
  perRequest: Summary
  warm: Summary
  ratioP50: number
  ratioP99: number
}

/** Sequential GETs (latency, not throughput); every answer must be 200 from the expected path. */
async function measure(base: string, s: Scenario, warm: boolean): Promise<Summary> {
  const once = async () => {
    const started = performance.now()
    const res = await fetch(base + s.path, {
      headers: s.token ? { authorization: `Bearer ${s.token}` } : {},
    })
    await res.arrayBuffer()
    const took = performance.now() - started
    if (res.status !== 200) throw new Error(`${s.name}: GET ${s.path} answered ${res.status}`)
    if ((res.headers.get('x-db-path') === 'warm') !== warm)
      throw new Error(`${s.name}: served by the wrong path (${res.headers.get('x-db-path')})`)
    return took
  }
  // The first requests pay for loading the bundle and, on the warm side, opening the pool.
  for (let i = 0; i < 10; i++) await once()
  const samples: number[] = []
  for (let i = 0; i < requests; i++) samples.push(await once())
  return summarize(samples)
}

async function main() {
  const cleanups: (() => Promise<unknown>)[] = []
  try {
    log(`starting the stack and a MongoDB dev server behind a ${latencyMs} ms round trip`)
    const stack = await startStack({ profile: 'test' })
    cleanups.push(() => stack.stop())
    const mongo = await startMongoDevServer()
    cleanups.push(() => mongo.close())
    // A delaying proxy rather than the server's reply delay: connecting costs a round trip too.
    const remote = await startLatencyProxy({ target: mongo, rttMs: latencyMs })
    cleanups.push(() => remote.close())
    const uri = `mongodb://${remote.host}:${remote.port}/?directConnection=true`
    const vars: Record<string, string> = { ...testWorkerVars(stack.env), MONGODB_URI: uri }
    const client = await new MongoClient(mongo.uri).connect()
    cleanups.push(() => client.close())
    await ensureIndexes(client.db(vars.MONGODB_DB!))

    log('starting two Workers (Miniflare, the deploy bundle): per-request clients and warm pool')
    const perRequest: BenchWorker = await startBenchWorker('miniflare', {
      ...vars,
      MONGODB_WARM_POOL_OBJECTS: '0',
    })
    cleanups.push(() => perRequest.dispose())
    const warm: BenchWorker = await startBenchWorker('miniflare', vars)
    cleanups.push(() => warm.dispose())

    log('seeding a conference and a feed')
    const conf = await setUpConference(warm.url, ['A', 'B'])
    const feed: FeedFixture = await seedFeedFixture(client.db(vars.MONGODB_DB!), vars)
    const scenarios: Scenario[] = [
      { name: 'conference by code (anonymous)', path: `/api/conference/by-code/${conf.code}` },
      {
        name: 'conference by id (host)',
        path: `/api/conference/${conf.id}`,
        token: conf.hostToken,
      },
      { name: 'feed page (signed in)', path: feed.path, token: feed.token },
    ]

    const rows: Row[] = []
    for (const s of scenarios) {
      log(`${s.name}: ${requests} requests per path`)
      const cold = await measure(perRequest.url, s, false)
      const hot = await measure(warm.url, s, true)
      rows.push({
        scenario: s.name,
        perRequest: cold,
        warm: hot,
        ratioP50: cold.p50 / hot.p50,
        ratioP99: cold.p99 / hot.p99,
      })
    }
    print(rows)
    await mkdir(path.dirname(OUT), { recursive: true })
    await writeFile(
      OUT,
      JSON.stringify({ latencyMs, requests, machine: machine(), rows }, null, 2) + '\n',
    )
    log(`wrote ${path.relative(ROOT, OUT)}`)
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined)
  }
}

function machine() {
  return { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version }
}

function print(rows: Row[]) {
  const ms = (v: number) => v.toFixed(1)
  const header = ['path', 'per-request p50 / p99 (ms)', 'warm p50 / p99 (ms)', 'ratio p50 / p99']
  const lines = rows.map((r) => [
    r.scenario,
    `${ms(r.perRequest.p50)} / ${ms(r.perRequest.p99)}`,
    `${ms(r.warm.p50)} / ${ms(r.warm.p99)}`,
    `${r.ratioP50.toFixed(2)}× / ${r.ratioP99.toFixed(2)}×`,
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)))
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')
  console.log(
    `\nMongoDB behind +${latencyMs} ms per round trip; ${requests} sequential GETs each\n`,
  )
  console.log(fmt(header))
  console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const l of lines) console.log(fmt(l))
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, node ${process.version}`)
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
