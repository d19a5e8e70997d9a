// Transport-agnostic load generator for realtime rooms: joins N clients with bounded concurrency
// (or, as a join storm, on a fixed schedule over a window: open loop, like the votes),
// has every client vote once and measures join and ack latencies and throughput. Votes go out on a
// fixed schedule (open loop: N votes evenly over a window, whatever the server answers), so every
// system gets the same offered load; with no window they go as fast as the generator can send them,
// which depends on the client library as much as on the server.
// The conference benchmark drives it over WebSockets; a Socket.IO comparison can pass its own functions.
// Clients may be of several kinds (e.g. native and Socket.IO framing in one room): each figure is
// then also given per kind, from the same run, so the kinds met the same room at the same moment.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { setTimeout as sleep, setImmediate as yieldToLoop } from 'node:timers/promises'

export interface LoadScenario<C> {
  /** Joins client `index`; resolves once the client holds the room's initial state. */
  join(index: number): Promise<C>
  /** The kind of client `index` (e.g. its wire framing); join, ack and tally figures are also per kind. */
  kindOf?(index: number): string
  /** Runs once every client has joined, before any vote (e.g. push the question, await it everywhere). */
  beforeVotes?(clients: C[]): Promise<void>
  /** Sends the client's vote synchronously; settles on its ack (rejects when refused). */
  vote(client: C, index: number): Promise<unknown>
  /**
   * Called before the first vote; resolves with the performance.now() at which the server's tally
   * was complete. Waiting from the start leaves nothing to search or set up after the last send,
   * when the generator's own work would count against the last vote's latency.
   */
  tallied?(): Promise<number>
  /** Like `tallied`, for the votes of one kind only (called once per kind that joined, with kindOf). */
  talliedKind?(kind: string): Promise<number>
  /** Runs once every vote is acked (or given up on) and the tally seen, e.g. to sample CPU. */
  afterVotes?(): Promise<void>
  /** Closes one client; called for every joined client when the run ends, however it ends. */
  close(client: C): Promise<void>
}

export interface LoadOptions {
  n: number
  /** Joins in flight at once (closed loop: each starts when one finishes); unused with joinWindowMs. */
  joinConcurrency: number
  /**
   * A join storm: join i starts at i·joinWindowMs/n after the first, whatever the earlier ones did
   * (open loop), and its latency counts from that scheduled start, so a generator or server that
   * falls behind shows in the latencies instead of slowing the offered load. 0 or absent: closed loop.
   */
  joinWindowMs?: number
  /** Votes sent back to back before yielding to the event loop (so the sends go out in bursts). */
  voteBatch: number
  /** Spread the N votes evenly over this many ms (open loop); 0 sends them as fast as possible. */
  voteWindowMs: number
  /** performance.now() by which everything must be done; whatever is pending then counts as timed out. */
  deadline: number
  /** Called with progress lines ("joined 500/2000"). */
  progress?: (line: string) => void
}

export interface Summary {
  count: number
  p50: number
  p99: number
  max: number
  mean: number
}

/** One kind's share of a run: its clients' joins and votes, in the same windows as the others'. */
export interface KindResult {
  joined: number
  joinMs: Summary
  sent: number
  acked: number
  refused: number
  timedOut: number
  ackMs: Summary
  /** Every acked vote's latency (0.01 ms steps), so repeated runs can be pooled. */
  ackSamplesMs: number[]
  /** This kind's last send → the server's tally held all of this kind's votes. */
  talliedMs?: number
  tallyError?: string
}

