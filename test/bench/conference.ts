// `npm run bench:conference`: N audience sockets join a live conference and vote once each; prints
// join and ack latencies, last vote → host's final count, throughput, lost/double-counted votes.
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
import { api, roomUrl, RoomSocket, setUpConference, type Received } from './conference-client'
import { runLoad, summarize, type LoadResult, type Summary } from './load'
import {
  PeakSampler,
  sampleProcesses,
  startBenchWorker,
  type BenchWorker,
  type ProcessUse,
  type Via,
} from './workers'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const OUT = path.join(ROOT, 'test-artifacts/bench-conference.json')
const OPTIONS = ['Alpha', 'Bravo', 'Charlie', 'Delta']
/** Client i picks option CHOICES[i % 10]: 40/30/20/10 %, so swapped counts show up too. */
const CHOICES = [0, 0, 0, 0, 1, 1, 1, 2, 2, 3]
const DEFAULTS: Record<Via, number[]> = { wrangler: [1000, 2000], miniflare: [5000] }

const { values: args } = parseArgs({
  options: {
    n: { type: 'string' },
    via: { type: 'string' },
    concurrency: { type: 'string', default: '50' },
    batch: { type: 'string', default: '200' },
    'timeout-s': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
})

if (args.help) {
  console.log(`npm run bench:conference -- [--n 1000,2000] [--via wrangler|miniflare]
  [--concurrency 50] (joins in flight)  [--batch 200] (votes sent per burst)
  [--timeout-s S] (per N; default 60 + 0.04·N)
Without --via: ${DEFAULTS.wrangler.join(',')} via wrangler, then ${DEFAULTS.miniflare.join(',')} via miniflare.
--n without --via runs via wrangler. Smoke: --n 20 --via wrangler`)
  process.exit(0)
}

const plan: { via: Via; ns: number[] }[] = (() => {
  const ns = args.n?.split(',').map((v) => Number(v.trim()))
  if (ns?.some((v) => !Number.isInteger(v) || v < 1)) fail(`--n: positive integers, got ${args.n}`)
  if (args.via === undefined)
    return ns ? [{ via: 'wrangler', ns }] : (['wrangler', 'miniflare'] as const).map(byDefault)
  if (args.via !== 'wrangler' && args.via !== 'miniflare')
    fail(`--via: wrangler or miniflare, got ${args.via}`)
  return [{ via: args.via as Via, ns: ns ?? DEFAULTS[args.via as Via] }]
})()
const concurrency = Number(args.concurrency)
const batch = Number(args.batch)
if (!(concurrency >= 1) || !(batch >= 1)) fail('--concurrency and --batch: numbers ≥ 1')

function byDefault(via: Via) {
  return { via, ns: DEFAULTS[via] }
}

function fail(message: string): never {
  console.error(message)
  process.exit(2)
}

const log = (line: string) =>
  console.error(`[bench ${(performance.now() / 1000).toFixed(1).padStart(6)}s] ${line}`)

// ---- Open-file limit ------------------------------------------------------------------------------
// The limit is per process. Each client holds one socket here and about one in the Worker's workerd;
// wrangler's proxy workerd holds about six per client (measured: 2 sockets + 4 pipe ends, 6,071 open
// files at 1,000 clients, 12,071 at 2,000). Node raises its own soft limit to the hard limit at
// startup and workerd inherits it, so what matters is the hard limit. Raising that takes privilege
// (CAP_SYS_RESOURCE); where bash may, this command re-runs itself under `ulimit -n`, else it warns.

function fdLimits(): { soft: number; hard: number } {
  const out = spawnSync('bash', ['-c', 'ulimit -Sn; ulimit -Hn'], { encoding: 'utf8' }).stdout
  const [soft, hard] = out
    .trim()
    .split('\n')
    .map((v) => (v === 'unlimited' ? 1_048_576 : Number(v)))
  return { soft: soft ?? 0, hard: hard ?? 0 }
}

const FDS_PER_CLIENT: Record<Via, number> = { wrangler: 6.2, miniflare: 1.2 }
const wantFds = Math.ceil(
  Math.max(...plan.flatMap((p) => p.ns.map((n) => FDS_PER_CLIENT[p.via] * n))) + 1000,
)
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

interface Counts {
  counts: Record<string, number>
  totalResponses: number
}

interface Check {
  source: string
  counts: Counts | null
  lost: number
  doubleCounted: number
}

interface RunReport {
  via: Via
  n: number
  ok: boolean
  error?: string
  /** CPU used by processes other than this benchmark's during the run, in % of one core. */
  otherCpuPercent?: number
  load?: Omit<LoadResult, 'votedIndexes'>
  liveFanoutMs?: number
  hostAudienceCount?: number
  expected?: Counts
  checks?: Check[]
  lost?: number
  doubleCounted?: number
  unexpectedCloses?: number
  unexpectedCloseReasons?: string[]
  audienceFramesReceived?: number
  /** room.stats the host got between the first vote's send and the final count. */
  hostTicksDuringVotes?: { count: number; intervalMs: Summary; maxVotesPerTick: number }
  /** CPU used between the first vote's send and the final count, in % of one core. */
  cpuDuringVotes?: { role: string; pid: number; percent: number }[]
  processesAtTally?: ProcessUse[]
  processesPeak?: ProcessUse[]
  durationMs?: number
}

const cleanups: (() => Promise<void>)[] = []
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
    log('starting the stack (MongoDB, Redis/Upstash, S3, capture)')
    const stack = await withTimeout(startStack({ profile: 'test' }), 120_000, 'stack start', (s) =>
      s.stop(),
    )
    cleanups.push(() => stack.stop())
    for (const { via, ns } of plan) {
      if (interrupted) break
      try {
        reports.push(...(await runVia(stack, via, ns)))
      } catch (error) {
        // The Worker did not start (or the database was unreachable): every N of this via failed.
        const message = error instanceof Error ? error.message : String(error)
        log(`${via}: ${message}`)
        for (const n of ns) reports.push({ via, n, ok: false, error: `${via}: ${message}` })
      }
    }
  } finally {
    await runCleanups()
  }
  const machine = await machineInfo()
  printTable(reports, machine)
  await mkdir(path.dirname(OUT), { recursive: true })
  await writeFile(OUT, JSON.stringify({ startedAt, machine, runs: reports }, null, 2) + '\n')
  log(`wrote ${path.relative(ROOT, OUT)}`)
  const bad = reports.filter((r) => !r.ok)
  if (bad.length > 0)
    log(`FAILED: ${bad.map((r) => `${r.via} n=${r.n}: ${r.error ?? 'see table'}`).join('; ')}`)
  return bad.length > 0 ? 1 : 0
}

