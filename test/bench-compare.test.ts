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

  it("pools every run's votes for a p99 beside the median of the runs' p99s, which alone decides", () => {
    // 200 votes a run. Three of the room's five runs stalled: 3 of their votes waited 400 ms, 1.5 %
    // of each, so each of those runs' p99 is 400 ms and so is their median. Pooled, 9 of 1,000
    // votes is 0.9 %: 99 % of the votes were acked in 5 ms.
    const votes = (ms: number, stalled = 0) => [
      ...Array<number>(200 - stalled).fill(ms),
      ...Array<number>(stalled).fill(400),
    ]
    const withSamples = (r: RunReport, samples: number[]) => {
      r.load!.votes.ackSamplesMs = samples
      return r
    }
    const stalled = [false, true, true, true, false]
    const [c] = compare(
      stalled.flatMap((stall, i) => [
        withSamples(run('miniflare', i + 1, stall ? 400 : 5), votes(5, stall ? 3 : 0)),
        withSamples(run('socket.io', i + 1, 6), votes(6)),
      ]),
    )
    const names = c!.figures.map((f) => f.name)
    const pooled = c!.figures.find((f) => f.name === 'vote ack p99, all runs’ votes pooled (ms)')!
    expect(names.indexOf(pooled.name)).toBe(names.indexOf('vote ack p99 (ms)') + 1)
    expect(pooled).toMatchObject({ conferenceRoom: 5, socketIo: 6 })
    expect(c!.figures.find((f) => f.name === 'vote ack p99 (ms)')).toMatchObject({
      conferenceRoom: 400,
      socketIo: 6,
    })
    expect(c!.atLeastAsGood).toBe(false)
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
