// Where a job's time goes. Each phase (download, probe, every ffmpeg run, uploads, calls to the
// Worker) is logged at debug level as it ends, with its offset from the job's start, and the sums
// per phase go into the job's completion log line: the first place to look when jobs get slower.
import type { Log } from './log'

export class JobTimings {
  private readonly origin = performance.now()
  private readonly phases = new Map<string, number>()
  private readonly counts = new Map<string, number>()

  constructor(
    private readonly log: Log,
    private readonly jobId: string,
  ) {}

  /** Runs `fn` and adds its duration to `phase` (phases may repeat and overlap). */
  async time<T>(phase: string, fn: () => Promise<T>): Promise<T> {
    const started = performance.now()
    try {
      return await fn()
    } finally {
      this.add(phase, performance.now() - started)
    }
  }

  /** Adds `ms` to `phase`, e.g. time spent before the job was ours (its wait in the queue). */
  add(phase: string, ms: number) {
    this.phases.set(phase, (this.phases.get(phase) ?? 0) + ms)
    this.counts.set(phase, (this.counts.get(phase) ?? 0) + 1)
    this.log('debug', 'job phase', {
      jobId: this.jobId,
      phase,
      ms: Math.round(ms),
      atMs: this.elapsed(),
    })
  }

  /** Milliseconds since the job was picked up. */
  elapsed(): number {
    return Math.round(performance.now() - this.origin)
  }

  /**
   * Milliseconds per phase, rounded, with `total` since pick-up; and how many times each phase ran
   * that ran more than once (progress reports, uploads).
   */
  summary(): { timingsMs: Record<string, number>; counts: Record<string, number> } {
    const timingsMs: Record<string, number> = {}
    const counts: Record<string, number> = {}
    for (const [phase, ms] of this.phases) {
      timingsMs[phase] = Math.round(ms)
      const count = this.counts.get(phase)!
      if (count > 1) counts[phase] = count
    }
    timingsMs.total = this.elapsed()
    return { timingsMs, counts }
  }
}

/** How long ago a stream entry was added, from its id (`<ms>-<seq>`); undefined if unreadable. */
export function entryAgeMs(entryId: string, now = Date.now()): number | undefined {
  const ms = Number(entryId.split('-')[0])
  return Number.isSafeInteger(ms) && ms > 0 ? Math.max(0, now - ms) : undefined
}
