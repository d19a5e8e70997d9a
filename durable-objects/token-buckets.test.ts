import { describe, expect, it } from 'vitest'
import { TokenBuckets } from './token-buckets'

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
