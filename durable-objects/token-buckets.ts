// Per-sender token buckets for a room's own rate limits: a burst, then a steady rate. In memory on
// purpose — a room that hibernates has had no traffic to limit, and a fresh bucket is full anyway.
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>()

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
  ) {}

  /** Takes one token for `sender`; false when its bucket is empty (the caller refuses). */
  take(sender: string, now = Date.now()): boolean {
    const bucket = this.buckets.get(sender) ?? { tokens: this.burst, at: now }
    bucket.tokens = Math.min(
      this.burst,
      bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond,
    )
    bucket.at = now
    this.buckets.set(sender, bucket)
    if (bucket.tokens < 1) return false
    bucket.tokens -= 1
    return true
  }
}
