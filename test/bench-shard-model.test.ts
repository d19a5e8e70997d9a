import { describe, expect, it } from 'vitest'
import type { RunReport } from './bench/report'
import { shardModel } from './bench/report/shard-model'

const run = (n: number, shards: number, talliedMs: number, votesPerSecond = n / 2): RunReport =>
  ({
    via: 'miniflare',
    n,
    ok: true,
    load: { talliedMs, votes: { votesPerSecond } },
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
    const text = shardModel([run(5000, 5, 140), run(15_000, 15, 230)], 2000)
    // From the largest run: 15 shards report every 150 ms; 80 ms of the 230 lay beyond the tick.
    expect(text).toContain('N = 15,000 (15 shards)')
    expect(text).toContain('80 ms of it beyond the 150 ms report tick')
    // 50,000 members: 50 shards, every 500 ms, 100 reports a second, host ≈ 0.58 s.
    expect(text).toMatch(/\| 50,000 +\| 50 +\| 500 ms +\| 100 +\| 50 +\| 50 +\| 500 +\| ≈ 0\.58 s/)
    expect(text).toMatch(/\| 1,000,000 +\| 1000 +\| 10000 ms +\| 100 +\|/)
  })

  it('starts from the largest run that kept up with its offered load', () => {
    // 15,000 votes over 2 s offered, 3,700 a second sustained: the machine's queue, not the design.
    const text = shardModel([run(10_000, 10, 92), run(15_000, 15, 2070, 3700)], 2000)
    expect(text).toContain('N = 10,000 (10 shards)')
  })

  it('says nothing without a paced run that reached its final count', () => {
    expect(shardModel([], 2000)).toBe('')
    expect(shardModel([{ ...run(5000, 5, 100), ok: false }], 2000)).toBe('')
  })
})
