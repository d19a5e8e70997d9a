import { describe, expect, it } from 'vitest'
import { CountTicks } from './count-ticks'

const STAFF_MS = 100
const AUDIENCE_MS = 1000

describe('CountTicks', () => {
  it('sends the first change after a quiet spell to everyone at once', () => {
    const ticks = new CountTicks(STAFF_MS, AUDIENCE_MS)
    expect(ticks.changed(5000)).toBe(5000)
    expect(ticks.fire(5000)).toEqual({ staff: true, audience: true, next: undefined })
  })

  it('coalesces changes within a staff tick into one staff update', () => {
    const ticks = new CountTicks(STAFF_MS, AUDIENCE_MS)
    ticks.changed(0)
    ticks.fire(0)
    expect(ticks.changed(10)).toBe(100)
    expect(ticks.changed(60)).toBe(100)
    expect(ticks.fire(100)).toEqual({ staff: true, audience: false, next: 1000 })
  })

  it('keeps the staff tick while the audience waits for theirs (a change then comes forward)', () => {
    const ticks = new CountTicks(STAFF_MS, AUDIENCE_MS)
    ticks.changed(0)
    ticks.fire(0)
    ticks.changed(50)
    expect(ticks.fire(100)).toEqual({ staff: true, audience: false, next: 1000 })
    // A vote while the audience's alarm is pending: staff must not wait for the audience tick.
    expect(ticks.changed(300)).toBe(300)
    expect(ticks.fire(300)).toEqual({ staff: true, audience: false, next: 1000 })
    expect(ticks.fire(1000)).toEqual({ staff: false, audience: true, next: undefined })
  })

  it('sends nothing when the alarm fires with no change waiting (e.g. a persistence retry)', () => {
    const ticks = new CountTicks(STAFF_MS, AUDIENCE_MS)
    expect(ticks.fire(0)).toEqual({ staff: false, audience: false, next: undefined })
  })

  it('does not send early when an alarm fires before a tick is due', () => {
    const ticks = new CountTicks(STAFF_MS, AUDIENCE_MS)
    ticks.changed(0)
    ticks.fire(0)
    ticks.changed(20)
    expect(ticks.fire(40)).toEqual({ staff: false, audience: false, next: 100 })
  })
})
