// The fan-out comparison's arithmetic: latencies are compared on every run's samples pooled, with a
// bootstrap interval of the ratio (over runs, then samples) and a verdict; one-number-per-run figures as medians, with none;
// a side is exact only when every one of its runs was; each baseline that ran gets its comparison.
import { describe, expect, it } from 'vitest'
import { compare, comparisonTable, median, ratioCell } from './bench/compare'
import { mulberry32 } from './bench/report/bootstrap'
import type { RunReport } from './bench/report'

/** n latencies spread evenly-at-random over [median/2, 3·median/2], from a seeded generator. */
function latencies(n: number, median: number, seed: number) {
  const random = mulberry32(seed)
  return Array.from({ length: n }, () => median * (0.5 + random()))
}

function run(
  via: RunReport['via'],
  repeat: number,
  ackMedianMs: number,
  extra: Partial<RunReport> = {},
) {
  const acks = latencies(400, ackMedianMs, repeat * 100 + via.length)
  return {
    via,
    n: 400,
    repeat,
    ok: true,
    lost: 0,
    doubleCounted: 0,
    roundTripSamplesMs: latencies(200, 0.2, repeat),
    load: {
      join: { perClientSamplesMs: latencies(400, 50, repeat + 7) },
      votes: { ackSamplesMs: acks, votesPerSecond: 1000 },
      talliedMs: repeat * 10,
    },
    ...extra,
  } as unknown as RunReport
}

const figureOf = (c: ReturnType<typeof compare>[number], name: string) =>
  c.figures.find((f) => f.name === name)!

describe('median', () => {
  it('takes the middle value, the mean of the middle two, and skips the missing', () => {
    expect(median([30, 10, 20])).toBe(20)
    expect(median([40, 10, 20, 30])).toBe(25)
    expect(median([undefined, 5])).toBe(5)
    expect(median([undefined])).toBeUndefined()
  })
})

describe('compare', () => {
  it('puts the room ahead on acks it answers in half the time, over every run’s votes', () => {
    const [c, ...more] = compare([
      run('miniflare', 1, 1),
      run('socket.io', 1, 2),
      run('miniflare', 2, 1),
      run('socket.io', 2, 2),
    ])
    expect(more).toEqual([])
    expect(c).toMatchObject({
      n: 400,
      via: 'miniflare',
      baseline: 'socket.io',
      runs: 2,
      exact: true,
    })
    for (const name of ['vote ack p50 (ms)', 'vote ack p99 (ms)']) {
      const f = figureOf(c!, name)
      expect(f).toMatchObject({ basis: 'pooled samples', verdict: 'ahead' })
      expect(f.interval!.high).toBeLessThan(1)
      expect(f.ratio).toBeCloseTo(f.conferenceRoom! / f.baseline!, 10)
    }
    // 800 pooled votes a side: the p50 is near the median of the values drawn.
    expect(figureOf(c!, 'vote ack p50 (ms)').conferenceRoom).toBeCloseTo(1, 1)
    // The same join and round-trip samples on both sides: nothing to tell apart.
    for (const name of ['join per client p50 (ms)', 'idle round trip p99 (ms)']) {
      expect(figureOf(c!, name)).toMatchObject({ ratio: 1, verdict: 'no difference measurable' })
    }
  })

  it('puts the room behind when its acks take twice as long', () => {
    const [c] = compare([run('miniflare', 1, 4), run('socket.io', 1, 2)])
    expect(figureOf(c!, 'vote ack p50 (ms)')).toMatchObject({ verdict: 'behind' })
    expect(figureOf(c!, 'vote ack p50 (ms)').interval!.low).toBeGreaterThan(1)
  })

  it('compares one-number-per-run figures as medians of the runs, with no interval or verdict', () => {
    const [c] = compare([
      run('miniflare', 1, 1),
      run('socket.io', 1, 1),
      run('miniflare', 2, 1),
      run('socket.io', 2, 1),
      run('miniflare', 9, 1),
      run('socket.io', 3, 1),
    ])
    const toHost = figureOf(c!, 'last vote → host final count (ms)')
    // talliedMs is 10 × the repeat: the room's median is run 2's, not the outlier's.
    expect(toHost).toMatchObject({ basis: 'median of runs', conferenceRoom: 20, baseline: 20 })
    expect(toHost.interval).toBeUndefined()
    expect(toHost.verdict).toBeUndefined()
  })

  it('is not exact when any run of either side lost a vote', () => {
    const [c] = compare([
      run('miniflare', 1, 1),
      run('socket.io', 1, 1),
      run('miniflare', 2, 1, { lost: 1 }),
      run('socket.io', 2, 1),
    ])
    expect(c).toMatchObject({ exact: false })
  })

  it('compares the room with each baseline that ran: one process, two behind Redis', () => {
    const comparisons = compare([
      run('miniflare', 1, 1),
      run('socket.io', 1, 1),
      run('socket.io-redis', 1, 2),
    ])
    expect(comparisons.map((c) => c.baseline)).toEqual(['socket.io', 'socket.io-redis'])
    expect(figureOf(comparisons[1]!, 'vote ack p50 (ms)').verdict).toBe('ahead')
  })

  it('prints each pooled ratio with its interval and verdict, each median ratio bare', () => {
    expect(
      ratioCell({ ratio: 0.8234, interval: { low: 0.712, high: 0.951 }, verdict: 'ahead' }),
    ).toBe('0.82 [0.71, 0.95] ahead')
    expect(ratioCell({ ratio: 1.1 })).toBe('1.10')
    expect(ratioCell({ ratio: undefined })).toBe('—')
    const table = comparisonTable(compare([run('miniflare', 1, 1), run('socket.io-redis', 1, 2)]))
    expect(table[0]).toContain('CR/S.IO×2 [95 %]')
    const ack = table.find((line) => line.startsWith('vote ack p50 (ms)'))!
    expect(ack).toMatch(/pooled .* 0\.\d\d \[0\.\d\d, 0\.\d\d\] ahead$/)
    const toHost = table.find((line) => line.startsWith('last vote → host final count (ms)'))!
    expect(toHost).toMatch(/median .* 1\.00$/)
  })

  it('warns under the table when a side has fewer than 3 runs, and not with 3 a side', () => {
    const warning = (table: string[]) => table.some((line) => line.startsWith('WARNING: fewer'))
    const rooms = [1, 2, 3].map((r) => run('miniflare', r, 1))
    const baselines = [1, 2, 3].map((r) => run('socket.io', r, 1))
    expect(warning(comparisonTable(compare([...rooms, ...baselines])))).toBe(false)
    expect(warning(comparisonTable(compare([...rooms, ...baselines.slice(1)])))).toBe(true)
    expect(warning(comparisonTable(compare([rooms[0]!, baselines[0]!])))).toBe(true)
  })
})
