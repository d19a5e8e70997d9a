// The fan-out benchmark's idle round trips (each system's transport floor under its vote latencies):
// one at a time, warm-up excluded, every one summarised.
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { measureRoundTrips } from './bench/run-steps'

describe('measureRoundTrips', () => {
  it('awaits each round trip before the next and numbers them from the warm-up on', async () => {
    const indexes: number[] = []
    let inFlight = 0
    let mostInFlight = 0
    const summary = await measureRoundTrips(
      async (index) => {
        indexes.push(index)
        mostInFlight = Math.max(mostInFlight, ++inFlight)
        await sleep(1)
        inFlight--
      },
      { warmUp: 3, measured: 5 },
    )
    expect(indexes).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect(mostInFlight).toBe(1)
    expect(summary.count).toBe(5)
  })

  it('leaves the warm-up out of the figures', async () => {
    // The warm-up's round trips take 200 ms each; the measured ones answer on the next microtask.
    const summary = await measureRoundTrips(
      (index) => (index < 2 ? sleep(200) : Promise.resolve()),
      { warmUp: 2, measured: 10 },
    )
    expect(summary.count).toBe(10)
    expect(summary.max).toBeLessThan(200)
  })

  it('fails the run when a round trip fails', async () => {
    await expect(
      measureRoundTrips(
        (index) => (index === 4 ? Promise.reject(new Error('socket closed')) : Promise.resolve()),
        { warmUp: 1, measured: 5 },
      ),
    ).rejects.toThrow('socket closed')
  })
})
