// Whether a room stores its next batch of queued writes in the same turn or on the next timer turn.
// A token bucket over batches: a steady stream below the budget is stored a write at a time with no
// wait. Above it a batch waits for the next timer turn, by which time every write the room received
// meanwhile has joined it, so under load batches grow instead of their number, and the cost of
// storing (a commit and a counts frame per batch) stays bounded however fast writes arrive. No fixed
// wait (room-limits.ts's VOTE_FLUSH_RATE says what one cost). Pure (the caller passes the
// time), so the rules are tested without a clock.
export class FlushPacer {
  private tokens: number
  /** When `tokens` was last brought up to date (ms). */
  private at = -Infinity

  constructor(
    /** Batches that may be stored back to back after a quiet spell. */
    private readonly burst: number,
    /** Batches a second stored at once, sustained. */
    private readonly perSecond: number,
  ) {
    this.tokens = burst
  }

  /**
   * Writes were queued at `now` with none waiting: whether to store them at once. Either way the
   * batch spends a token; when not at once, the caller stores it on the next timer turn.
   */
  storeNow(now: number): boolean {
    if (now > this.at) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.perSecond)
      this.at = now
    }
    // A deferred batch spends a token too (down to a floor): under sustained overload every batch
    // then waits for a turn, and batches grow with the load instead of their number.
    const atOnce = this.tokens >= 1
    this.tokens = Math.max(this.tokens - 1, -this.burst)
    return atOnce
  }
}