export interface LoadResult {
  n: number
  join: {
    joined: number
    totalMs: number
    perClientMs: Summary
    /** Every joined client's join (0.01 ms steps), so repeated runs can be pooled (see compare). */
    perClientSamplesMs: number[]
    failures: string[]
    /** Joined / (last join completed − first join's start), per second. */
    admittedPerSecond: number
    /** With joinWindowMs: how late joins started against their schedule (their latency includes it). */
    startLagMs?: Summary
  }
  /** beforeVotes (e.g. push → every client saw the question), in ms. */
  beforeVotesMs: number
  votes: {
    sent: number
    acked: number
    refused: string[]
    timedOut: number
    ackMs: Summary
    /** Every acked vote's latency (0.01 ms steps), so repeated runs can be pooled (see compare). */
    ackSamplesMs: number[]
    /** Last send − first send. */
    sendSpreadMs: number
    /** How late sends left against their schedule (0 when votes were not scheduled). */
    sendLagMs: Summary
    /**
     * This process's event-loop delay from the first send to the last ack and the tally: the
     * generator timestamps acks as it reads them, so its own pauses count as latency.
     */
    generatorDelayMs: { p50: number; p99: number; max: number }
    /** Acked votes / (last ack − first send). */
    votesPerSecond: number
    firstSendAt: number
    lastSendAt: number
    lastAckAt: number
  }
  /** Last send → tally complete (undefined when not measured or not reached). */
  talliedMs?: number
  tallyError?: string
  /** Set when the run stopped early (beforeVotes failed); the join figures above still hold. */
  error?: string
  /** Which client indexes sent a vote (their choices are the caller's to know). */
  votedIndexes: number[]
  /** Per kind, when the scenario has kindOf. */
  byKind?: Record<string, KindResult>
}