async function runVia(stack: Stack, via: Via, ns: number[]): Promise<RunReport[]> {
  const vars = testWorkerVars(stack.env)
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
      if (interrupted) break
      reports.push(await runOne(worker, n))
    }
  } finally {
    cleanups.splice(cleanups.indexOf(dispose), 1)
    log(`stopping the Worker (${via})`)
    await worker.dispose().catch((e) => log(`dispose: ${String(e)}`))
  }
  return reports
}

async function runOne(worker: BenchWorker, n: number): Promise<RunReport> {
  const { url, via } = worker
  const timeoutMs = args['timeout-s'] ? Number(args['timeout-s']) * 1000 : 60_000 + 40 * n
  const started = performance.now()
  const deadline = started + timeoutMs
  const report: RunReport = { via, n, ok: false }
  const cpuAtStart = await cpuSnapshot(url)
  const sampler = new PeakSampler(url)
  let host: RoomSocket | undefined
  const audience: RoomSocket[] = []
  let joinFailures: string[] = []
  log(`${via} n=${n}: setting up (timeout ${Math.round(timeoutMs / 1000)} s)`)
  try {
    const conf = await setUpConference(url, OPTIONS)
    const hostTicket = await api(url, `/api/conference/${conf.id}/ticket`, {
      method: 'POST',
      token: conf.hostToken,
    })
    host = await RoomSocket.open(roomUrl(url, conf.id, hostTicket.body.ticket), { keepAll: true })
    const hostSocket = host
    const optionFor = (index: number) => conf.optionIds[CHOICES[index % CHOICES.length]!]!
    let expected: Counts | undefined
    let tallyAt: number | undefined
    let beforeVotes: { at: number; processes: ProcessUse[] } | undefined
    sampler.start()

    const load = await runLoad<{ index: number; socket: RoomSocket }>(
      {
        async join(index) {
          const joined = await api(url, `/api/conference/by-code/${conf.code}/join`, {
            method: 'POST',
            json: {},
          })
          const socket = await RoomSocket.open(roomUrl(url, conf.id, joined.body.ticket))
          audience.push(socket)
          return { index, socket }
        },
        async beforeVotes(clients) {
          expected = expectedCounts(
            clients.map((c) => optionFor(c.index)),
            conf.optionIds,
          )
          const pushAt = performance.now()
          await api(url, `/api/conference/${conf.id}/questions/${conf.questionId}/live`, {
            method: 'POST',
            token: conf.hostToken,
          })
          while (clients.some((c) => c.socket.liveAt === undefined && !c.socket.failure)) {
            if (performance.now() > deadline) throw new Error('not every client saw question.live')
            await sleep(20)
          }
          const seen = clients.flatMap((c) => (c.socket.liveAt ? [c.socket.liveAt] : []))
          report.liveFanoutMs = Math.round(Math.max(...seen) - pushAt)
          log(`${via} n=${n}: question.live reached ${seen.length} clients`)
          beforeVotes = { at: performance.now(), processes: await sampler.sample() }
        },
        vote: (c, index) =>
          c.socket.request(
            { type: 'vote', questionId: conf.questionId, optionIds: [optionFor(index)] },
            `v${index}`,
          ),
        async tallied() {
          const want = expected!
          const final = await hostSocket.waitFor(
            (m) => isStats(m, conf.questionId) && sameCounts(m.results, want),
            Math.min(60_000, Math.max(0, deadline - performance.now())),
          )
          tallyAt = final.at
          const at = performance.now()
          report.processesAtTally = await sampler.sample()
          report.cpuDuringVotes = cpuShare(beforeVotes, { at, processes: report.processesAtTally })
          return final.at
        },
        close: (c) => c.socket.close(),
      },
      {
        n,
        joinConcurrency: concurrency,
        voteBatch: batch,
        deadline,
        progress: (line) => log(`${via} n=${n}: ${line}`),
      },
    )
    const { votedIndexes: _, ...loadReport } = load
    report.load = loadReport
    joinFailures = load.join.failures
    if (load.error) throw new Error(load.error)
    report.expected = expected
    const stats = hostSocket.kept.filter((r) => isStats(r.message, conf.questionId))
    report.hostAudienceCount = Math.max(0, ...stats.map((r) => r.message.audienceCount as number))
    report.hostTicksDuringVotes = ticksBetween(stats, load.votes.firstSendAt, tallyAt)
    const hostFinal = tallyAt
      ? stats.find((r) => r.at === tallyAt)
      : (stats.at(-1) as Received | undefined)

    // Counts as the room's REST read sees them, then as persisted to MongoDB once closed and ended.
    const resultsPath = `/api/conference/${conf.id}/questions/${conf.questionId}/results`
    const live = await api(url, resultsPath, { token: conf.hostToken })
    await api(url, `/api/conference/${conf.id}/questions/${conf.questionId}/close`, {
      method: 'POST',
      token: conf.hostToken,
    })
    await api(url, `/api/conference/${conf.id}`, {
      method: 'PUT',
      token: conf.hostToken,
      json: { status: 'ENDED' },
    })
    const persisted = await api(url, resultsPath, { token: conf.hostToken })
    const want = expected ?? { counts: {}, totalResponses: 0 }
    report.checks = [
      check('host room.stats', hostFinal?.message.results ?? null, want),
      check('REST (room, live)', live.body.results ?? null, want),
      check('REST (MongoDB, ended)', persisted.body.results ?? null, want),
    ]
    report.lost = Math.max(...report.checks.map((c) => c.lost))
    report.doubleCounted = Math.max(...report.checks.map((c) => c.doubleCounted))
    const errors = [
      ...load.join.failures.slice(0, 5).map((f) => `join ${f}`),
      ...load.votes.refused.slice(0, 5).map((f) => `vote refused ${f}`),
      ...(load.votes.timedOut > 0 ? [`${load.votes.timedOut} votes never acked`] : []),
      ...(load.tallyError ? [`host final count: ${load.tallyError}`] : []),
      ...(report.lost > 0 || report.doubleCounted > 0
        ? [`${report.lost} lost, ${report.doubleCounted} double-counted`]
        : []),
    ]
    report.ok = errors.length === 0
    if (!report.ok) report.error = errors.join('; ')
  } catch (error) {
    report.error = [
      error instanceof Error ? error.message : String(error),
      ...joinFailures.slice(0, 5).map((f) => `join ${f}`),
    ].join('; ')
    log(`${via} n=${n}: ${report.error}`)
  } finally {
    const closes = audience.filter((s) => s.failure)
    report.unexpectedCloses = closes.length
    report.unexpectedCloseReasons = [...new Set(closes.map((s) => s.failure!))].slice(0, 5)
    report.audienceFramesReceived = audience.reduce((sum, s) => sum + s.received, 0)
    await Promise.all(audience.map((s) => s.close()))
    await host?.close()
    report.processesPeak = await sampler.stop()
    report.durationMs = Math.round(performance.now() - started)
    report.otherCpuPercent = otherCpu(cpuAtStart, await cpuSnapshot(url))
    if (report.unexpectedCloses > 0 && report.ok) {
      report.ok = false
      report.error = `${report.unexpectedCloses} sockets closed unexpectedly`
    }
    log(`${via} n=${n}: ${report.ok ? 'ok' : 'FAILED'} in ${report.durationMs} ms`)
  }
  return report
}

