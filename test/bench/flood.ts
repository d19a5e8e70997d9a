// Flood benchmark: another user's REST latency (GET /api/auth/profile) while one socket floods a
// room, against the same reads with no flood. Each run measures idle, then floods of `unread.get` on
// a user channel (a MongoDB count each) and of `ice-candidate` in a meeting (each relayed to the
// other peer) at thousands of frames a second over loopback: first from one socket, which the room
// closes, then from a client that reconnects at once each time with tickets minted beforehand (one
// socket at a time, each with fresh budgets), so its flood lasts the whole window. Runs repeat; each
// figure is the median of the runs with their range. Starts its own stack and Worker (test profile).
//   npm run bench:flood                 5 runs, floods of 4 s at 5,000 frames a second
//   npm run bench:flood -- --smoke      1 run of 1 s at 2,000 frames a second
import { mkdir, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { MongoClient } from 'mongodb'
import { startStack, type Stack } from '../../dev-services/stack'
import { CLOSE_AFTER_REFUSED } from '../../durable-objects/frame-budgets'
import { USER_FRAME_BUDGETS } from '../../shared/user-channel'
import { MEETING_FRAME_BUDGETS } from '../../shared/meeting'
import { ensureIndexes } from '../../worker/db/indexes'
import { signLinkToken } from '../../worker/meetings/link-token'
import { testWorkerVars } from '../harness/global-setup'
import { createUsers, warmUp, type BenchUser } from './bench-setup'
import { median } from './compare'
import { api } from './conference-client'
import { startOnThread, type FloodLoad, type FloodResult } from './flood-load'
import { summarize } from './load'
import {
  cpuSnapshot,
  otherCpu,
  sampleProcesses,
  startBenchWorker,
  type BenchWorker,
  type Via,
} from './workers'

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    runs: { type: 'string' },
    seconds: { type: 'string' },
    rate: { type: 'string' },
    via: { type: 'string', default: 'miniflare' },
    help: { type: 'boolean', default: false },
  },
})
if (args.help) {
  console.log(
    'npm run bench:flood [-- --smoke] [--runs 5] [--seconds 4] [--rate 5000] [--via miniflare|wrangler]',
  )
  process.exit(0)
}
const SMOKE = args.smoke!
const RUNS = Number(args.runs ?? (SMOKE ? 1 : 5))
const SECONDS = Number(args.seconds ?? (SMOKE ? 1 : 4))
const RATE = Number(args.rate ?? (SMOKE ? 2000 : 5000))
const VIA = args.via as Via
// Bounded: at most 20,000 frames a second for at most 30 s, to the Worker this process started.
if (!(RUNS >= 1 && SECONDS > 0 && SECONDS <= 30 && RATE > 0 && RATE <= 20_000))
  throw new Error('--runs ≥ 1, --seconds in (0, 30], --rate in (0, 20000]')
/**
 * The other user's reads: one every 25 ms, open loop, for the flood's window. Far enough below what
 * the Worker serves on this machine that idle reads do not queue behind each other.
 */
const REST_INTERVAL_MS = 25
const REST_PATH = '/api/auth/profile'
/** Between phases: the room works off what the last flood left queued. */
const SETTLE_MS = 1000
const OUT = path.join(import.meta.dirname, '../../test-artifacts/bench-flood.json')
const log = (line: string) => console.log(line)

type Room = 'user' | 'meeting'
interface Phase {
  id: string
  label: string
  flood?: { room: Room; reconnect: boolean }
}
const PHASES: Phase[] = [
  { id: 'idle', label: 'idle (no flood)' },
  { id: 'user', label: '`unread.get`, one socket', flood: { room: 'user', reconnect: false } },
  {
    id: 'meeting',
    label: '`ice-candidate`, one socket',
    flood: { room: 'meeting', reconnect: false },
  },
  {
    id: 'user-reconnecting',
    label: '`unread.get`, reconnecting',
    flood: { room: 'user', reconnect: true },
  },
  {
    id: 'meeting-reconnecting',
    label: '`ice-candidate`, reconnecting',
    flood: { room: 'meeting', reconnect: true },
  },
]

interface PhaseRun {
  p50: number
  p99: number
  /** The Worker's workerd processes during the window, in % of one core. */
  workerdCpu: number
  /** Every process on the machine but this benchmark's (other engineers' work), % of one core. */
  otherCpu: number
  requests: number
  failures: number
  latenciesMs: number[]
  flood?: FloodResult
}

interface Setup {
  url: string
  victim: BenchUser
  flooder: BenchUser
  owner: BenchUser
  roomId: string
  guestToken: string
}

const wsUrl = (base: string, socketPath: string) => `${base.replace(/^http/, 'ws')}${socketPath}`

/**
 * One ticket, or enough for a client whose every socket the room closes after CLOSE_AFTER_REFUSED
 * refusals to keep flooding all window long.
 */
