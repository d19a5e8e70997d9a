// The comparison's statistics: a two-level bootstrap interval (runs, then samples within a run) of
// the ratio room / baseline of a percentile of each side's samples, and the verdict read from it.
import { describe, expect, it } from 'vitest'
import { bootstrapRatios, mulberry32, percentile, verdict } from './bench/report/bootstrap'

/** n latencies around `median` ms with a long right tail (log-normal), from a seeded generator. */
function latencies(n: number, median: number, seed: number): number[] {
  const random = mulberry32(seed)
  return Array.from({ length: n }, () => {
    const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
    return median * Math.exp(0.5 * normal)
  })
}

/** `count` runs of n such latencies each, every run from a seed of its own. */
const runs = (count: number, n: number, median: number, seed: number) =>
  Array.from({ length: count }, (_, r) => latencies(n, median, seed * 100 + r))

describe('percentile', () => {
  it('is the nearest-rank percentile the run summaries report', () => {
    const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6]
    expect(percentile(values, 50)).toBe(5)
    expect(percentile(values, 99)).toBe(10)
    expect(percentile(values, 10)).toBe(1)
    expect(percentile([3, 3, 3, 1], 50)).toBe(3)
    expect(percentile([], 50)).toBeUndefined()
  })
})

describe('bootstrapRatios', () => {
  it('gives two sides of one distribution an interval around 1: no difference measurable', () => {
    const [p50, p99] = bootstrapRatios(runs(5, 1000, 2, 1), runs(5, 1000, 2, 2), [50, 99])
    for (const interval of [p50!, p99!]) {
      expect(interval.low).toBeLessThanOrEqual(1)
      expect(interval.high).toBeGreaterThanOrEqual(1)
      expect(interval.low).toBeLessThanOrEqual(interval.ratio)
      expect(interval.high).toBeGreaterThanOrEqual(interval.ratio)
      expect(verdict(interval, 'lower')).toBe('no difference measurable')
    }
  })

  it('puts a room 20 % faster in every run ahead, and one 20 % slower behind', () => {
    const baseline = runs(5, 1000, 2, 3)
    const [faster] = bootstrapRatios(runs(5, 1000, 1.6, 4), baseline, [50])
    expect(faster!.high).toBeLessThan(1)
    expect(faster!.ratio).toBeCloseTo(0.8, 1)
    expect(verdict(faster!, 'lower')).toBe('ahead')
    const [slower] = bootstrapRatios(runs(5, 1000, 2.4, 5), baseline, [50])
    expect(slower!.low).toBeGreaterThan(1)
    expect(verdict(slower!, 'lower')).toBe('behind')
  })

  it('does not let one stalled run of five decide the verdict, where pooling the samples does', () => {
    // One distribution on both sides, but one room run had every sample 50 % slower (a stall).
    const room = runs(5, 2000, 2, 6).map((run, r) => (r === 2 ? run.map((v) => v * 1.5) : run))
    const baseline = runs(5, 2000, 2, 7)
    const byRun = bootstrapRatios(room, baseline, [50, 99])
    // The same samples as one run a side: each sample independent, the stall looks like the room.
    const pooled = bootstrapRatios([room.flat()], [baseline.flat()], [50, 99])
    for (const [i, interval] of byRun.entries()) {
      expect(interval!.low).toBeLessThanOrEqual(1)
      expect(interval!.high).toBeGreaterThanOrEqual(1)
      expect(verdict(interval!, 'lower')).toBe('no difference measurable')
      expect(pooled[i]!.ratio).toBe(interval!.ratio)
      expect(pooled[i]!.low).toBeGreaterThan(1)
      expect(verdict(pooled[i]!, 'lower')).toBe('behind')
    }
  })

  it('reads the verdict the other way round where higher is better', () => {
    expect(verdict({ ratio: 1.3, low: 1.2, high: 1.4 }, 'higher')).toBe('ahead')
    expect(verdict({ ratio: 0.7, low: 0.6, high: 0.8 }, 'higher')).toBe('behind')
    expect(verdict({ ratio: 1, low: 0.9, high: 1.1 }, 'higher')).toBe('no difference measurable')
  })

  it('gives the same interval for the same runs and seed, another for another seed', () => {
    const room = runs(3, 700, 2, 8)
    const baseline = runs(3, 700, 2.1, 9)
    const once = bootstrapRatios(room, baseline, [50, 99], { seed: 42 })
    expect(bootstrapRatios(room, baseline, [50, 99], { seed: 42 })).toEqual(once)
    expect(bootstrapRatios(room, baseline, [50, 99], { seed: 43 })).not.toEqual(once)
  })

  it('has no ratio when a side has no samples or the baseline’s percentile is 0', () => {
    expect(bootstrapRatios([], [[1, 2]], [50])).toEqual([undefined])
    expect(bootstrapRatios([[], []], [[1, 2]], [50])).toEqual([undefined])
    expect(bootstrapRatios([[1, 2]], [[0, 0, 0]], [50])).toEqual([undefined])
  })

  it('leaves out runs without samples', () => {
    const room = runs(3, 300, 2, 10)
    const baseline = runs(3, 300, 2, 11)
    expect(bootstrapRatios([[], ...room], [...baseline, []], [50, 99])).toEqual(
      bootstrapRatios(room, baseline, [50, 99]),
    )
  })
})
