// The consumer loop: keeps up to TRANSCODER_CONCURRENCY jobs in flight, taking over entries other
// consumers left stale before reading new ones, polling (never blocking) when there is nothing to
// do. Stopping lets jobs in flight finish within the grace period, then gives the rest back.
import type { TranscoderConfig } from './config'
import { processEntry, ShutdownAbortError, type JobDeps } from './job'
import { describeError } from './log'
import type { StreamEntry } from './stream'

const MAX_ERROR_BACKOFF_MS = 10_000
const STALE_SCAN_MAX_INTERVAL_MS = 5000
// Releasing leases after the grace period is a few quick calls; do not hang on them forever.
const RELEASE_TIMEOUT_MS = 15_000

interface InFlight {
  jobId: string | undefined
  done: Promise<void>
}

export class Consumer {
  private readonly inFlight = new Map<string, InFlight>()
  private readonly shutdown = new AbortController()
  private stopping = false
  private wake: (() => void) | undefined
  // A wake-up that came while the loop was not sleeping (a job ended mid-poll): the next sleep
  // returns at once instead of costing a whole poll interval.
  private wakeRequested = false
  private stopped: Promise<void> | undefined
  private nextStaleScan = 0
  private readonly staleScanIntervalMs: number

  constructor(
    private readonly config: TranscoderConfig,
    private readonly deps: JobDeps,
  ) {
    this.staleScanIntervalMs = Math.max(
      config.TRANSCODER_POLL_MS,
      Math.min((config.TRANSCODER_LEASE_SECONDS * 1000) / 4, STALE_SCAN_MAX_INTERVAL_MS),
    )
  }

  /** Runs until stop(); resolves once the loop has exited (jobs in flight may still run). */
  async run(): Promise<void> {
    const { log } = this.deps
    let errorBackoff = 0
    while (!this.stopping) {
      try {
        await this.deps.stream.ensureGroup()
        const started = await this.fill()
        errorBackoff = 0
        // Entries keep coming and slots are free: more may be waiting, read again now.
        if (started > 0 && this.inFlight.size < this.config.TRANSCODER_CONCURRENCY) continue
      } catch (error) {
        errorBackoff = Math.min(MAX_ERROR_BACKOFF_MS, Math.max(errorBackoff * 2, 500))
        log('warn', 'polling the job stream failed', {
          error: describeError(error),
          retryInMs: errorBackoff,
        })
      }
      await this.sleep(Math.max(this.config.TRANSCODER_POLL_MS, errorBackoff))
    }
  }

  /**
   * Stops taking entries, waits up to the grace period for jobs in flight, then aborts the rest
   * (ffmpeg killed, leases released). `now` skips the grace (a second signal).
   */
  stop(now = false): Promise<void> {
    this.stopping = true
    this.wakeUp()
    if (now) this.abortAll()
    this.stopped ??= this.drain()
    return this.stopped
  }

  private async drain() {
    const { log } = this.deps
    const grace = this.config.TRANSCODER_SHUTDOWN_GRACE_SECONDS * 1000
    if (this.inFlight.size > 0)
      log('info', 'stopping: waiting for jobs in flight', { jobs: this.inFlight.size, grace })
    let timer: NodeJS.Timeout | undefined
    const graceOver = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), grace)))
    const outcome = await Promise.race([this.allDone(), graceOver])
    clearTimeout(timer)
    if (outcome === 'timeout' && this.inFlight.size > 0) {
      log('warn', 'grace period over: releasing jobs in flight', { jobs: this.inFlight.size })
      this.abortAll()
      await Promise.race([this.allDone(), new Promise((r) => setTimeout(r, RELEASE_TIMEOUT_MS))])
    }
  }

  private abortAll() {
    if (!this.shutdown.signal.aborted)
      this.shutdown.abort(new ShutdownAbortError('the transcoder is shutting down'))
  }

  private allDone() {
    return Promise.all([...this.inFlight.values()].map((j) => j.done)).then(() => undefined)
  }

  /** Starts jobs for free slots; answers how many it started. */
  private async fill(): Promise<number> {
    let free = this.config.TRANSCODER_CONCURRENCY - this.inFlight.size
    let started = 0
    if (free > 0 && Date.now() >= this.nextStaleScan) {
      const stale = await this.deps.stream.claimStale(free)
      // Entries only go stale a lease after their last heartbeat: scanning every poll would mostly
      // cost Redis commands. A scan that stopped early (more to look at) goes on next poll.
      this.nextStaleScan = stale.scanComplete ? Date.now() + this.staleScanIntervalMs : 0
      started = this.startAll(stale.entries)
      free -= started
    }
    if (free > 0 && !this.stopping) started += this.startAll(await this.deps.stream.readNew(free))
    return started
  }

  /** Starts a job per entry; answers how many slots that took. */
  private startAll(entries: StreamEntry[]): number {
    let started = 0
    for (const entry of entries) {
      // Ours already: a heartbeat that failed for a lease let our own XAUTOCLAIM pick it up.
      if (this.inFlight.has(entry.id)) continue
      // A duplicate entry of a job we are running (the Worker's sweep re-adds lost ones): leave it
      // pending; once the job is finished its claim answers 410 and it is acknowledged.
      if (entry.jobId && [...this.inFlight.values()].some((j) => j.jobId === entry.jobId)) continue
      // Stopping, or more entries than slots (XAUTOCLAIM and XREADGROUP both deliver): the entry is
      // ours but untouched, so let another consumer take it right away.
      if (this.stopping || this.inFlight.size >= this.config.TRANSCODER_CONCURRENCY) {
        void this.deps.stream.retryIn(entry.id, 0).catch(() => undefined)
        continue
      }
      started++
      const done = processEntry(this.deps, entry, this.shutdown.signal)
        .catch((error) =>
          // Whatever escaped (Redis or the Worker unreachable): the entry stays pending and is
          // reclaimed after a lease.
          this.deps.log('warn', 'job left pending after an error', {
            entryId: entry.id,
            jobId: entry.jobId,
            error: describeError(error),
          }),
        )
        .finally(() => {
          this.inFlight.delete(entry.id)
          this.wakeUp()
        })
      this.inFlight.set(entry.id, { jobId: entry.jobId, done })
    }
    return started
  }

  private wakeUp() {
    this.wakeRequested = true
    this.wake?.()
  }

  private sleep(ms: number) {
    if (this.wakeRequested) {
      this.wakeRequested = false
      return Promise.resolve()
    }
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.wake = undefined
        this.wakeRequested = false
        resolve()
      }
      const timer = setTimeout(done, ms)
      this.wake = done
    })
  }
}
