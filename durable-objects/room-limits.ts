// The rooms' own limits, in a module without workerd imports so that the README's client limits
// table (`npm run docs:limits`, test/readme/) reads the very numbers the rooms enforce.

/** Chat messages per sender in a conversation (socket and REST alike): a burst, then a steady rate. */
export const CHAT_SEND_RATE = { burst: 20, perSecond: 5 } as const

/**
 * Per audience member of a conference, over votes, questions and upvotes together: one client's
 * flood (vote flipping, upvote spam) is refused without slowing anyone else down.
 */
export const AUDIENCE_RATE = { burst: 20, perSecond: 5 } as const

/**
 * Vote batches a second, sustained, after a burst of `burst` back to back: a vote is stored and
 * acked in the turn it arrives while the room is within this budget; above it, on the next timer
 * turn, together with every vote that arrived meanwhile (see FlushPacer). Each batch is a commit and
 * a counts frame, so the budget bounds what storing costs however fast votes come. A fixed wait
 * instead (1 ms for the next token) made votes wait: at 2,000 a second (`npm run bench:conference --
 * --n 2000,5000 --repeat 3`) ack p50 was 1.6–1.7 ms, 2.1–2.2 ms at 5,000; deferred to the next turn,
 * 0.4–0.5 and 0.5–0.6 ms.
 */
export const VOTE_FLUSH_RATE = { burst: 20, perSecond: 1000 } as const

/** A member's repeated `typing` frames within this window only extend what others already show. */
export const TYPING_THROTTLE_MS = 2000

/**
 * Reports a ConferenceRoom takes from its audience shards, a second, all shards together: each
 * shard reports at most every max(SHARD_REPORT_MIN_MS, shards · 1000 / budget) ms, an interval the
 * room hands back with every report. A Durable Object takes about 1,000 requests a second (200–500
 * when each writes storage, as a report does); the audience's share stays a tenth of that however
 * large it grows, and the host's count trails the last vote by about one interval.
 */
export const ROOM_SHARD_REPORTS_PER_SECOND = 100
export const SHARD_REPORT_MIN_MS = 100

/** How often each of `shards` shards may report so that all of them stay within the room's budget. */
export function shardReportIntervalMs(shards: number): number {
  return Math.max(SHARD_REPORT_MIN_MS, Math.ceil((shards * 1000) / ROOM_SHARD_REPORTS_PER_SECOND))
}