const ticketsFor = (reconnect: boolean) =>
  reconnect ? Math.ceil((RATE * SECONDS) / CLOSE_AFTER_REFUSED) + 2 : 1

async function mint(count: number, mintOne: () => Promise<string>): Promise<string[]> {
  const urls: string[] = []
  for (let i = 0; i < count; i++) urls.push(await mintOne())
  return urls
}

/** The flood of a phase, its tickets minted now (they live a minute). */
async function floodOf(phase: Phase, s: Setup): Promise<FloodLoad | undefined> {
  if (!phase.flood) return undefined
  const { room, reconnect } = phase.flood
  const post = async (p: string, token?: string, json?: unknown) =>
    (await api(s.url, p, { method: 'POST', token, json })).body
  const common = { perSecond: RATE, durationMs: SECONDS * 1000 }
  if (room === 'user') {
    const socketUrls = await mint(ticketsFor(reconnect), async () =>
      wsUrl(s.url, (await post('/api/realtime/user-ticket', s.flooder.token)).url),
    )
    return { kind: 'flood', ...common, socketUrls, frame: { type: 'unread.get' } }
  }
  const ticketPath = `/api/v1/meeting-rooms/${s.roomId}`
  const socketUrls = await mint(ticketsFor(reconnect), async () =>
    wsUrl(s.url, (await post(`${ticketPath}/ticket`, s.owner.token)).url),
  )
  const guest = await post(`${ticketPath}/guest-ticket`, undefined, { token: s.guestToken })
  return {
    kind: 'flood',
    ...common,
    socketUrls,
    joinFrame: { type: 'join-room' },
    peerUrl: wsUrl(s.url, guest.url),
    relayedType: 'ice-candidate',
    // A candidate as browsers trickle them.
    frame: {
      type: 'ice-candidate',
      candidate: {
        candidate: 'candidate:842163049 1 udp 1677729535 192.0.2.10 54321 typ srflx',
        sdpMid: '0',
        sdpMLineIndex: 0,
      },
    },
  }
}

/** CPU seconds the Worker's workerd processes have used so far. */
async function workerdSeconds(url: string) {
  const processes = await sampleProcesses(url)
  return processes.filter((p) => p.role.startsWith('workerd')).reduce((a, p) => a + p.cpuSeconds, 0)
}

async function runPhase(phase: Phase, s: Setup): Promise<PhaseRun> {
  const floodLoad = await floodOf(phase, s)
  const loads = [
    startOnThread({
      kind: 'rest',
      url: s.url,
      path: REST_PATH,
      token: s.victim.token,
      intervalMs: REST_INTERVAL_MS,
      durationMs: SECONDS * 1000,
    }),
    ...(floodLoad ? [startOnThread(floodLoad)] : []),
  ] as const
  await Promise.all(loads.map((l) => l.ready))
  const [workerdBefore, machineBefore] = [await workerdSeconds(s.url), await cpuSnapshot(s.url)]
  const [rest, flood] = await Promise.all([loads[0].run(), loads[1]?.run()])
  const workerd = (await workerdSeconds(s.url)) - workerdBefore
  const machine = await cpuSnapshot(s.url)
  const summary = summarize(rest.latenciesMs)
  return {
    p50: summary.p50,
    p99: summary.p99,
    workerdCpu: Math.round((workerd / (machine.at - machineBefore.at)) * 100_000),
    otherCpu: otherCpu(machineBefore, machine),
    requests: summary.count,
    failures: rest.failures,
    latenciesMs: rest.latenciesMs,
    ...(flood ? { flood } : {}),
  }
}

/** The median of `values` with their range. */
function spread(values: number[]) {
  return {
    median: median(values)!,
    min: Math.min(...values),
    max: Math.max(...values),
  }
}

const fmt = (v: number) => v.toFixed(1)
const fmtSpread = (s: { median: number; min: number; max: number }, unit = ' ms') =>
  `${fmt(s.median)}${unit} [${fmt(s.min)}–${fmt(s.max)}]`

function describeRun(r: PhaseRun): string {
  const f = r.flood
  return (
    `p50 ${fmt(r.p50)} ms  p99 ${fmt(r.p99)} ms  (${r.requests} reads, ${r.failures} failed); ` +
    `workerd ${r.workerdCpu}%, other processes ${r.otherCpu}%` +
    (f
      ? `; flood sent ${f.sent}, answered ${f.answered}, relayed ${f.relayed}, warned ` +
        `${f.warnings}, closed by the room ${f.closedByRoom}, skipped ${f.skipped}`
      : '')
  )
}

