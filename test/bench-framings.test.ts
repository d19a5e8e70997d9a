// The Socket.IO framing comparison's arithmetic: each framing's figures are medians of the runs,
// the ratio is Socket.IO / native, and the verdict needs every judged figure within 1.5× with
// every run exact in both framings.
import { describe, expect, it } from 'vitest'
import { compareFramings } from './bench/framing-compare'
import type { RunReport } from './bench/report'

/** A mixed run whose every judged figure is `native` for native and `sio` for Socket.IO. */
function run(native: number, sio: number, extra: { sioLost?: number } = {}) {
  const kind = (v: number) => ({
    joined: 500,
    acked: 500,
    joinMs: { p50: v, p99: v },
    ackMs: { p50: v, p99: v },
    ackSamplesMs: [v],
    talliedMs: v,
  })
  const framing = (v: number, lost = 0) => ({
    clients: 500,
    liveFanoutMs: v,
    lost,
    doubleCounted: 0,
    unexpectedCloses: 0,
  })
  return {
    via: 'miniflare',
    n: 1000,
    ok: (extra.sioLost ?? 0) === 0,
    load: { byKind: { native: kind(native), 'socket.io': kind(sio) } },
    framings: { native: framing(native), 'socket.io': framing(sio, extra.sioLost) },
  } as unknown as RunReport
}

const judged = (c: ReturnType<typeof compareFramings>[number]) =>
  c.figures.filter((f) => f.within !== undefined)

describe('compareFramings', () => {
  it('compares medians, so one noisy run does not decide', () => {
    const [c, ...more] = compareFramings([run(10, 12), run(10, 90), run(10, 14)])
    expect(more).toEqual([])
    expect(c).toMatchObject({ n: 1000, via: 'miniflare', runs: 3, exact: true, withinLimit: true })
    expect(judged(c!).map((f) => f.name)).toEqual([
      'join per client p50 (ms)',
      'join per client p99 (ms)',
      'push → all saw question.live (ms)',
      'vote ack p50 (ms)',
      'vote ack p99 (ms)',
      'last vote → host final count (ms)',
    ])
    for (const f of judged(c!)) expect(f).toMatchObject({ native: 10, socketIo: 14, ratio: 1.4 })
    // The pooled p99 is shown beside the median of the runs' p99s, not judged.
    const pooled = c!.figures.find((f) => f.name.startsWith('vote ack p99, all runs'))!
    expect(pooled).toMatchObject({ native: 10, socketIo: 90 })
    expect(pooled.within).toBeUndefined()
  })

  it('fails a figure over 1.5× and passes one at exactly 1.5× or 0 beside 0', () => {
    expect(compareFramings([run(10, 16)])[0]!.withinLimit).toBe(false)
    expect(compareFramings([run(10, 15)])[0]!.withinLimit).toBe(true)
    const [zero] = compareFramings([run(0, 0)])
    expect(zero!.withinLimit).toBe(true)
    expect(judged(zero!).every((f) => f.ratio === undefined)).toBe(true)
  })

  it('is not exact, and so not within, when one run lost a Socket.IO vote', () => {
    const [c] = compareFramings([run(10, 10), run(10, 10, { sioLost: 1 })])
    expect(c).toMatchObject({ exact: false, withinLimit: false })
  })

  it('leaves out runs that had only native clients', () => {
    const native = { via: 'miniflare', n: 1000, ok: true } as RunReport
    expect(compareFramings([native])).toEqual([])
  })
})
