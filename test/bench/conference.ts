// `npm run bench:conference`: N audience sockets join a live conference and vote once each; prints
// join and ack latencies, last vote → host's final count, throughput, lost/double-counted votes.
// `--compare` (`npm run bench:fanout`) runs the Socket.IO baseline at each N right after the room,
// with the same load generator and settings, and prints the two side by side with their ratios
// (latencies: pooled over the runs, with a bootstrap 95 % interval and a verdict).
// `--socket-io-processes 1,2` picks the baselines: one process, and/or two behind the Redis adapter.
// `--socket-io` (`npm run bench:socket-io`) makes every other audience client a real
// socket.io-client on the Worker's /socket.io/ in the same room, and prints each framing's figures
// side by side with the ratio Socket.IO / native.
import { spawn, spawnSync } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { MongoClient } from 'mongodb'
import { startStack, type Stack } from '../../dev-services/stack'
import { ensureIndexes } from '../../worker/db/indexes'
import { testWorkerVars } from '../harness/global-setup'
import { compare, comparisonTable } from './compare'
import type { EventRates } from './event-rates'
import { compareFramings, framingTable, WITHIN } from './framing-compare'
import {
  SOCKET_IO_REDIS_ROLE,
  SOCKET_IO_ROLE,
  type Baseline,
  type RunReport,
  type RunSettings,
} from './report'
import { figure } from './report/markdown'
import { runOnThread } from './run-thread'
import { startBenchWorker, useMemoryTmpdir, type ProcessUse, type Via } from './workers'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const DEFAULT_NS = [1000, 2000, 5000]
/** Issue #26's row: Socket.IO-framed audiences beside native ones at these N. */
const SOCKET_IO_NS = [1000, 2000]

const { values: args } = parseArgs({
  options: {
    n: { type: 'string' },
    via: { type: 'string' },
    concurrency: { type: 'string', default: '50' },
    'join-window-ms': { type: 'string' },
    'expected-audience': { type: 'string', default: 'auto' },
    'shard-capacity': { type: 'string' },
    batch: { type: 'string', default: '200' },
    'vote-window-ms': { type: 'string', default: '1000' },
    'timeout-s': { type: 'string' },
    compare: { type: 'boolean', default: false },
    'socket-io-processes': { type: 'string', default: '1' },
    'socket-io': { type: 'boolean', default: false },
    repeat: { type: 'string', default: '1' },
    storage: { type: 'string', default: 'memory' },
    help: { type: 'boolean', default: false },
  },
})

if (args.help) {
  console.log(`npm run bench:conference -- [--n 1000,2000] [--via wrangler|miniflare]
  [--concurrency 50] (joins in flight, closed loop: the default)
  [--join-window-ms W] (a join storm instead: the N joins offered evenly over W ms, open loop, each
    one's latency counted from its scheduled start; the run then votes as usual)
  [--expected-audience auto|K] (the conference's expectedAudience, which sizes its audience shards:
    auto is N, as a real event of that size would say; 1 gives a one-shard room to compare)
  [--shard-capacity C] (the Worker's CONFERENCE_SHARD_CAPACITY, audience sockets per shard; default
    the Worker's own, 2000: a smaller one shards a tiny N)
  [--vote-window-ms 1000] (the N votes go out evenly over this window, open loop, so both systems
    get the same offered load; 0 sends them as fast as the load generator can, in bursts of --batch)
  [--batch 200] (votes sent back to back per burst with --vote-window-ms 0)
  [--timeout-s S] (per N; default 60 + 0.04·N)
  [--compare] (also the Socket.IO baseline at each N, side by side; npm run bench:fanout; latencies
    pooled over the runs with a bootstrap 95 % interval of the ratio: ahead / behind / no difference
    measurable)
  [--socket-io-processes 1|2|1,2] (with --compare: the baseline as one node process, as two behind
    @socket.io/redis-adapter with the poll state in a redis-server of their own, or both; default 1)
  [--socket-io] (half the audience native, half socket.io-client on /socket.io/, in the same room;
    each framing's figures side by side, Socket.IO within ${WITHIN}× of native; npm run bench:socket-io;
    default N ${SOCKET_IO_NS.join(',')})
  [--storage memory|disk] (where workerd keeps the room's SQLite: tmpfs, as volatile as the
    baseline's process memory, or the OS temp dir on disk, where every commit waits for an fsync)
  [--repeat R] (runs per side at each N, interleaved; latency intervals are bootstrapped over the
    runs, so --compare wants 3 or more; other figures are compared as medians of the runs)
Without --via: ${DEFAULT_NS.join(',')} via miniflare (the deploy bundle in workerd, as deployed: no
dev proxy in front). --via wrangler runs wrangler dev, whose proxy relays every frame through a second
workerd. Smoke: --n 20 --via wrangler [--compare]`)
  process.exit(0)
}

