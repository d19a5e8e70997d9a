import { describe, expect, it } from 'vitest'
import { FlushPacer } from './flush-pacer'

describe('FlushPacer', () => {
  it('stores at once while within the burst, then waits for the budget', () => {
    const pacer = new FlushPacer(3, 1000)
    expect([pacer.delay(100), pacer.delay(100), pacer.delay(100)]).toEqual([0, 0, 0])
    // Burst spent: at 1,000 a second the next token is 1 ms away.
    expect(pacer.delay(100)).toBe(1)
  })

  it('keeps a steady stream at the budget unbatched', () => {
    const pacer = new FlushPacer(3, 1000)
    // One batch a millisecond is exactly the budget: never a wait.
    for (let now = 0; now < 500; now++) expect(pacer.delay(now)).toBe(0)
  })

  it('holds a faster stream to the budget on average', () => {
    const pacer = new FlushPacer(5, 1000)
    // Writes queued every 0.25 ms: each batch waits as long as the budget requires, and is stored
    // when that wait ends (the next delay is asked for after it).
    let now = 0
    let batches = 0
    while (now < 1000) {
      now += pacer.delay(Math.floor(now)) + 0.25
      batches++
    }
    // 1 s at 1,000 a second, plus the burst it started with.
    expect(batches).toBeLessThanOrEqual(1000 + 5)
    expect(batches).toBeGreaterThan(900)
  })

  it('refills after a quiet spell, never beyond the burst', () => {
    const pacer = new FlushPacer(2, 1000)
    pacer.delay(0)
    pacer.delay(0)
    expect(pacer.delay(0)).toBe(1)
    // A long pause refills two tokens, not thousands.
    expect([pacer.delay(10_000), pacer.delay(10_000), pacer.delay(10_000)]).toEqual([0, 0, 1])
  })

  it('waits in whole milliseconds for a budget under one batch a millisecond', () => {
    const pacer = new FlushPacer(1, 200)
    expect(pacer.delay(0)).toBe(0)
    expect(pacer.delay(0)).toBe(5)
  })
})
