// Per-sender token buckets for a room's own rate limits: a burst, then a steady rate. In memory on
// purpose — a room that hibernates has had no traffic to limit, and a fresh bucket is full anyway.
import { RoomError } from './realtime-room'

export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>()

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    private readonly message: string,
  ) {}

  /** Takes one token for `sender`, or throws RATE_LIMITED when its bucket is empty. */
  take(sender: string, now = Date.now()): void {
    const bucket = this.buckets.get(sender) ?? { tokens: this.burst, at: now }
    bucket.tokens = Math.min(
      this.burst,
      bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond,
    )
    bucket.at = now
    this.buckets.set(sender, bucket)
    if (bucket.tokens < 1) throw new RoomError('RATE_LIMITED', this.message)
    bucket.tokens -= 1
  }
}