const plan: { via: Via; ns: number[] } = (() => {
  const ns = args.n?.split(',').map((v) => Number(v.trim()))
  if (ns?.some((v) => !Number.isInteger(v) || v < 1)) fail(`--n: positive integers, got ${args.n}`)
  const via = args.via ?? 'miniflare'
  if (via !== 'wrangler' && via !== 'miniflare') fail(`--via: wrangler or miniflare, got ${via}`)
  return { via, ns: ns ?? (args['socket-io'] ? SOCKET_IO_NS : DEFAULT_NS) }
})()
if (args.compare && args['socket-io']) fail('--compare and --socket-io: one or the other')
const PROCESSES_BASELINE: Record<string, Baseline> = { '1': 'socket.io', '2': 'socket.io-redis' }
const baselines = [...new Set(args['socket-io-processes'].split(',').map((v) => v.trim()))].map(
  (v) =>
    PROCESSES_BASELINE[v] ??
    fail(`--socket-io-processes: 1, 2 or 1,2, got ${args['socket-io-processes']}`),
)
const repeat = Number(args.repeat)
if (!Number.isInteger(repeat) || repeat < 1) fail(`--repeat: an integer ≥ 1, got ${args.repeat}`)
const voteWindowMs = Number(args['vote-window-ms'])
if (!(voteWindowMs >= 0)) fail(`--vote-window-ms: a number ≥ 0, got ${args['vote-window-ms']}`)
const joinWindowMs = Number(args['join-window-ms'] ?? 0)
if (!(joinWindowMs >= 0)) fail(`--join-window-ms: a number ≥ 0, got ${args['join-window-ms']}`)
const expectedAudience =
  args['expected-audience'] === 'auto' ? 'auto' : Number(args['expected-audience'])
if (expectedAudience !== 'auto' && !(Number.isInteger(expectedAudience) && expectedAudience >= 1))
  fail(`--expected-audience: auto or an integer ≥ 1, got ${args['expected-audience']}`)
const shardCapacity = args['shard-capacity']
if (
  shardCapacity !== undefined &&
  !(Number.isInteger(Number(shardCapacity)) && +shardCapacity >= 1)
)
  fail(`--shard-capacity: an integer ≥ 1, got ${shardCapacity}`)
// A burst run, a join storm or a room sized otherwise than for N is a different experiment from a
// paced one: its numbers go to their own file.
const OUT = path.join(
  ROOT,
  'test-artifacts',
  `${args.compare ? 'bench-fanout' : args['socket-io'] ? 'bench-socket-io' : 'bench-conference'}` +
    `${joinWindowMs > 0 ? '-storm' : ''}${voteWindowMs === 0 ? '-burst' : ''}` +
    `${expectedAudience === 'auto' ? '' : `-expecting-${expectedAudience}`}.json`,
)
const settings: RunSettings = {
  concurrency: Number(args.concurrency),
  batch: Number(args.batch),
  voteWindowMs,
  ...(joinWindowMs > 0 ? { joinWindowMs } : {}),
  expectedAudience,
  ...(args['timeout-s'] ? { timeoutMs: Number(args['timeout-s']) * 1000 } : {}),
  log: (line) => log(line),
}
if (!(settings.concurrency >= 1) || !(settings.batch >= 1))
  fail('--concurrency and --batch: numbers ≥ 1')
