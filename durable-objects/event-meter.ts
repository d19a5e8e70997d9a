// Counts the events an object handles, by source, since it started: what decides whether a
// conference fits Cloudflare's per-object envelope (about 1,000 requests a second, 200–500 when
// each writes storage) is how many events reach its busiest object, and the benchmark reads these
// counts before and after its votes (GET /__dev/conference/{id}/load). Memory only: a restart
// starts again from zero, and the reading says when the count began.
export type EventSource = 'socket' | 'shard' | 'room' | 'worker'

export interface EventCounts {
  since: number
  at: number
  counts: Record<EventSource, number>
}

export class EventMeter {
  private readonly since = Date.now()
  private readonly counts: Record<EventSource, number> = { socket: 0, shard: 0, room: 0, worker: 0 }

  count(source: EventSource) {
    this.counts[source] += 1
  }

  reading(): EventCounts {
    return { since: this.since, at: Date.now(), counts: { ...this.counts } }
  }
}
