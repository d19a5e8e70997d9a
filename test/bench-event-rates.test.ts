// Events per second between two readings of GET /__dev/conference/{id}/load: the room's (all sources
// and the audience's part) and each shard's, including a shard added between the readings.
import { describe, expect, it } from 'vitest'
import { eventRates, type LoadReading } from './bench/event-rates'

const counts = (socket: number, shard: number, room: number, worker: number) => ({
  socket,
  shard,
  room,
  worker,
})

describe('eventRates', () => {
  it("divides each object's new events by the room's interval", () => {
    const before: LoadReading = {
      room: { since: 0, at: 10_000, counts: counts(5, 100, 0, 7) },
      shards: [{ shard: 0, since: 1, at: 10_000, counts: counts(50, 0, 10, 0) }],
    }
    const after: LoadReading = {
      room: { since: 0, at: 12_000, counts: counts(7, 120, 0, 11) },
      shards: [
        { shard: 1, since: 11_000, at: 12_000, counts: counts(30, 0, 2, 0) },
        { shard: 0, since: 1, at: 12_000, counts: counts(250, 0, 14, 0) },
      ],
    }
    const rates = eventRates(before, after)

    expect(rates.seconds).toBe(2)
    // Room: 2 socket + 20 shard + 4 worker events in 2 s; the audience drove 22 of them.
    expect(rates.room).toEqual({ all: 13, audience: 11 })
    // Shard 0: 204 new events; shard 1, added meanwhile, counted from zero: 32.
    expect(rates.perShard).toEqual([
      { shard: 0, perSecond: 102 },
      { shard: 1, perSecond: 16 },
    ])
    expect(rates.shards).toEqual({ max: 102, mean: 59 })
  })

  it('counts a restarted object from zero, as its reading says when it began', () => {
    const before: LoadReading = {
      room: { since: 0, at: 0, counts: counts(0, 500, 0, 0) },
      shards: [],
    }
    const after: LoadReading = {
      room: { since: 500, at: 1000, counts: counts(0, 40, 0, 0) },
      shards: [],
    }

    expect(eventRates(before, after).room.all).toBe(40)
  })
})
