// What one conference benchmark run reports, for the ConferenceRoom and the Socket.IO baseline alike,
// and the verdict both share: every client joined, every vote acked, the tally exact.
import type { Received } from './conference-client'
import type { EventRates } from './event-rates'
import { summarize, type LoadOptions, type LoadResult, type Summary } from './load'
import type { Check, Counts } from './tally'
import type { ProcessUse, Via } from './workers'

/** What served the room: the ConferenceRoom via wrangler or miniflare, or a Socket.IO baseline. */
export type Runner = Via | Baseline

/**
 * The old stack's Socket.IO server: one process with its poll state in memory, or two processes
 * behind Socket.IO's Redis adapter with the poll state in that Redis.
 */
export type Baseline = 'socket.io' | 'socket.io-redis'

export const BASELINE_LABELS: Record<Baseline, { short: string; long: string }> = {
  'socket.io': { short: 'S.IO', long: 'the Socket.IO baseline, one node process' },
  'socket.io-redis': {
    short: 'S.IO×2',
    long: 'two Socket.IO node processes behind @socket.io/redis-adapter, poll state in Redis',
  },
}

/** How many node processes serve each baseline. */
export const BASELINE_PROCESSES: Record<Baseline, number> = { 'socket.io': 1, 'socket.io-redis': 2 }

/** The knobs every run of one benchmark invocation shares, so both systems get the same load. */
export interface RunSettings {
  concurrency: number
  batch: number
  /** The N votes are sent evenly over this window (open loop); 0: as fast as the generator can. */
  voteWindowMs: number
  /** Per run; default 60 s + 40 ms per client. */
  timeoutMs?: number
  /**
   * A join storm: the N joins offered evenly over this window, open loop (LoadOptions.joinWindowMs);
   * absent or 0: `concurrency` joins in flight (closed loop).
   */
  joinWindowMs?: number
  /**
   * The ConferenceRoom's `expectedAudience` (which sizes its audience shards): 'auto' is N, as a
   * real event of that size would say; a number (e.g. 1 for a one-shard room) is sent as is.
   */
  expectedAudience?: 'auto' | number
  log: (line: string) => void
}

export interface RunReport {
  via: Runner
  n: number
  /** Which repetition of this runner at this N (1-based; figures are compared as medians). */
  repeat?: number
  ok: boolean
  error?: string
  /** CPU used by processes other than this benchmark's during the run, in % of one core. */
  otherCpuPercent?: number
  load?: Omit<LoadResult, 'votedIndexes'>
  /** The host's ping → reply round trips before anyone joined (see measureRoundTrips). */
  roundTripMs?: Summary
  /** Those round trips one by one (0.01 ms steps), so repeated runs can be pooled. */
  roundTripSamplesMs?: number[]
  liveFanoutMs?: number
  hostAudienceCount?: number
  expected?: Counts
  checks?: Check[]
  lost?: number
  doubleCounted?: number
  unexpectedCloses?: number
  unexpectedCloseReasons?: string[]
  audienceFramesReceived?: number
  /** room.stats frames the audience received between the first vote sent and the final count. */
  audienceStatsDuringVotes?: number
  /** Count updates the host got between the first vote's send and the final count. */
  hostTicksDuringVotes?: { count: number; intervalMs: Summary; maxVotesPerTick: number }
  /** CPU the hypervisor took from this machine during the votes (see stolenSeconds), % of a core. */
  stolenCpuDuringVotes?: number
  /** CPU used between the first vote's send and the final count, in % of one core. */
  cpuDuringVotes?: { role: string; pid: number; percent: number }[]
  processesAtTally?: ProcessUse[]
  processesPeak?: ProcessUse[]
  durationMs?: number
  /** The ConferenceRoom's audience shards and the events reaching it and them (GET …/load). */
  events?: ConferenceEvents
  /**
   * A room with audiences of both framings (runConferenceRoom's 'half-socket-io'): each framing's
   * own figures; its joins, acks and final count are in load.byKind under the same key.
   */
  framings?: Partial<Record<Framing, FramingReport>>
}

/** What a sharded ConferenceRoom's run adds: its shards, and the events each object handled. */
export interface ConferenceEvents {
  /** The expectedAudience the conference was created with. */
  expectedAudience: number
  /** Shards listed by the room after the votes (including any it added while the audience joined). */
  shardsUsed: number
  /** Native audience sockets per shard, as their participant tokens name it. */
  socketsPerShard: Record<string, number>
  /** From the first join's start to the last join's end. */
  duringJoins?: EventRates
  /** From after the push's fan-out (before the first vote) to after the final count. */
  duringVotes?: EventRates
  /** A reading that failed (the route is development only); the run's other figures stand. */
  error?: string
}

