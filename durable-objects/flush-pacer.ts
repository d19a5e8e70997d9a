// When a room stores its next batch of queued writes: at once while it has stored fewer batches than
// its budget allows, else as soon as the budget allows. A token bucket over batches, not a fixed
// gap between them: a steady stream below the budget is stored a write at a time with no wait, and
// only a stream above it is batched, so the cost of storing (a commit, a counts frame, a timer per
// batch) stays bounded however fast writes arrive. Pure (the caller passes the time), so the rules
// are tested without a clock.
export class FlushPacer {
  private tokens: number
  /** When `tokens` was last brought up to date (ms; the time of the last flush it scheduled). */
  private at = -Infinity

  constructor(
    /** Batches that may be stored back to back after a quiet spell. */
    private readonly burst: number,
    /** Batches a second sustained. */
    private readonly perSecond: number,
  ) {
    this.tokens = burst
  }

  /**
   * Writes were queued at `now` with none waiting: answers how many ms to wait before storing them,
   * and counts that batch against the budget. Whole milliseconds, since timers and Date.now() in
   * workerd are no finer.
   */
  delay(now: number): number {
    if (now > this.at) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.perSecond)
      this.at = now
    }
    const wait = this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.perSecond)
    // The batch is stored, and spends its token, `wait` ms from now.
    this.tokens = Math.min(this.burst, this.tokens + (wait / 1000) * this.perSecond) - 1
    this.at += wait
    return wait
  }
}
