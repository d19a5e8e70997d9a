// Events per second reaching a conference's ConferenceRoom and each of its audience shards, from
// two readings of GET /__dev/conference/{id}/load (each object's counts so far, by source). What
// decides whether a conference fits one object's envelope is the busiest object's rate, so the
// benchmark reads the counts around its joins and around its votes.
import type { EventCounts, EventSource } from '../../durable-objects/event-meter'
import { api } from './conference-client'

/** The route's answer: the room's counts and each shard's. */
export interface LoadReading {
  room: EventCounts
  shards: (EventCounts & { shard: number })[]
}

/** Events per second between two readings. */
export interface EventRates {
  seconds: number
  room: {
    /** Every source. */
    all: number
    /** What the audience drives: its sockets on the room, and its shards' calls. */
    audience: number
  }
  /** Each shard's events per second (every source), by shard index. */
  perShard: { shard: number; perSecond: number }[]
  shards: { max: number; mean: number }
}

export function readLoad(base: string, conferenceId: string, hostToken: string) {
  return api(base, `/__dev/conference/${conferenceId}/load`, { token: hostToken }).then(
    (res) => res.body as LoadReading,
  )
}

const total = (c: Record<EventSource, number>) => c.socket + c.shard + c.room + c.worker

/**
 * The rates between `before` and `after`, over the room's interval (every object runs in the one
 * Worker, on one clock). A shard missing from `before` was added in between: it counted from zero.
 */
export function eventRates(before: LoadReading, after: LoadReading): EventRates {
  const seconds = Math.max(0.001, (after.room.at - before.room.at) / 1000)
  const delta = (a: EventCounts, b: EventCounts | undefined) => {
    const zero = { socket: 0, shard: 0, room: 0, worker: 0 }
    // A restarted object counts again from zero: its reading names when it began.
    const from = b && b.since === a.since ? b.counts : zero
    return {
      socket: a.counts.socket - from.socket,
      shard: a.counts.shard - from.shard,
      room: a.counts.room - from.room,
      worker: a.counts.worker - from.worker,
    }
  }
  const room = delta(after.room, before.room)
  const perShard = after.shards
    .map((s) => ({
      shard: s.shard,
      perSecond: rate(
        total(
          delta(
            s,
            before.shards.find((b) => b.shard === s.shard),
          ),
        ),
        seconds,
      ),
    }))
    .sort((a, b) => a.shard - b.shard)
  const rates = perShard.map((s) => s.perSecond)
  return {
    seconds: Math.round(seconds * 1000) / 1000,
    room: { all: rate(total(room), seconds), audience: rate(room.shard + room.socket, seconds) },
    perShard,
    shards: {
      max: Math.max(0, ...rates),
      mean: rates.length
        ? rate(
            rates.reduce((s, v) => s + v, 0),
            rates.length,
          )
        : 0,
    },
  }
}

const rate = (events: number, seconds: number) => Math.round((events / seconds) * 10) / 10