/** Joins, runs beforeVotes, votes, awaits the tally; always closes every joined client. */
export async function runLoad<C>(
  scenario: LoadScenario<C>,
  opts: LoadOptions,
): Promise<LoadResult> {
  const clients: { index: number; client: C }[] = []
  const late: Promise<unknown>[] = []
  try {
    // ---- Join ------------------------------------------------------------------------------
    const joinMs: number[] = []
    const joinMsByKind = new Map<string, number[]>()
    const joinFailures: string[] = []
    const joinStart = performance.now()
    let lastJoinedAt = joinStart
    let lastReport = joinStart
    /** Runs join `index`, its latency counted from `from` (its start, or its scheduled start). */
    const joinOne = async (index: number, from: number) => {
      const joining = scenario.join(index)
      try {
        const client = await raceDeadline(joining, opts.deadline, `join ${index}`)
        const at = performance.now()
        joinMs.push(at - from)
        if (scenario.kindOf) pushTo(joinMsByKind, scenario.kindOf(index), at - from)
        if (at > lastJoinedAt) lastJoinedAt = at
        clients.push({ index, client })
      } catch (error) {
        joinFailures.push(`#${index}: ${message(error)}`)
        // A join that completes after its deadline still holds a socket: close it then.
        late.push(joining.then((c) => scenario.close(c)).catch(() => {}))
      }
      if (performance.now() - lastReport > 2000) {
        lastReport = performance.now()
        opts.progress?.(`joined ${clients.length}/${opts.n}`)
      }
    }
    const joinWindowMs = opts.joinWindowMs ?? 0
    const startLagMs: number[] = []
    let next = 0
    if (joinWindowMs > 0) {
      const joins: Promise<void>[] = []
      while (next < opts.n && performance.now() < opts.deadline) {
        const index = next++
        const due = joinStart + (index * joinWindowMs) / opts.n
        // Node's timers may fire up to a millisecond early: sleep again until the join is due.
        while (performance.now() < due) await sleep(Math.max(1, due - performance.now()))
        startLagMs.push(performance.now() - due)
        joins.push(joinOne(index, due))
      }
      await Promise.all(joins)
    } else {
      await Promise.all(
        Array.from({ length: Math.min(opts.joinConcurrency, opts.n) }, async () => {
          while (next < opts.n && performance.now() < opts.deadline) {
            const index = next++
            await joinOne(index, performance.now())
          }
        }),
      )
    }
    const joinTotalMs = performance.now() - joinStart
    if (next < opts.n) joinFailures.push(`deadline reached after ${next} of ${opts.n} joins`)
    clients.sort((a, b) => a.index - b.index)
    opts.progress?.(`joined ${clients.length}/${opts.n} in ${Math.round(joinTotalMs)} ms`)

    const joinResult = {
      joined: clients.length,
      totalMs: round(joinTotalMs),
      perClientMs: summarize(joinMs),
      perClientSamplesMs: samplesMs(joinMs),
      failures: joinFailures,
      admittedPerSecond:
        lastJoinedAt > joinStart
          ? Math.round((clients.length / (lastJoinedAt - joinStart)) * 1000)
          : 0,
      ...(joinWindowMs > 0 ? { startLagMs: summarize(startLagMs) } : {}),
    }

    // ---- Before votes ----------------------------------------------------------------------
    const beforeStart = performance.now()
    try {
      if (scenario.beforeVotes)
        await raceDeadline(
          scenario.beforeVotes(clients.map((c) => c.client)),
          opts.deadline,
          'beforeVotes',
        )
    } catch (error) {
      return {
        n: opts.n,
        join: joinResult,
        beforeVotesMs: round(performance.now() - beforeStart),
        votes: {
          sent: 0,
          acked: 0,
          refused: [],
          timedOut: 0,
          ackMs: summarize([]),
          ackSamplesMs: [],
          sendSpreadMs: 0,
          sendLagMs: summarize([]),
          generatorDelayMs: { p50: 0, p99: 0, max: 0 },
          votesPerSecond: 0,
          firstSendAt: 0,
          lastSendAt: 0,
          lastAckAt: 0,
        },
        votedIndexes: [],
        error: `before the votes: ${message(error)}`,
      }
    }
    const beforeVotesMs = performance.now() - beforeStart

    // ---- Votes -----------------------------------------------------------------------------
    const ackMs: number[] = []
    const kindOf = scenario.kindOf
    const kinds = kindOf ? [...new Set(clients.map((c) => kindOf(c.index)))] : []
    const byKind = new Map(
      kinds.map((kind) => [
        kind,
        { sent: 0, acked: 0, refused: 0, ackMs: [] as number[], lastSendAt: 0 },
      ]),
    )
    const refused: string[] = []
    let acked = 0
    let lastAckAt = 0
    let firstSendAt = 0
    let lastSendAt = 0
    const pending: Promise<void>[] = []
    const lagMs: number[] = []
    const loopDelay = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS })
    loopDelay.enable()
    let talliedAt: number | undefined
    let tallyError: string | undefined
    const tally = scenario.tallied
      ? raceDeadline(scenario.tallied(), opts.deadline, 'tally').then(
          (at) => void (talliedAt = at),
          (error: unknown) => void (tallyError = message(error)),
        )
      : Promise.resolve()
    const talliedAtByKind = new Map<string, number>()
    const tallyErrorByKind = new Map<string, string>()
    const talliedKind = scenario.talliedKind
    const kindTallies = talliedKind
      ? kinds.map((kind) =>
          raceDeadline(talliedKind(kind), opts.deadline, `tally (${kind})`).then(
            (at) => void talliedAtByKind.set(kind, at),
            (error: unknown) => void tallyErrorByKind.set(kind, message(error)),
          ),
        )
      : []
    const scheduleStart = performance.now()
    for (let i = 0; i < clients.length; i++) {
      const { index, client } = clients[i]!
      if (opts.voteWindowMs > 0) {
        const due = scheduleStart + (i * opts.voteWindowMs) / clients.length
        // Node's timers may fire up to a millisecond early: sleep again until the vote is due.
        while (performance.now() < due) await sleep(Math.max(1, due - performance.now()))
        lagMs.push(Math.max(0, performance.now() - due))
      } else if (i > 0 && i % opts.voteBatch === 0) await yieldToLoop()
      const sentAt = performance.now()
      if (i === 0) firstSendAt = sentAt
      lastSendAt = sentAt
      const mine = kindOf ? byKind.get(kindOf(index)) : undefined
      if (mine) {
        mine.sent++
        mine.lastSendAt = sentAt
      }
      pending.push(
        scenario.vote(client, index).then(
          () => {
            const at = performance.now()
            ackMs.push(at - sentAt)
            acked++
            if (at > lastAckAt) lastAckAt = at
            if (mine) {
              mine.ackMs.push(at - sentAt)
              mine.acked++
            }
          },
          (error: unknown) => {
            refused.push(`#${index}: ${message(error)}`)
            if (mine) mine.refused++
          },
        ),
      )
    }
    await raceDeadline(Promise.all(pending), opts.deadline, 'acks').catch(() => {})
    await tally
    await Promise.all(kindTallies)
    // Logged only now: a line is a message to the main thread, work in the window it would report.
    opts.progress?.(`sent ${clients.length} votes in ${Math.round(lastSendAt - firstSendAt)} ms`)
    const talliedMs = talliedAt === undefined ? undefined : talliedAt - lastSendAt
    // The monitor records a pause when its next sample fires: give it that turn before stopping.
    await sleep(LOOP_SAMPLE_MS + 1)
    loopDelay.disable()
    await scenario.afterVotes?.()
    const timedOut = clients.length - acked - refused.length
    const windowMs = lastAckAt - firstSendAt
    return {
      n: opts.n,
      join: joinResult,
      beforeVotesMs: round(beforeVotesMs),
      votes: {
        sent: clients.length,
        acked,
        refused,
        timedOut,
        ackMs: summarize(ackMs),
        ackSamplesMs: samplesMs(ackMs),
        sendSpreadMs: round(lastSendAt - firstSendAt),
        sendLagMs: summarize(lagMs),
        generatorDelayMs: {
          p50: pauseMs(loopDelay.percentile(50)),
          p99: pauseMs(loopDelay.percentile(99)),
          max: pauseMs(loopDelay.max),
        },
        votesPerSecond: windowMs > 0 ? Math.round((acked / windowMs) * 1000) : 0,
        firstSendAt,
        lastSendAt,
        lastAckAt,
      },
      ...(talliedMs !== undefined ? { talliedMs: round(talliedMs) } : {}),
      ...(tallyError ? { tallyError } : {}),
      votedIndexes: clients.map((c) => c.index),
      ...(kindOf
        ? {
            byKind: Object.fromEntries(
              [...byKind].map(([kind, k]) => {
                const at = talliedAtByKind.get(kind)
                const error = tallyErrorByKind.get(kind)
                const result: KindResult = {
                  joined: clients.filter((c) => kindOf(c.index) === kind).length,
                  joinMs: summarize(joinMsByKind.get(kind) ?? []),
                  sent: k.sent,
                  acked: k.acked,
                  refused: k.refused,
                  timedOut: k.sent - k.acked - k.refused,
                  ackMs: summarize(k.ackMs),
                  ackSamplesMs: samplesMs(k.ackMs),
                  ...(at !== undefined ? { talliedMs: round(at - k.lastSendAt) } : {}),
                  ...(error ? { tallyError: error } : {}),
                }
                return [kind, result]
              }),
            ),
          }
        : {}),
    }
  } finally {
    opts.progress?.(`closing ${clients.length} clients`)
    await Promise.all(clients.map((c) => scenario.close(c.client).catch(() => {})))
    await Promise.race([Promise.all(late), new Promise((r) => setTimeout(r, 1000).unref())])
  }
}

