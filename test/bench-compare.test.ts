// The fan-out comparison's arithmetic: repeated runs per side are compared as medians, and a side
// is exact only when every one of its runs was.
import { describe, expect, it } from 'vitest'
import { compare, median } from './bench/compare'
import type { RunReport } from './bench/report'

function run(
  via: RunReport['via'],
  repeat: number,
  ackP99: number,
  extra: Partial<RunReport> = {},
) {
  return {
    via,
    n: 1000,
    repeat,
    ok: true,
    lost: 0,
    doubleCounted: 0,
    load: {
      join: { perClientMs: { p50: 1, p99: 1 } },
      votes: { ackMs: { p50: ackP99, p99: ackP99 }, votesPerSecond: 1 },
      talliedMs: ackP99,
    },
    ...extra,
  } as unknown as RunReport
}

describe('median', () => {
  it('takes the middle value, the mean of the middle two, and skips the missing', () => {
    expect(median([30, 10, 20])).toBe(20)
    expect(median([40, 10, 20, 30])).toBe(25)
    expect(median([undefined, 5])).toBe(5)
    expect(median([undefined])).toBeUndefined()
  })
})

describe('compare with repeated runs', () => {
  it('compares the medians, so one noisy run does not decide', () => {
    const [c] = compare([
      run('miniflare', 1, 50),
      run('socket.io', 1, 60),
      run('miniflare', 2, 400),
      run('socket.io', 2, 70),
      run('miniflare', 3, 55),
      run('socket.io', 3, 65),
    ])
    const ack = c!.figures.find((f) => f.name === 'vote ack p99 (ms)')!
    expect(ack).toMatchObject({ conferenceRoom: 55, socketIo: 65 })
    expect(c).toMatchObject({
      n: 1000,
      via: 'miniflare',
      runs: 3,
      exact: true,
      atLeastAsGood: true,
    })
  })

  it('is not exact when any run of either side lost a vote', () => {
    const [c] = compare([
      run('miniflare', 1, 50),
      run('socket.io', 1, 60),
      run('miniflare', 2, 50, { lost: 1 }),
      run('socket.io', 2, 60),
    ])
    expect(c).toMatchObject({ exact: false, atLeastAsGood: false })
  })
})
