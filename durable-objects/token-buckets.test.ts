import { describe, expect, it } from 'vitest'
import { RoomError } from './realtime-room'
import { TokenBuckets } from './token-buckets'

describe('TokenBuckets', () => {
  it('allows the burst, refuses the next, and refills at the steady rate', () => {
    const buckets = new TokenBuckets(3, 2, 'slow down')
    for (let i = 0; i < 3; i++) buckets.take('a', 1000)
    expect(() => buckets.take('a', 1000)).toThrow(RoomError)
    // Half a second at 2 per second is one more token.
    buckets.take('a', 1500)
    expect(() => buckets.take('a', 1500)).toThrow('slow down')
  })

  it('keeps one bucket per sender', () => {
    const buckets = new TokenBuckets(1, 1, 'slow down')
    buckets.take('a', 0)
    expect(() => buckets.take('a', 0)).toThrow(RoomError)
    expect(() => buckets.take('b', 0)).not.toThrow()
  })
})