if (args.storage !== 'memory' && args.storage !== 'disk')
  fail(`--storage: memory or disk, got ${args.storage}`)
if (settings.timeoutMs !== undefined && !(settings.timeoutMs > 0))
  fail(`--timeout-s: a positive number, got ${args['timeout-s']}`)

function fail(message: string): never {
  console.error(message)
  process.exit(2)
}

const log = (line: string) =>
  console.error(`[bench ${(performance.now() / 1000).toFixed(1).padStart(6)}s] ${line}`)

// ---- Open-file limit ------------------------------------------------------------------------------
// The limit is per process, and three kinds of process hold the clients' files: this one (each
// run's load generator is a worker thread of it, so its one socket per client counts here, beside
// Miniflare's Node side, which relays nothing with --via miniflare), the Worker's workerd (about
// one per client: every audience shard and the room run in that one process) and, with --via
// wrangler, wrangler's proxy workerd, which holds about six per client (measured: 2 sockets + 4
// pipe ends, 6,071 open files at 1,000 clients, 12,071 at 2,000). Each must stay within the
// limit on its own, so the figure asked for is the largest one of them needs. Node raises its own
// soft limit to the hard limit at startup and workerd inherits it, so what matters is the hard
// limit. Raising that takes privilege (CAP_SYS_RESOURCE); where bash may, this command re-runs
// itself under `ulimit -n`, else it warns.
// A join storm (--join-window-ms) also holds one HTTP connection per join in flight, in the load
// generator and in workerd alike: budgeted as the joins offered in JOIN_STORM_BACKLOG_MS, as many
// as pile up if the Worker falls that far behind (beyond that the run fails anyway).
// The Socket.IO baseline (--compare, e.g. --n 10000) needs no more: its node processes raise their
// own soft limits the same way and hold about one file per client they serve (half each with
// --socket-io-processes 2; their redis-server, a few), and the load generator, one per client on
// either side, stays within what the room's run asks of it.
// The clients all reach one address and port, so the ephemeral port range (28,232 ports by
// default, /proc/sys/net/ipv4/ip_local_port_range) bounds N near 28,000 whatever this limit.

function fdLimits(): { soft: number; hard: number } {
  const out = spawnSync('bash', ['-c', 'ulimit -Sn; ulimit -Hn'], { encoding: 'utf8' }).stdout
  const [soft, hard] = out
    .trim()
    .split('\n')
    .map((v) => (v === 'unlimited' ? 1_048_576 : Number(v)))
  return { soft: soft ?? 0, hard: hard ?? 0 }
}

const FDS_PER_CLIENT: Record<Via, number> = { wrangler: 6.2, miniflare: 1.2 }
const JOIN_STORM_BACKLOG_MS = 5000
/** Files the busiest process may hold at N clients: see above. */
function fdsFor(n: number, via: Via, joinWindowMs: number) {
  const stormJoins = joinWindowMs > 0 ? Math.min(n, (n * JOIN_STORM_BACKLOG_MS) / joinWindowMs) : 0
  return Math.ceil(FDS_PER_CLIENT[via] * n + stormJoins + 1000)
}
const wantFds = Math.max(...plan.ns.map((n) => fdsFor(n, plan.via, joinWindowMs)))
const limits = fdLimits()
const canRaise = () => spawnSync('bash', ['-c', `ulimit -n ${wantFds}`]).status === 0
if (limits.soft < wantFds && !process.env.BENCH_FD_RAISED && canRaise()) {
  log(`raising the open-file limit ${limits.soft} → ${wantFds} (re-running under bash)`)
  const child = spawn(
    'bash',
    [
      '-c',
      'ulimit -n "$1" && shift && exec "$@"',
      'bash',
      String(wantFds),
      process.execPath,
      ...process.execArgv,
      ...process.argv.slice(1),
    ],
    { stdio: 'inherit', env: { ...process.env, BENCH_FD_RAISED: '1' } },
  )
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => {})
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
} else {
  if (limits.soft < wantFds)
    log(
      `warning: open-file limit ${limits.soft} (hard ${limits.hard}) is below the ~${wantFds} this run may need`,
    )
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error)
      process.exit(1)
    },
  )
}