export function summarize(values: number[]): Summary {
  if (values.length === 0) return { count: 0, p50: 0, p99: 0, max: 0, mean: 0 }
  const sorted = [...values].sort((a, b) => a - b)
  const at = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!
  return {
    count: sorted.length,
    p50: round(at(50)),
    p99: round(at(99)),
    max: round(sorted.at(-1)!),
    mean: round(sorted.reduce((s, v) => s + v, 0) / sorted.length),
  }
}

/** Rejects when `deadline` (performance.now()) passes first. */
function raceDeadline<T>(promise: Promise<T>, deadline: number, what: string): Promise<T> {
  const ms = Math.max(0, deadline - performance.now())
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: timed out`)), ms)
    }),
  ]).finally(() => clearTimeout(timer))
}

const round = (v: number) => Math.round(v * 10) / 10
/** Latencies kept one by one, rounded to 0.01 ms. */
export const samplesMs = (values: number[]) => values.map((ms) => Math.round(ms * 100) / 100)
function pushTo(map: Map<string, number[]>, key: string, value: number) {
  const values = map.get(key)
  if (values) values.push(value)
  else map.set(key, [value])
}
/** The event-loop delay monitor's timer period; what it records includes the period itself. */
const LOOP_SAMPLE_MS = 2
/** A recorded event-loop delay (ns) as the pause beyond the sampling period, in ms. */
const pauseMs = (ns: number) => round(Math.max(0, ns / 1e6 - LOOP_SAMPLE_MS))
const message = (error: unknown) => (error instanceof Error ? error.message : String(error))
