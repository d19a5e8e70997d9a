// The baseline's conference poll state: whether the question is live, each voter's vote, the counts
// and the audience size. In process memory for one server (the old stack's default), or in Redis
// when several servers share the conference, as the old stack kept it when REDIS_URL was set.
import type { Redis } from 'ioredis'
import type { BaselineConference, RoomStats } from './protocol'

export type VoteOutcome =
  | { live: false }
  /** replaced: the voter had voted before; changed: the counts moved (a new or different option). */
  | { live: true; replaced: boolean; changed: boolean; stats: RoomStats }

export interface PollState {
  goLive(): Promise<void>
  isLive(): Promise<boolean>
  vote(voter: string, option: string): Promise<VoteOutcome>
  /** One audience socket more (+1) or less (−1); the hosts' stats after it. */
  audienceChanged(delta: 1 | -1): Promise<RoomStats>
  stats(): Promise<RoomStats>
}

export function memoryPollState(conference: BaselineConference): PollState {
  let live = false
  /** voter → chosen option: a second vote replaces the first, so nobody counts twice. */
  const votes = new Map<string, string>()
  const counts = Object.fromEntries(conference.optionIds.map((o) => [o, 0]))
  let audience = 0
  const stats = (): RoomStats => ({
    audienceCount: audience,
    results: {
      questionId: conference.questionId,
      counts: { ...counts },
      totalResponses: votes.size,
    },
  })
  return {
    goLive: async () => void (live = true),
    isLive: async () => live,
    async vote(voter, option) {
      if (!live) return { live: false }
      const previous = votes.get(voter)
      const changed = previous !== option
      if (changed) {
        if (previous) counts[previous]! -= 1
        counts[option]! += 1
        votes.set(voter, option)
      }
      return { live: true, replaced: previous !== undefined, changed, stats: stats() }
    },
    async audienceChanged(delta) {
      audience += delta
      return stats()
    },
    stats: async () => stats(),
  }
}

/**
 * One round trip per vote, atomic across the servers: the live check, the voter's previous vote
 * (HGET), the new one (HSET in the votes hash keyed by voter), the counts (HINCRBY) and what the
 * hosts are sent after it. KEYS: live, votes, counts, audience; ARGV: voter, option.
 */
const VOTE_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= '1' then return {0} end
local previous = redis.call('HGET', KEYS[2], ARGV[1])
local changed = 0
if previous ~= ARGV[2] then
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
  if previous then redis.call('HINCRBY', KEYS[3], previous, -1) end
  redis.call('HINCRBY', KEYS[3], ARGV[2], 1)
  changed = 1
end
return {1, previous and 1 or 0, changed, redis.call('HGETALL', KEYS[3]),
  redis.call('HLEN', KEYS[2]), redis.call('GET', KEYS[4]) or '0'}
`

type VoteReply = [number, number?, number?, string[]?, number?, string?]

export function redisPollState(conference: BaselineConference, redis: Redis): PollState {
  // EVALSHA with the script loaded once, as ioredis' defineCommand sends it (EVAL on a cache miss).
  redis.defineCommand('baselineVote', { numberOfKeys: 4, lua: VOTE_SCRIPT })
  const baselineVote = (
    redis as unknown as { baselineVote(...args: string[]): Promise<VoteReply> }
  ).baselineVote.bind(redis)
  const prefix = `socket-io-baseline:${conference.id}`
  const keys = {
    live: `${prefix}:live`,
    votes: `${prefix}:votes`,
    counts: `${prefix}:counts`,
    audience: `${prefix}:audience`,
  }
  const stats = (flatCounts: string[], total: number, audience: string | null): RoomStats => {
    const counts = Object.fromEntries(conference.optionIds.map((o) => [o, 0]))
    for (let i = 0; i < flatCounts.length; i += 2)
      counts[flatCounts[i]!] = Number(flatCounts[i + 1])
    return {
      audienceCount: Number(audience ?? 0),
      results: { questionId: conference.questionId, counts, totalResponses: total },
    }
  }
  const read = async (first?: (m: ReturnType<Redis['multi']>) => void) => {
    const multi = redis.multi()
    first?.(multi)
    const replies = (await multi
      .hgetall(keys.counts)
      .hlen(keys.votes)
      .get(keys.audience)
      .exec())!.map(([error, value]) => {
      if (error) throw error
      return value
    })
    const [flat, total, audience] = replies.slice(first ? 1 : 0) as [
      Record<string, string>,
      number,
      string | null,
    ]
    return stats(Object.entries(flat).flat(), total, audience)
  }
  return {
    goLive: async () => void (await redis.set(keys.live, '1')),
    isLive: async () => (await redis.get(keys.live)) === '1',
    async vote(voter, option) {
      const reply = await baselineVote(
        keys.live,
        keys.votes,
        keys.counts,
        keys.audience,
        voter,
        option,
      )
      if (reply[0] !== 1) return { live: false }
      const [, replaced, changed, flat, total, audience] = reply
      return {
        live: true,
        replaced: replaced === 1,
        changed: changed === 1,
        stats: stats(flat!, total!, audience!),
      }
    },
    audienceChanged: (delta) => read((m) => m.incrby(keys.audience, delta)),
    stats: () => read(),
  }
}