// ---- Run ------------------------------------------------------------------------------------------

const cleanups: (() => Promise<void>)[] = []
/** Where workerd keeps the room's SQLite in this run. */
let storageUsed: 'tmpfs' | 'disk' = 'disk'
let interrupted = false
// Ctrl-C reaches this process twice (from the terminal and relayed by tsx): clean up once, bounded.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return
    interrupted = true
    log(`${signal}: cleaning up`)
    setTimeout(() => process.exit(130), 20_000).unref()
    void runCleanups().finally(() => process.exit(130))
  })
}

async function runCleanups() {
  while (cleanups.length > 0) await cleanups.pop()!().catch((e) => log(`cleanup: ${String(e)}`))
}

async function main(): Promise<number> {
  const reports: RunReport[] = []
  const startedAt = new Date().toISOString()
  try {
    if (args.storage === 'memory') {
      const restore = await useMemoryTmpdir()
      if (restore) {
        cleanups.push(restore)
        storageUsed = 'tmpfs'
      } else log('warning: no tmpfs at /dev/shm; Durable Object storage stays on disk')
    }
    log('starting the stack (MongoDB, Redis/Upstash, S3, capture)')
    const stack = await withTimeout(startStack({ profile: 'test' }), 120_000, 'stack start', (s) =>
      s.stop(),
    )
    cleanups.push(() => stack.stop())
    const { via, ns } = plan
    try {
      reports.push(...(await runVia(stack, via, ns)))
    } catch (error) {
      // The Worker did not start (or the database was unreachable): every N failed.
      const message = error instanceof Error ? error.message : String(error)
      log(`${via}: ${message}`)
      for (const n of ns) reports.push({ via, n, ok: false, error: `${via}: ${message}` })
    }
  } finally {
    await runCleanups()
  }
  const machine = await machineInfo()
  printTable(reports, machine)
  const comparisons = args.compare ? compare(reports) : undefined
  if (comparisons) {
    console.log()
    for (const line of comparisonTable(comparisons)) console.log(line)
  }
  const framings = args['socket-io'] ? compareFramings(reports) : undefined
  if (framings) {
    console.log()
    for (const line of framingTable(framings)) console.log(line)
  }
  await mkdir(path.dirname(OUT), { recursive: true })
  await writeFile(
    OUT,
    JSON.stringify(
      {
        startedAt,
        storage: storageUsed,
        repeat,
        voteWindowMs,
        joinWindowMs,
        expectedAudience,
        shardCapacity: shardCapacity === undefined ? undefined : Number(shardCapacity),
        machine,
        runs: reports,
        comparisons,
        framings,
      },
      null,
      2,
    ) + '\n',
  )
  log(`wrote ${path.relative(ROOT, OUT)}`)
  const bad = reports.filter((r) => !r.ok)
  if (bad.length > 0)
    log(`FAILED: ${bad.map((r) => `${r.via} n=${r.n}: ${r.error ?? 'see table'}`).join('; ')}`)
  return bad.length > 0 ? 1 : 0
}

