import { describe, expect, it } from 'vitest'
import type { RunReport } from './bench/report'
import { shardModel } from './bench/report/shard-model'

const run = (n: number, shards: number, talliedMs: number): RunReport =>
  ({
    via: 'miniflare',
    n,
    ok: true,
    load: { talliedMs },
    events: {
      expectedAudience: n,
      shardsUsed: shards,
      socketsPerShard: {},
      duringVotes: {
        seconds: 2,
        room: { all: 90, audience: 80 },
        perShard: [],
        shards: { max: 480, mean: 450 },
      },
    },
  }) as unknown as RunReport

describe('the audience shard model', () => {
  it('extrapolates from the largest measured run with the design’s constants', () => {
    const text = shardModel([run(5000, 5, 140), run(15_000, 15, 230)])
    // From the largest run: 15 shards report every 150 ms; 80 ms of the 230 lay beyond the tick.
    expect(text).toContain('Measured at N = 15,000 (15 shards)')
    expect(text).toContain('80 ms of it beyond the 150 ms report tick')
    // 50,000 members: 50 shards, every 500 ms, 100 reports a second, host ≈ 0.58 s.
    expect(text).toMatch(/\| 50,000 +\| 50 +\| 500 ms +\| 100 +\| 50 +\| 50 +\| 500 +\| ≈ 0\.58 s/)
    expect(text).toMatch(/\| 1,000,000 +\| 1000 +\| 10000 ms +\| 100 +\|/)
  })

  it('says nothing without a paced run that reached its final count', () => {
    expect(shardModel([])).toBe('')
    expect(shardModel([{ ...run(5000, 5, 100), ok: false }])).toBe('')
  })
})
