// What a ConferenceRoom and its audience shards tell each other over RPC (durable-objects/
// audience-shard.ts, conference-room.ts). Shards report absolute figures under a rising version, so
// a report that is retried, repeated or overtaken changes nothing: the room keeps the newest.
import type { ConferenceStatus, LiveQuestion, PollResults, QaItem } from '../shared/conference'

/** Everything a shard holds that the room counts, as totals. */
export interface ShardReport {
  /** Rises with every report the shard makes, across its restarts. */
  version: number
  /** Audience sockets open on the shard. */
  sockets: number
  /** Audience members ever connected to it. */
  participants: number
  /** Of those, how many voted on any question. */
  voters: number
  /** Per question with votes here: the count per option and how many voted. */
  questions: Record<string, { counts: Record<string, number>; responses: number }>
  /** Per Q&A item upvoted here: how many upvoted it. */
  upvotes: Record<string, number>
}

/** What a shard checks votes against: the conference's status and its live question. */
export interface ShardState {
  status: ConferenceStatus
  live: LiveQuestion | null
  /** Every question of the conference, by id (a vote naming another is for no question). */
  questionIds: string[]
}

/** Audience events from the room, in order, with the state they leave behind. */
export interface Delivery {
  /** The seq of the last audience event delivered before these: a shard behind it catches up first. */
  after: number
  events: { seq: number; body: string }[]
  state: ShardState
  /** Q&A items these events showed to or hid from the audience (upvotes need a visible item). */
  qa?: { id: string; visible: boolean }[]
}

/** The room as a joining audience socket sees it, less what only its shard knows (its own votes). */
export interface AudienceView extends ShardState {
  seq: number
  conferenceId: string
  results: PollResults | null
  audienceCount: number
  /** This shard's sockets within audienceCount, as the room last heard: the shard corrects it. */
  shardSockets: number
  qa: QaItem[]
}