async function runVia(stack: Stack, via: Via, ns: number[]): Promise<RunReport[]> {
  // The test harness's 400 ms Socket.IO heartbeat would have the room ping every Socket.IO client
  // 2.5 times a second: left out, the Worker's own defaults (25 s, as deployed) apply.
  const {
    SOCKET_IO_PING_INTERVAL_MS: _interval,
    SOCKET_IO_PING_TIMEOUT_MS: _timeout,
    ...vars
  } = testWorkerVars(stack.env)
  if (shardCapacity !== undefined) vars.CONFERENCE_SHARD_CAPACITY = shardCapacity
  const client = await new MongoClient(vars.MONGODB_URI!).connect()
  try {
    await ensureIndexes(client.db(vars.MONGODB_DB))
  } finally {
    await client.close()
  }
  log(`starting the Worker via ${via}`)
  const worker = await withTimeout(startBenchWorker(via, vars), 180_000, `${via} start`, (w) =>
    w.dispose(),
  )
  const dispose = () => worker.dispose()
  cleanups.push(dispose)
  const reports: RunReport[] = []
  try {
    await warmUp(worker.url)
    log(`${via}: Worker at ${worker.url}`)
    for (const n of ns) {
      // Interleaved, so that whatever else the machine does meanwhile weighs on both sides alike.
      for (let run = 1; run <= repeat && !interrupted; run++) {
        const room = {
          kind: 'conference-room',
          worker: { url: worker.url, via },
          audience: args['socket-io'] ? 'half-socket-io' : 'native',
        } as const
        reports.push({ ...(await runOnThread(room, n, settings)), repeat: run })
        for (const baseline of args.compare ? baselines : []) {
          if (interrupted) break
          const report = await runOnThread({ kind: 'socket.io', baseline }, n, settings)
          reports.push({ ...report, repeat: run })
        }
      }
    }
  } finally {
    cleanups.splice(cleanups.indexOf(dispose), 1)
    log(`stopping the Worker (${via})`)
    await worker.dispose().catch((e) => log(`dispose: ${String(e)}`))
  }
  return reports
}

// ---- Output ---------------------------------------------------------------------------------------