/** How an audience socket speaks to the room: native JSON frames, or Socket.IO (socket.io-client). */
export type Framing = 'native' | 'socket.io'

export interface FramingReport {
  /** Clients of this framing that joined. */
  clients: number
  /** Push → the slowest of this framing's sockets saw question.live. */
  liveFanoutMs?: number
  /** This framing's votes, on options of its own, so the tallies below are its alone. */
  expected?: Counts
  checks?: Check[]
  lost?: number
  doubleCounted?: number
  unexpectedCloses?: number
}

export function timeoutFor(n: number, settings: RunSettings) {
  return settings.timeoutMs ?? 60_000 + 40 * n
}

export function loadOptions(
  n: number,
  settings: RunSettings,
  deadline: number,
  label: string,
): LoadOptions {
  return {
    n,
    joinConcurrency: settings.concurrency,
    voteBatch: settings.batch,
    voteWindowMs: settings.voteWindowMs,
    ...(settings.joinWindowMs ? { joinWindowMs: settings.joinWindowMs } : {}),
    deadline,
    progress: (line) => settings.log(`${label}: ${line}`),
  }
}

/** Fills in lost/double-counted from the checks and decides ok/error. */
export function settle(report: RunReport, load: LoadResult) {
  const checks = report.checks ?? []
  report.lost = Math.max(0, ...checks.map((c) => c.lost))
  report.doubleCounted = Math.max(0, ...checks.map((c) => c.doubleCounted))
  for (const framing of Object.values(report.framings ?? {})) {
    framing.lost = Math.max(0, ...(framing.checks ?? []).map((c) => c.lost))
    framing.doubleCounted = Math.max(0, ...(framing.checks ?? []).map((c) => c.doubleCounted))
    if (framing.lost > 0) report.lost = Math.max(report.lost, framing.lost)
    if (framing.doubleCounted > 0)
      report.doubleCounted = Math.max(report.doubleCounted, framing.doubleCounted)
  }
  const errors = [
    ...load.join.failures.slice(0, 5).map((f) => `join ${f}`),
    ...load.votes.refused.slice(0, 5).map((f) => `vote refused ${f}`),
    ...(load.votes.timedOut > 0 ? [`${load.votes.timedOut} votes never acked`] : []),
    ...(load.tallyError ? [`host final count: ${load.tallyError}`] : []),
    ...Object.entries(load.byKind ?? {}).flatMap(([kind, k]) =>
      k.tallyError ? [`host final count (${kind}): ${k.tallyError}`] : [],
    ),
    ...(report.lost > 0 || report.doubleCounted > 0
      ? [`${report.lost} lost, ${report.doubleCounted} double-counted`]
      : []),
  ]
  report.ok = errors.length === 0
  if (!report.ok) report.error = errors.join('; ')
}

/** Host count updates received between `from` and `to`: how many, how far apart, how many votes each. */
export function ticksBetween(
  stats: Received[],
  from: number,
  to: number | undefined,
  totalOf: (r: Received) => number,
) {
  const inWindow = stats.filter((r) => r.at >= from && (to === undefined || r.at <= to))
  const intervals = inWindow.slice(1).map((r, i) => r.at - inWindow[i]!.at)
  const deltas = inWindow.slice(1).map((r, i) => totalOf(r) - totalOf(inWindow[i]!))
  return {
    count: inWindow.length,
    intervalMs: summarize(intervals),
    maxVotesPerTick: Math.max(0, ...deltas),
  }
}

/**
 * The processes that run the room: the Worker's workerd (behind wrangler's proxy, which a
 * deployment does not have), or the Socket.IO server.
 */
export function serverProcesses(report: RunReport, ps: ProcessUse[] | undefined): ProcessUse[] {
  const all = ps ?? []
  if (report.via === 'socket.io') return all.filter((p) => p.role === SOCKET_IO_ROLE)
  if (report.via === 'socket.io-redis')
    return all.filter((p) => p.role === SOCKET_IO_ROLE || p.role === SOCKET_IO_REDIS_ROLE)
  const behind = all.filter((p) => p.role === 'workerd (behind it)')
  return behind.length > 0 ? behind : all.filter((p) => p.role === 'workerd (serves the URL)')
}

export const SOCKET_IO_ROLE = 'Socket.IO server (node)'
/** The redis-server that two baseline processes share their adapter and poll state through. */
export const SOCKET_IO_REDIS_ROLE = 'Redis (Socket.IO adapter and poll state)'
