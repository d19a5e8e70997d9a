// Smoke of the Socket.IO framing benchmark (npm run bench:socket-io) with a tiny N, so it cannot
// rot: half the audience native, half the real socket.io-client on /socket.io/, in one room against
// the test Worker; each framing's joins, push, acks and final count are reported, and each framing's
// votes are counted exactly once. Correctness only: no latency is asserted here.
import { describe, expect, it } from 'vitest'
import { runConferenceRoom } from '../bench/conference-run'
import { compareFramings, framingTable } from '../bench/framing-compare'
import type { RunSettings } from '../bench/report'
import { workerUrl } from '../harness/http'

const N = 20
const settings: RunSettings = {
  concurrency: 10,
  batch: 10,
  voteWindowMs: 200,
  timeoutMs: 15_000,
  log: () => {},
}

describe('the Socket.IO framing benchmark', () => {
  it('runs both framings in one room with each framing’s votes tallied exactly', async () => {
    const run = await runConferenceRoom(
      { url: workerUrl(), via: 'wrangler' },
      N,
      settings,
      'half-socket-io',
    )

    expect(run.error).toBeUndefined()
    expect(run).toMatchObject({ ok: true, lost: 0, doubleCounted: 0, unexpectedCloses: 0 })
    // One room: the host counted both halves, and the whole tally is exact too.
    expect(run.hostAudienceCount).toBe(N)
    expect(run.expected!.totalResponses).toBe(N)
    expect(run.checks!.every((c) => c.lost === 0 && c.doubleCounted === 0)).toBe(true)
    for (const framing of ['native', 'socket.io'] as const) {
      const mine = run.framings![framing]!
      expect(mine).toMatchObject({ clients: N / 2, lost: 0, doubleCounted: 0, unexpectedCloses: 0 })
      expect(mine.liveFanoutMs).toBeGreaterThanOrEqual(0)
      // The framing's own four options, half the votes, checked against the host and MongoDB.
      expect(mine.expected!.totalResponses).toBe(N / 2)
      expect(Object.keys(mine.expected!.counts)).toHaveLength(4)
      expect(mine.checks!.map((c) => c.source)).toEqual([
        'host room.stats',
        'REST (MongoDB, ended)',
      ])
      expect(mine.checks!.every((c) => c.counts!.totalResponses === N / 2)).toBe(true)
      expect(run.load!.byKind![framing]).toMatchObject({
        joined: N / 2,
        sent: N / 2,
        acked: N / 2,
        refused: 0,
        timedOut: 0,
      })
      expect(run.load!.byKind![framing]!.joinMs.count).toBe(N / 2)
      expect(run.load!.byKind![framing]!.talliedMs).toBeGreaterThanOrEqual(0)
    }
    // The two framings voted on disjoint options.
    const native = Object.keys(run.framings!.native!.expected!.counts)
    const sio = Object.keys(run.framings!['socket.io']!.expected!.counts)
    expect(native.filter((o) => sio.includes(o))).toEqual([])

    const [comparison, ...more] = compareFramings([run])
    expect(more).toEqual([])
    expect(comparison).toMatchObject({ n: N, via: 'wrangler', runs: 1, exact: true })
    const ack = comparison!.figures.find((f) => f.name === 'vote ack p50 (ms)')!
    expect(ack).toMatchObject({
      native: run.load!.byKind!.native!.ackMs.p50,
      socketIo: run.load!.byKind!['socket.io']!.ackMs.p50,
    })
    const table = framingTable([comparison!])
    expect(table[0]).toContain(`S.IO n=${N}`)
    expect(table.some((line) => line.startsWith('last vote → host final count (ms)'))).toBe(true)
  }, 40_000)
})
