import { describe, expect, it } from 'vitest'
import { fillBucket, takeToken, TokenBuckets } from './token-buckets'

describe('TokenBuckets', () => {
  it('allows the burst, refuses the next, and refills at the steady rate', () => {
    const buckets = new TokenBuckets(3, 2)
    expect([1, 2, 3, 4].map(() => buckets.take('a', 1000))).toEqual([true, true, true, false])
    // Half a second at 2 per second is one more token.
    expect([buckets.take('a', 1500), buckets.take('a', 1500)]).toEqual([true, false])
  })

  it('keeps one bucket per sender', () => {
    const buckets = new TokenBuckets(1, 1)
    expect([buckets.take('a', 0), buckets.take('a', 0), buckets.take('b', 0)]).toEqual([
      true,
      false,
      true,
    ])
  })
})

describe('takeToken', () => {
  it('keeps buckets side by side in one array without touching the others', () => {
    const buckets = new Float64Array(4)
    fillBucket(buckets, 0, { burst: 1, perSecond: 1 }, 0)
    fillBucket(buckets, 1, { burst: 2, perSecond: 1 }, 0)
    const first = { burst: 1, perSecond: 1 }
    expect([takeToken(buckets, 0, first, 0), takeToken(buckets, 0, first, 0)]).toEqual([
      true,
      false,
    ])
    expect(Array.from(buckets.subarray(2))).toEqual([2, 0])
  })

  it('never fills past the burst, and a clock that steps back takes nothing extra', () => {
    const rate = { burst: 2, perSecond: 1 }
    const buckets = new Float64Array(2)
    fillBucket(buckets, 0, rate, 10_000)
    // An hour idle refills to the burst, no further.
    const later = 3_610_000
    expect([0, 1, 2].map(() => takeToken(buckets, 0, rate, later))).toEqual([true, true, false])
    expect(takeToken(buckets, 0, rate, later - 5000)).toBe(false)
  })
})