function ticksBetween(stats: Received[], from: number, to: number | undefined) {
  const inWindow = stats.filter((r) => r.at >= from && (to === undefined || r.at <= to))
  const intervals = inWindow.slice(1).map((r, i) => r.at - inWindow[i]!.at)
  const deltas = inWindow
    .slice(1)
    .map((r, i) => r.message.results.totalResponses - inWindow[i]!.message.results.totalResponses)
  return {
    count: inWindow.length,
    intervalMs: summarize(intervals),
    maxVotesPerTick: Math.max(0, ...deltas),
  }
}

function cpuShare(
  from: { at: number; processes: ProcessUse[] } | undefined,
  to: { at: number; processes: ProcessUse[] },
) {
  if (!from) return []
  const seconds = (to.at - from.at) / 1000
  return to.processes.flatMap((p) => {
    const before = from.processes.find((q) => q.pid === p.pid)
    return before
      ? [
          {
            role: p.role,
            pid: p.pid,
            percent: Math.round(((p.cpuSeconds - before.cpuSeconds) / seconds) * 100),
          },
        ]
      : []
  })
}

/** Busy CPU seconds of the whole machine (/proc/stat) and of this benchmark's processes. */
async function cpuSnapshot(url: string) {
  const line = (await readFile('/proc/stat', 'utf8').catch(() => '')).split('\n')[0] ?? ''
  // user, nice, system: interrupt time is left out (our own loopback traffic lands there).
  const [, user = 0, nice = 0, system = 0] = line.split(/\s+/).map(Number)
  const ours = (await sampleProcesses(url)).reduce((sum, p) => sum + p.cpuSeconds, 0)
  return { at: performance.now(), busy: (user + nice + system) / 100, ours }
}

