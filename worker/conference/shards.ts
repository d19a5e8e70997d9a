// Which audience shard object holds whom. A conference's audience is spread over `count` shard
// objects; one person always lands on the same one, so that shard alone decides whether they voted.
//
// Accounts (and participant tokens minted before shards existed) hash over the conference's `base`
// count, which never changes. A participant token carries the shard it was given when minted, hashed
// over the count at that moment: when the room adds shards while live, new joiners spread over them
// and everyone already in keeps theirs.
import type { RealtimeIdentity } from '../../shared/realtime'
import type { Bindings } from '../env'

/** A conference's shards: `base` from its start, `count` grown while live. */
export interface AudienceShards {
  base: number
  count: number
}

export const UNSHARDED: AudienceShards = { base: 1, count: 1 }

/** Shards enough for the audience the host expects (one when they said nothing). */
export function initialShards(expectedAudience: number | undefined, capacity: number) {
  const count = Math.max(1, Math.ceil((expectedAudience ?? 0) / capacity))
  return { base: count, count }
}

/** FNV-1a over the key's UTF-16 code units: stable, fast, spread well enough over a few shards. */
export function shardOf(key: string, count: number): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return (hash >>> 0) % count
}

/** One vote per person: accounts vote as themselves, anonymous participants by their token's id. */
export function voterKey(identity: Pick<RealtimeIdentity, 'kind' | 'subject'>): string {
  return `${identity.kind}:${identity.subject}`
}

/** The shard of an audience identity: the one its participant token names, else its hash. */
export function audienceShardOf(identity: RealtimeIdentity, shards: AudienceShards): number {
  return identity.shard ?? shardOf(voterKey(identity), shards.base)
}

/**
 * An Engine.IO session on a shard has an id naming the shard: the Worker sends the session's later
 * requests (polling, the upgrade) there without a lookup.
 */
export const shardSessionId = (index: number, random: string) => `shard${index}-${random}`

export function shardOfSessionId(sid: string): number | undefined {
  const match = /^shard(\d{1,4})-/.exec(sid)
  return match ? Number(match[1]) : undefined
}

/** The object name of shard `index` of conference `conferenceId`. */
const shardName = (conferenceId: string, index: number) => `${conferenceId}/${index}`

export function audienceShardStub(
  env: Pick<Bindings, 'AUDIENCE_SHARD'>,
  conferenceId: string,
  index: number,
) {
  const ns = env.AUDIENCE_SHARD
  return ns.get(ns.idFromName(shardName(conferenceId, index)))
}