/** A phase's runs as the report shows them: medians with ranges, and the flood's totals. */
function summarizePhase(phase: Phase, list: PhaseRun[], idle: PhaseRun[]) {
  const floods = list.flatMap((r) => (r.flood ? [r.flood] : []))
  const total = (key: keyof FloodResult) => floods.reduce((a, f) => a + f[key], 0)
  // Each run's flood against the same run's idle reads: the machine's load drifts between runs.
  const ratios = list.map((r, i) => r.p99 / idle[i]!.p99)
  return {
    id: phase.id,
    label: phase.label,
    p50: spread(list.map((r) => r.p50)),
    p99: spread(list.map((r) => r.p99)),
    pooledP99: summarize(list.flatMap((r) => r.latenciesMs)).p99,
    requests: list.reduce((a, r) => a + r.requests, 0),
    failures: list.reduce((a, r) => a + r.failures, 0),
    p99OverIdle: spread(ratios),
    withinTwice: median(ratios)! <= 2,
    workerdCpu: spread(list.map((r) => r.workerdCpu)),
    otherCpu: spread(list.map((r) => r.otherCpu)),
    ...(phase.flood
      ? {
          flood: {
            ...phase.flood,
            sent: total('sent'),
            answered: total('answered'),
            relayed: total('relayed'),
            warnings: total('warnings'),
            closedByRoom: total('closedByRoom'),
            connections: total('connections'),
            skipped: total('skipped'),
            refusedUpgrades: total('refusedUpgrades'),
          },
        }
      : {}),
  }
}

async function main() {
  let stack: Stack | undefined
  let worker: BenchWorker | undefined
  let client: MongoClient | undefined
  try {
    log(`machine: ${os.cpus()[0]?.model ?? 'unknown cpu'}, ${os.cpus().length} cores`)
    log(
      `mode: ${SMOKE ? 'smoke' : 'full'}, Worker via ${VIA}; ${RUNS} run(s), floods of ${SECONDS} s ` +
        `at ${RATE} frames/s; the other user's ${REST_PATH} every ${REST_INTERVAL_MS} ms\n`,
    )
    stack = await startStack({ profile: 'test', env: process.env })
    const vars = testWorkerVars(stack.env)
    client = await new MongoClient(vars.MONGODB_URI!).connect()
    const db = client.db(vars.MONGODB_DB)
    await ensureIndexes(db)
    worker = await startBenchWorker(VIA, vars)
    await warmUp(worker.url)
    const [victim, flooder, owner] = (await createUsers(db, vars, 3)) as [
      BenchUser,
      BenchUser,
      BenchUser,
    ]
    const roomId = `bench-flood-${Date.now().toString(36)}`
    // The owner's first ticket claims the room; the guest's link is signed as send-token would.
    await api(worker.url, `/api/v1/meeting-rooms/${roomId}/ticket`, {
      method: 'POST',
      token: owner.token,
    })
    const { token: guestToken } = await signLinkToken(
      vars.JWT_SECRET!,
      { roomId, ownerId: owner.id, guestName: 'Bench Guest' },
      1,
    )
    const setup: Setup = { url: worker.url, victim, flooder, owner, roomId, guestToken }
    // Warm-up: the first reads pay for module loading and the MongoDB connections.
    await runPhase(PHASES[0]!, setup)

    const runs = new Map<string, PhaseRun[]>(PHASES.map((p) => [p.id, []]))
    for (let r = 0; r < RUNS; r++) {
      for (const phase of PHASES) {
        const result = await runPhase(phase, setup)
        runs.get(phase.id)!.push(result)
        log(`run ${r + 1} ${phase.id.padEnd(20)} ${describeRun(result)}`)
        await new Promise((resolve) => setTimeout(resolve, SETTLE_MS))
      }
    }
    const idle = runs.get('idle')!
    const phases = PHASES.map((phase) => summarizePhase(phase, runs.get(phase.id)!, idle))
    log(`\nGET ${REST_PATH} as another user, ${RUNS} run(s): median [min–max] of the runs`)
    for (const p of phases) {
      log(
        `  ${p.id.padEnd(20)} p50 ${fmtSpread(p.p50)}  p99 ${fmtSpread(p.p99)}  ` +
          `pooled p99 ${fmt(p.pooledP99)} ms  p99 ÷ idle ${fmtSpread(p.p99OverIdle, '×')}` +
          (p.flood ? `  within 2×: ${p.withinTwice ? 'yes' : 'NO'}` : ''),
      )
    }
    const budgets = {
      'unread.get': USER_FRAME_BUDGETS['unread.get'],
      'ice-candidate': MEETING_FRAME_BUDGETS['ice-candidate'],
    }
    await mkdir(path.dirname(OUT), { recursive: true })
    await writeFile(
      OUT,
      JSON.stringify(
        {
          smoke: SMOKE,
          via: VIA,
          runs: RUNS,
          seconds: SECONDS,
          rate: RATE,
          restPath: REST_PATH,
          restIntervalMs: REST_INTERVAL_MS,
          closeAfterRefused: CLOSE_AFTER_REFUSED,
          budgets,
          phases,
        },
        null,
        2,
      ) + '\n',
    )
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
