import { describe, expect, it } from 'vitest'
import { FlushPacer } from './flush-pacer'

describe('FlushPacer', () => {
  it('stores at once while within the burst, then defers, each deferred batch spending too', () => {
    const pacer = new FlushPacer(3, 1000)
    expect([pacer.storeNow(100), pacer.storeNow(100), pacer.storeNow(100)]).toEqual([
      true,
      true,
      true,
    ])
    // Burst spent, and two deferred batches owed: at 1,000 a second the next token is 3 ms away.
    expect([pacer.storeNow(100), pacer.storeNow(100)]).toEqual([false, false])
    expect(pacer.storeNow(102)).toBe(false)
    expect(pacer.storeNow(105)).toBe(true)
  })

  it('keeps a steady stream at the budget unbatched', () => {
    const pacer = new FlushPacer(3, 1000)
    // One batch a millisecond is exactly the budget: always at once.
    for (let now = 0; now < 500; now++) expect(pacer.storeNow(now)).toBe(true)
  })

  it('defers every batch of a sustained faster stream after the burst', () => {
    const pacer = new FlushPacer(5, 1000)
    // A write every 0.25 ms for a second, each finding no batch waiting (the worst case).
    let atOnce = 0
    for (let i = 0; i < 4000; i++) if (pacer.storeNow(Math.floor(i * 0.25))) atOnce++
    // The burst, and the one token refilled during its first millisecond.
    expect(atOnce).toBe(6)
  })

  it('owes at most a burst after an overload, and refills at most to one', () => {
    const pacer = new FlushPacer(2, 1000)
    for (let i = 0; i < 100; i++) pacer.storeNow(0)
    // A hundred deferred batches owe two tokens, not a hundred: stored at once again 3 ms on.
    expect(pacer.storeNow(2)).toBe(false)
    expect(pacer.storeNow(5)).toBe(true)
    // A long pause refills two tokens, not thousands.
    expect([pacer.storeNow(10_000), pacer.storeNow(10_000), pacer.storeNow(10_000)]).toEqual([
      true,
      true,
      false,
    ])
  })

  it('refills by fractions under one batch a millisecond', () => {
    const pacer = new FlushPacer(1, 200)
    expect(pacer.storeNow(0)).toBe(true)
    expect(pacer.storeNow(5)).toBe(true)
    expect(pacer.storeNow(9)).toBe(false)
  })
})
