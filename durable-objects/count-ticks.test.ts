import { describe, expect, it } from 'vitest'
import { CountTicks } from './count-ticks'

const TIMES = { staffMs: 100, audienceMs: 1000, voteQuietMs: 200, maxDeferMs: 3000 }

describe('CountTicks', () => {
  it('sends the first change after a quiet spell to everyone at once', () => {
    const ticks = new CountTicks(TIMES)
    expect(ticks.changed(5000)).toBe(5000)
    expect(ticks.fire(5000)).toEqual({ staff: true, audience: true, next: undefined })
  })

  it('coalesces changes within a staff tick into one staff update', () => {
    const ticks = new CountTicks(TIMES)
    ticks.changed(0)
    ticks.fire(0)
    expect(ticks.changed(10)).toBe(100)
    expect(ticks.changed(60)).toBe(100)
    expect(ticks.fire(100)).toEqual({ staff: true, audience: false, next: 1000 })
  })

  it('keeps the staff tick while the audience waits for theirs (a change then comes forward)', () => {
    const ticks = new CountTicks(TIMES)
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
    const ticks = new CountTicks(TIMES)
    expect(ticks.fire(0)).toEqual({ staff: false, audience: false, next: undefined })
  })

  it('does not send early when an alarm fires before a tick is due', () => {
    const ticks = new CountTicks(TIMES)
    ticks.changed(0)
    ticks.fire(0)
    ticks.changed(20)
    expect(ticks.fire(40)).toEqual({ staff: false, audience: false, next: 100 })
  })

  it('lets staff take the counts between alarms once their tick allows', () => {
    const ticks = new CountTicks(TIMES)
    ticks.changed(0)
    expect(ticks.staffDue(0)).toBe(true)
    ticks.staffSent(0)
    ticks.changed(30)
    expect(ticks.staffDue(30)).toBe(false)
    expect(ticks.staffDue(100)).toBe(true)
    ticks.staffSent(100)
    // Only the audience is still owed the change.
    expect(ticks.fire(100)).toEqual({ staff: false, audience: true, next: undefined })
  })

  it('holds the audience copy while votes keep coming, sending it once they pause', () => {
    const ticks = new CountTicks(TIMES)
    ticks.changed(0)
    ticks.fire(0)
    // Votes every 100 ms from 900 to 1500: the audience tick (due at 1000) waits for the pause.
    for (let t = 900; t <= 1500; t += 100) ticks.changed(t, { fromVotes: true })
    expect(ticks.fire(1000).audience).toBe(false)
    expect(ticks.fire(1500)).toMatchObject({ audience: false, next: 1700 })
    expect(ticks.fire(1700)).toMatchObject({ audience: true })
  })

  it('holds it at most maxDeferMs when votes never pause', () => {
    const ticks = new CountTicks(TIMES)
    ticks.changed(0)
    ticks.fire(0)
    let sentAt: number | undefined
    for (let t = 1000; t <= 6000 && sentAt === undefined; t += 50) {
      ticks.changed(t, { fromVotes: true })
      if (ticks.fire(t).audience) sentAt = t
    }
    expect(sentAt).toBe(1000 + TIMES.maxDeferMs)
  })
})