/** What everything else on the machine used meanwhile (other engineers' tests skew the numbers). */
function otherCpu(a: Awaited<ReturnType<typeof cpuSnapshot>>, b: typeof a) {
  const seconds = (b.at - a.at) / 1000
  const other = b.busy - a.busy - (b.ours - a.ours)
  return Math.max(0, Math.round((other / seconds) * 100))
}

function isStats(m: any, questionId: string) {
  return m?.type === 'room.stats' && m.results?.questionId === questionId
}

function expectedCounts(choices: string[], optionIds: string[]): Counts {
  const counts = Object.fromEntries(optionIds.map((o) => [o, 0]))
  for (const c of choices) counts[c]! += 1
  return { counts, totalResponses: choices.length }
}

function sameCounts(got: Counts | null | undefined, want: Counts) {
  return (
    !!got &&
    got.totalResponses === want.totalResponses &&
    Object.keys(want.counts).every((o) => got.counts[o] === want.counts[o])
  )
}

function check(source: string, got: Counts | null, want: Counts): Check {
  let lost = 0
  let doubleCounted = 0
  for (const [option, n] of Object.entries(want.counts)) {
    const g = got?.counts[option] ?? 0
    if (g < n) lost += n - g
    if (g > n) doubleCounted += g - n
  }
  for (const [option, g] of Object.entries(got?.counts ?? {}))
    if (!(option in want.counts)) doubleCounted += g
  return {
    source,
    counts: got && { counts: got.counts, totalResponses: got.totalResponses },
    lost,
    doubleCounted,
  }
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
  const workerd = (ps: ProcessUse[] | undefined, key: 'rssMiB' | 'fds') =>
    (ps ?? [])
      .filter((p) => p.role.startsWith('workerd'))
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
      'join per client p50 / p99 (ms)',
      (r) =>
        r.load ? `${ms(r.load.join.perClientMs.p50)} / ${ms(r.load.join.perClientMs.p99)}` : '—',
    ],
    ['host audienceCount seen', (r) => String(r.hostAudienceCount ?? '—')],
    ['push → all saw question.live (ms)', (r) => ms(r.liveFanoutMs)],
    ['votes sent over (ms)', (r) => ms(r.load?.votes.sendSpreadMs)],
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
    [
      'host room.stats during votes: n / gap p50 / max (ms)',
      (r) => {
        const t = r.hostTicksDuringVotes
        return t ? `${t.count} / ${ms(t.intervalMs.p50)} / ${ms(t.intervalMs.max)}` : '—'
      },
    ],
    [
      'CPU during votes (% of a core): workerd | node',
      (r) => {
        const c = r.cpuDuringVotes ?? []
        const w = c
          .filter((p) => p.role.startsWith('workerd'))
          .map((p) => `${p.percent}${p.role.includes('serves') ? '*' : ''}`)
        const self = c.find((p) => p.pid === process.pid)
        return c.length ? `${w.join(' + ')} | ${self?.percent ?? '—'}` : '—'
      },
    ],
    ['workerd RSS at final count (MiB)', (r) => workerd(r.processesAtTally, 'rssMiB')],
    ['workerd RSS peak (MiB)', (r) => workerd(r.processesPeak, 'rssMiB')],
    ['workerd open files peak', (r) => workerd(r.processesPeak, 'fds')],
    [
      'load generator RSS / open files peak',
      (r) => `${self(r.processesPeak, 'rssMiB')} / ${self(r.processesPeak, 'fds')}`,
    ],
    ["other processes' CPU during run (% of a core)", (r) => String(r.otherCpuPercent ?? '—')],
    ['run time (s)', (r) => (r.durationMs ? (r.durationMs / 1000).toFixed(1) : '—')],
  ]
  const header = ['', ...reports.map((r) => `${r.via} n=${r.n}`)]
  const body = rows.map(([label, cell]) => [label, ...reports.map(cell)])
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((row) => row[i]!.length)))
  const line = (row: string[]) =>
    row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  console.log()
  console.log(line(header))
  console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const row of body) console.log(line(row))
  console.log()
  console.log(
    '* the workerd that serves the URL (wrangler: its proxy; miniflare: the Worker itself)',
  )
  for (const r of reports.filter((r) => r.error)) console.log(`${r.via} n=${r.n}: ${r.error}`)
  for (const r of reports)
    for (const c of r.checks ?? [])
      if (c.lost || c.doubleCounted)
        console.log(
          `${r.via} n=${r.n} ${c.source}: got ${JSON.stringify(c.counts)}, expected ${JSON.stringify(r.expected)}`,
        )
  console.log(
    `machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, node ${machine.node}, ` +
      `wrangler ${machine.wrangler}, miniflare ${machine.miniflare}, ` +
      `open files ${machine.openFileLimit.soft} (hard ${machine.openFileLimit.hard})`,
  )
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
