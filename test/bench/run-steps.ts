// Steps the ConferenceRoom run and its Socket.IO baseline take alike, so both report the same
// numbers the same way: waiting for the live question to reach every audience socket, the error
// line of a failed run, and the audience's closes when the run ends.
import { performance } from 'node:perf_hooks'
import { summarize, type Summary } from './load'
import type { RunReport } from './report'

/** What both runners' audience sockets record. */
export interface AudienceSocket {
  liveAt: number | undefined
  failure: string | undefined
  received: number
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Polls until every socket that has not failed saw question.live (pushed at `pushAt`), then
 * records how long the slowest took. Throws when `deadline` passes first.
 */
export async function awaitLiveFanout(
  report: RunReport,
  sockets: AudienceSocket[],
  pushAt: number,
  deadline: number,
  log: (line: string) => void,
) {
  while (sockets.some((s) => s.liveAt === undefined && !s.failure)) {
    if (performance.now() > deadline) throw new Error('not every client saw question.live')
    await sleep(20)
  }
  report.liveFanoutMs = slowestLive(sockets, pushAt)
  log(`question.live reached ${sockets.filter((s) => s.liveAt !== undefined).length} clients`)
}

/** Push (at `pushAt`) → the slowest of `sockets` saw question.live, in ms; undefined if none did. */
export function slowestLive(sockets: AudienceSocket[], pushAt: number): number | undefined {
  const seen = sockets.flatMap((s) => (s.liveAt ? [s.liveAt] : []))
  return seen.length > 0 ? Math.round(Math.max(...seen) - pushAt) : undefined
}

/** The run's error with the first few join failures, which usually explain it. */
export function recordFailure(
  report: RunReport,
  error: unknown,
  joinFailures: string[],
  log: (line: string) => void,
) {
  report.error = [
    error instanceof Error ? error.message : String(error),
    ...joinFailures.slice(0, 5).map((f) => `join ${f}`),
  ].join('; ')
  log(report.error)
}

/** Counts the audience sockets that closed on their own and the frames they all received. */
export function recordAudience(report: RunReport, audience: AudienceSocket[]) {
  const closes = audience.filter((s) => s.failure)
  report.unexpectedCloses = closes.length
  report.unexpectedCloseReasons = [...new Set(closes.map((s) => s.failure!))].slice(0, 5)
  report.audienceFramesReceived = audience.reduce((sum, s) => sum + s.received, 0)
}

/** A run whose sockets closed unexpectedly failed, whatever its counts said; logs the outcome. */
export function concludeRun(report: RunReport, log: (line: string) => void) {
  if ((report.unexpectedCloses ?? 0) > 0 && report.ok) {
    report.ok = false
    report.error = `${report.unexpectedCloses} sockets closed unexpectedly`
  }
  log(`${report.ok ? 'ok' : 'FAILED'} in ${report.durationMs} ms`)
}

/**
 * Round trips on the host's socket before anyone joins: one message in, one out, each awaited before
 * the next, with no room logic, storage or other sockets behind it. Each system's floor for the
 * latencies the votes measure, so the table shows how much of them the transport alone takes.
 */
export const ROUND_TRIPS = { warmUp: 20, measured: 200 }

export async function measureRoundTrips(
  roundTrip: (index: number) => Promise<unknown>,
  counts = ROUND_TRIPS,
): Promise<Summary> {
  return summarize(await roundTripSamples(roundTrip, counts))
}

/** measureRoundTrips' round trips one by one, in ms. */
export async function roundTripSamples(
  roundTrip: (index: number) => Promise<unknown>,
  counts = ROUND_TRIPS,
): Promise<number[]> {
  for (let i = 0; i < counts.warmUp; i++) await roundTrip(i)
  const ms: number[] = []
  for (let i = 0; i < counts.measured; i++) {
    const sentAt = performance.now()
    await roundTrip(counts.warmUp + i)
    ms.push(performance.now() - sentAt)
  }
  return ms
}
