// Keeps a claimed job ours while we work on it: a heartbeat every lease/3 re-claims the stream
// entry (resetting its idle time) and reports progress (which extends the Worker's lease), and
// progress is reported at most once a second. A 409 from the Worker means the lease is lost.
import type { Log } from './log'
import { describeError } from './log'
import type { JobStream } from './stream'
import { LeaseLostError, type WorkerApi } from './worker-api'

const PROGRESS_INTERVAL_MS = 1000

export interface LeaseOptions {
  api: WorkerApi
  stream: JobStream
  log: Log
  entryId: string
  jobId: string
  leaseId: string
  leaseSeconds: number
}

export class Lease {
  private readonly lostController = new AbortController()
  /** Aborted (with a LeaseLostError) once the Worker says the job is no longer ours. */
  readonly lost = this.lostController.signal
  private percent = 0
  private lastSentAt = 0
  private lastSentPercent = -1
  private sending: Promise<void> | undefined
  private trailing: NodeJS.Timeout | undefined
  private readonly heartbeat: NodeJS.Timeout
  private stopped = false

  constructor(private readonly opts: LeaseOptions) {
    this.heartbeat = setInterval(() => void this.beat(), (opts.leaseSeconds * 1000) / 3)
  }

  /** Records progress (0–100); sent now if a second has passed, else once it has. */
  report(percent: number) {
    this.percent = Math.max(this.percent, Math.min(99, Math.floor(percent)))
    if (this.stopped || this.trailing || this.percent === this.lastSentPercent) return
    const wait = this.lastSentAt + PROGRESS_INTERVAL_MS - Date.now()
    if (wait <= 0) return void this.send()
    this.trailing = setTimeout(() => {
      this.trailing = undefined
      void this.send()
    }, wait)
  }

  /** Another leased call answered 409: the job is no longer ours. */
  markLost(error: LeaseLostError) {
    if (!this.stopped) this.lostController.abort(error)
  }

  /** Stops the heartbeat and reporting; resolves once no report is in flight any more. */
  async stop() {
    this.stopped = true
    clearInterval(this.heartbeat)
    clearTimeout(this.trailing)
    await this.sending
  }

  private async beat() {
    if (this.stopped) return
    const { stream, entryId, log, jobId } = this.opts
    try {
      if (!(await stream.touch(entryId)))
        log('info', 'stream entry no longer pending while working', { jobId, entryId })
    } catch (error) {
      log('warn', 'heartbeat: could not re-claim the stream entry', {
        jobId,
        error: describeError(error),
      })
    }
    // The Worker's lease only moves with progress reports: send one even when nothing changed.
    if (Date.now() - this.lastSentAt >= PROGRESS_INTERVAL_MS) void this.send()
  }

  private send(): Promise<void> {
    if (this.stopped || this.lost.aborted) return Promise.resolve()
    // One report at a time; a newer value goes out with the next one.
    if (this.sending) return this.sending
    const percent = this.percent
    this.lastSentAt = Date.now()
    this.sending = this.opts.api
      .progress(this.opts.jobId, this.opts.leaseId, percent)
      .then(() => {
        this.lastSentPercent = percent
      })
      .catch((error) => {
        if (error instanceof LeaseLostError) return this.markLost(error)
        // The lease may lapse if this persists; completion then tells us (409).
        this.opts.log('warn', 'could not report progress', {
          jobId: this.opts.jobId,
          error: describeError(error),
        })
      })
      .finally(() => {
        this.sending = undefined
      })
    return this.sending
  }
}
