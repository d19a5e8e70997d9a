import { describe, expect, it } from 'vitest'
import { FlushPacer } from './flush-pacer'

describe('FlushPacer', () => {
  it('stores at once while within the burst, then defers until the budget refills', () => {
    const pacer = new FlushPacer(3, 1000)
    expect([pacer.storeNow(100), pacer.storeNow(100), pacer.storeNow(100)]).toEqual([
      true,
      true,
      true,
    ])
    // Burst spent: at 1,000 a second the next token is 1 ms away.
    expect(pacer.storeNow(100)).toBe(false)
    expect(pacer.storeNow(100)).toBe(false)
    expect(pacer.storeNow(101)).toBe(true)
    expect(pacer.storeNow(101)).toBe(false)
  })

  it('keeps a steady stream at the budget unbatched', () => {
    const pacer = new FlushPacer(3, 1000)
    // One batch a millisecond is exactly the budget: always at once.
    for (let now = 0; now < 500; now++) expect(pacer.storeNow(now)).toBe(true)
  })

  it('stores at most the budget at once from a faster stream, plus the burst', () => {
    const pacer = new FlushPacer(5, 1000)
    // A write every 0.25 ms for a second, each finding no batch waiting (the worst case).
    let atOnce = 0
    for (let i = 0; i < 4000; i++) if (pacer.storeNow(Math.floor(i * 0.25))) atOnce++
    expect(atOnce).toBeLessThanOrEqual(1000 + 5)
    expect(atOnce).toBeGreaterThan(990)
  })

  it('refills after a quiet spell, never beyond the burst', () => {
    const pacer = new FlushPacer(2, 1000)
    pacer.storeNow(0)
    pacer.storeNow(0)
    expect(pacer.storeNow(0)).toBe(false)
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
    expect(pacer.storeNow(4)).toBe(false)
    expect(pacer.storeNow(5)).toBe(true)
  })
})