async function machineInfo() {
  const version = async (pkg: string) =>
    JSON.parse(await readFile(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8'))
      .version as string
  const cpus = os.cpus()
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    wrangler: await version('wrangler'),
    miniflare: await version('miniflare'),
    openFileLimit: fdLimits(),
  }
}

function printTable(reports: RunReport[], machine: Awaited<ReturnType<typeof machineInfo>>) {
  const ms = (v: number | undefined) => (v === undefined ? '—' : `${Math.round(v)}`)
  const servers = (r: RunReport, ps: ProcessUse[] | undefined, key: 'rssMiB' | 'fds') =>
    (ps ?? [])
      .filter((p) => isServer(r, p))
      .sort((a, b) => b[key] - a[key])
      .map((p) => `${p[key]}${p.role.includes('serves') ? '*' : ''}`)
      .join(' + ') || '—'
  const self = (ps: ProcessUse[] | undefined, key: 'rssMiB' | 'fds') =>
    String(ps?.find((p) => p.pid === process.pid)?.[key] ?? '—')
  const rows: [string, (r: RunReport) => string][] = [
    ['result', (r) => (r.ok ? 'ok' : 'FAILED')],
    ['clients joined', (r) => `${r.load?.join.joined ?? 0}/${r.n}`],
    ['join total (s)', (r) => (r.load ? (r.load.join.totalMs / 1000).toFixed(1) : '—')],
    [
      joinWindowMs > 0
        ? 'join p50 / p99 from its scheduled start (ms)'
        : 'join per client p50 / p99 (ms)',
      (r) =>
        r.load ? `${ms(r.load.join.perClientMs.p50)} / ${ms(r.load.join.perClientMs.p99)}` : '—',
    ],
    ['joins admitted per second', (r) => String(r.load?.join.admittedPerSecond ?? '—')],
    ...(joinWindowMs > 0
      ? ([
          [
            'join start lag behind schedule p50 / p99 (ms)',
            (r) => {
              const l = r.load?.join.startLagMs
              return l ? `${ms(l.p50)} / ${ms(l.p99)}` : '—'
            },
          ],
          ['join failures', (r) => String(r.load?.join.failures.length ?? '—')],
        ] as [string, (r: RunReport) => string][])
      : []),
    [
      'expected audience / shards used',
      (r) => (r.events ? `${r.events.expectedAudience} / ${r.events.shardsUsed}` : '—'),
    ],
    [
      'audience sockets per shard',
      (r) =>
        r.events
          ? Object.entries(r.events.socketsPerShard)
              .map(([shard, sockets]) => `${shard}:${sockets}`)
              .join(' ') || '—'
          : '—',
    ],
    ['room events/s during joins: all / audience', (r) => roomRate(r.events?.duringJoins)],
    ['room events/s during votes: all / audience', (r) => roomRate(r.events?.duringVotes)],
    [
      'shard events/s during votes: max / mean',
      (r) => {
        const v = r.events?.duringVotes
        return v ? `${v.shards.max} / ${v.shards.mean}` : '—'
      },
    ],
    ['host audienceCount seen', (r) => String(r.hostAudienceCount ?? '—')],
    ['push → all saw question.live (ms)', (r) => ms(r.liveFanoutMs)],
    ['votes sent over (ms)', (r) => ms(r.load?.votes.sendSpreadMs)],
    [
      'send lag behind schedule p50 / p99 (ms)',
      (r) => {
        const l = r.load?.votes.sendLagMs
        return l?.count ? `${ms(l.p50)} / ${ms(l.p99)}` : '—'
      },
    ],
    [
      'load generator event-loop delay p99 / max (ms)',
      (r) => {
        const d = r.load?.votes.generatorDelayMs
        return d ? `${ms(d.p99)} / ${ms(d.max)}` : '—'
      },
    ],
    [
      'idle round trip p50 / p99 (ms)',
      (r) => (r.roundTripMs ? `${figure(r.roundTripMs.p50)} / ${figure(r.roundTripMs.p99)}` : '—'),
    ],
    [
      'vote ack p50 / p99 / max (ms)',
      (r) => {
        const a = r.load?.votes.ackMs
        return a ? `${ms(a.p50)} / ${ms(a.p99)} / ${ms(a.max)}` : '—'
      },
    ],
    ['last vote → host final count (ms)', (r) => ms(r.load?.talliedMs)],
    ['votes/s sustained', (r) => String(r.load?.votes.votesPerSecond ?? '—')],
    [
      'acked / refused / unacked',
      (r) =>
        r.load
          ? `${r.load.votes.acked} / ${r.load.votes.refused.length} / ${r.load.votes.timedOut}`
          : '—',
    ],
    ['lost', (r) => String(r.lost ?? '—')],
    ['double-counted', (r) => String(r.doubleCounted ?? '—')],
    ['unexpected socket closes', (r) => String(r.unexpectedCloses ?? '—')],
    ['frames to audience', (r) => String(r.audienceFramesReceived ?? '—')],
    ['audience room.stats during votes', (r) => String(r.audienceStatsDuringVotes ?? '—')],
    [
      'host room.stats during votes: n / gap p50 / max (ms)',
      (r) => {
        const t = r.hostTicksDuringVotes
        return t ? `${t.count} / ${ms(t.intervalMs.p50)} / ${ms(t.intervalMs.max)}` : '—'
      },
    ],
    [
      'CPU during votes (% of a core): server | load generator',
      (r) => {
        const c = r.cpuDuringVotes ?? []
        const w = c
          .filter((p) => isServer(r, p))
          .map((p) => `${p.percent}${p.role.includes('serves') ? '*' : ''}`)
        const self = c.find((p) => p.pid === process.pid)
        return c.length ? `${w.join(' + ')} | ${self?.percent ?? '—'}` : '—'
      },
    ],
    ['server RSS at final count (MiB)', (r) => servers(r, r.processesAtTally, 'rssMiB')],
    ['server RSS peak (MiB)', (r) => servers(r, r.processesPeak, 'rssMiB')],
    ['server open files peak', (r) => servers(r, r.processesPeak, 'fds')],
    [
      'load generator RSS / open files peak',
      (r) => `${self(r.processesPeak, 'rssMiB')} / ${self(r.processesPeak, 'fds')}`,
    ],
    ["other processes' CPU during run (% of a core)", (r) => String(r.otherCpuPercent ?? '—')],
    [
      'CPU stolen by the hypervisor during votes (% of a core)',
      (r) => String(r.stolenCpuDuringVotes ?? '—'),
    ],
    ['run time (s)', (r) => (r.durationMs ? (r.durationMs / 1000).toFixed(1) : '—')],
  ]
  // One table per N: with repetitions, one column per run.
  for (const n of [...new Set(reports.map((r) => r.n))]) {
    const runs = reports.filter((r) => r.n === n)
    const header = [
      '',
      ...runs.map(
        (r) =>
          `${r.via}${r.framings ? ' native+S.IO' : ''} n=${r.n}${r.repeat ? ` #${r.repeat}` : ''}`,
      ),
    ]
    const body = rows.map(([label, cell]) => [label, ...runs.map(cell)])
    const widths = header.map((_, i) => Math.max(...[header, ...body].map((row) => row[i]!.length)))
    const line = (row: string[]) =>
      row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
    console.log()
    console.log(line(header))
    console.log(widths.map((w) => '-'.repeat(w)).join('  '))
    for (const row of body) console.log(line(row))
  }
  console.log()
  console.log(
    '* the workerd that serves the URL (wrangler: its proxy; miniflare: the Worker itself); ' +
      'server: workerd, or node for socket.io (two and their redis-server for socket.io-redis)',
  )
  for (const r of reports.filter((r) => r.error)) console.log(`${r.via} n=${r.n}: ${r.error}`)
  for (const r of reports.filter((r) => r.events?.error))
    console.log(`${r.via} n=${r.n}: event counts not read: ${r.events!.error}`)
  for (const r of reports) {
    const failures = r.load?.join.failures ?? []
    for (const f of failures.slice(0, 20)) console.log(`${r.via} n=${r.n}: join ${f}`)
    if (failures.length > 20) console.log(`${r.via} n=${r.n}: … ${failures.length} join failures`)
  }
  for (const r of reports)
    for (const c of r.checks ?? [])
      if (c.lost || c.doubleCounted)
        console.log(
          `${r.via} n=${r.n} ${c.source}: got ${JSON.stringify(c.counts)}, expected ${JSON.stringify(r.expected)}`,
        )
  console.log(
    `machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, node ${machine.node}, ` +
      `wrangler ${machine.wrangler}, miniflare ${machine.miniflare}, ` +
      `open files ${machine.openFileLimit.soft} (hard ${machine.openFileLimit.hard}), ` +
      `Durable Object storage: ${storageUsed}`,
  )
  console.log(
    voteWindowMs > 0
      ? `votes: N sent evenly over ${voteWindowMs} ms (open loop), the same schedule for both systems`
      : `votes: sent as fast as the load generator can, ${settings.batch} back to back per burst`,
  )
  console.log(
    joinWindowMs > 0
      ? `joins: a storm, N offered evenly over ${joinWindowMs} ms (open loop), latency from each one's scheduled start`
      : `joins: ${settings.concurrency} in flight (closed loop)`,
  )
  console.log(
    `audience shards: expectedAudience ${expectedAudience === 'auto' ? 'N' : expectedAudience}, ` +
      `${shardCapacity ?? "the Worker's default"} sockets per shard; events/s from GET /__dev/conference/{id}/load ` +
      '(votes: after the push reached everyone → after the final count; audience = its sockets + shard calls)',
  )
}

/** A ConferenceRoom's events per second between two readings: every source / the audience's. */
function roomRate(rates: EventRates | undefined) {
  return rates ? `${rates.room.all} / ${rates.room.audience}` : '—'
}

/**
 * The room's processes: workerd, or the Socket.IO baseline's node processes and their Redis (workerd
 * idles then).
 */
function isServer(r: RunReport, p: { role: string }) {
  if (r.via === 'socket.io') return p.role === SOCKET_IO_ROLE
  if (r.via === 'socket.io-redis')
    return p.role === SOCKET_IO_ROLE || p.role === SOCKET_IO_REDIS_ROLE
  return p.role.startsWith('workerd')
}

// ---- Small helpers --------------------------------------------------------------------------------

async function warmUp(url: string) {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    const res = await fetch(`${url}/api/health`).catch(() => undefined)
    if (res?.ok) return
    await sleep(200)
  }
  throw new Error('the Worker did not become healthy within 60 s')
}

/** Rejects after `ms`; what starts after that is stopped with `undo` when it finally does. */
function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
  undo: (value: T) => Promise<unknown>,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  let timedOut = false
  void promise.then((value) => timedOut && undo(value)).catch(() => {})
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true
        reject(new Error(`${what}: timed out after ${ms} ms`))
      }, ms)
    }),
  ]).finally(() => clearTimeout(timer))
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
