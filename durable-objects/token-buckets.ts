// Token buckets for a room's own limits: a burst, then a steady rate. In memory on purpose — a room
// that hibernates has had no traffic to limit, and a fresh bucket is full anyway. The arithmetic
// works on buckets kept in a Float64Array, so a caller with many buckets (one per frame type per
// socket, see frame-budgets.ts) allocates nothing per take.

/** A bucket's shape: `burst` tokens when full, refilled at `perSecond`. */
export interface BucketRate {
  readonly burst: number
  readonly perSecond: number
}

/** Makes bucket `i` of `buckets` full as of `now`: its tokens at [2i], its last refill at [2i + 1]. */
export function fillBucket(buckets: Float64Array, i: number, rate: BucketRate, now: number) {
  buckets[2 * i] = rate.burst
  buckets[2 * i + 1] = now
}

/** Refills bucket `i` of `buckets` up to `now` and takes one token; false when it has none. */
export function takeToken(
  buckets: Float64Array,
  i: number,
  rate: BucketRate,
  now: number,
): boolean {
  const at = buckets[2 * i + 1]!
  let tokens = buckets[2 * i]!
  if (now > at) {
    tokens = Math.min(rate.burst, tokens + ((now - at) / 1000) * rate.perSecond)
    buckets[2 * i + 1] = now
  }
  if (tokens < 1) {
    buckets[2 * i] = tokens
    return false
  }
  buckets[2 * i] = tokens - 1
  return true
}

/** One bucket per sender (an account, a participant): a room's product limits. */
export class TokenBuckets {
  private readonly buckets = new Map<string, Float64Array>()
  private readonly rate: BucketRate

  constructor(burst: number, perSecond: number) {
    this.rate = { burst, perSecond }
  }

  /** Takes one token for `sender`; false when its bucket is empty (the caller refuses). */
  take(sender: string, now = Date.now()): boolean {
    let bucket = this.buckets.get(sender)
    if (!bucket) {
      bucket = new Float64Array(2)
      fillBucket(bucket, 0, this.rate, now)
      this.buckets.set(sender, bucket)
    }
    return takeToken(bucket, 0, this.rate, now)
  }
}
