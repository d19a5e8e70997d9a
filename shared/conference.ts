// The live conference protocol (ConferenceRoom): what hosts, speakers and the audience may send,
// and the events the room broadcasts. Shared by the room, the Worker, the web pages and tests.
import { z } from 'zod'
import {
  BASE_FRAME_BUDGETS,
  type FrameBudgetTable,
  isIdString,
  MAX_ID_LENGTH,
  RequestIdSchema,
} from './realtime'

export const CONFERENCE_STATUSES = ['DRAFT', 'ACTIVE', 'ENDED'] as const
export type ConferenceStatus = (typeof CONFERENCE_STATUSES)[number]
export const QUESTION_STATUSES = ['DRAFT', 'ACTIVE', 'CLOSED'] as const
export type QuestionStatus = (typeof QUESTION_STATUSES)[number]

/** Room roles: hosts and speakers run the room, the audience votes and asks. */
export type ConferenceRole = 'host' | 'speaker' | 'audience'

export const QA_ACTIONS = ['approve', 'hide', 'answer', 'pin', 'unpin'] as const

const id = z.string().min(1).max(MAX_ID_LENGTH)
/** @public Most options one vote may name: a protocol limit, for clients. */
export const MAX_VOTE_OPTIONS = 20
const rid = RequestIdSchema.optional()

export const ConferenceClientMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('vote'),
    rid,
    questionId: id,
    optionIds: z.array(id).min(1).max(MAX_VOTE_OPTIONS),
  }),
  z.strictObject({
    type: z.literal('qa.ask'),
    rid,
    text: z.string().trim().min(1).max(500),
    anonymous: z.boolean().default(false),
  }),
  z.strictObject({ type: z.literal('qa.upvote'), rid, qaId: id }),
  z.strictObject({ type: z.literal('question.push'), rid, questionId: id }),
  z.strictObject({ type: z.literal('question.close'), rid, questionId: id }),
  z.strictObject({ type: z.literal('question.reveal'), rid, questionId: id }),
  z.strictObject({ type: z.literal('qa.moderate'), rid, qaId: id, action: z.enum(QA_ACTIONS) }),
])
export type ConferenceClientMessage = z.infer<typeof ConferenceClientMessageSchema>
export type VoteMessage = Extract<ConferenceClientMessage, { type: 'vote' }>

const VOTE_KEYS = new Set(['type', 'rid', 'questionId', 'optionIds'])

/**
 * The vote branch of ConferenceClientMessageSchema, tested without the copies the schema builds:
 * a vote is most of what a live room receives, and parsing it was a quarter of what each vote
 * allocated. It must accept exactly what the schema accepts (shared/conference.test.ts); a frame
 * it refuses goes through the schema for the error's details.
 */
export function isVoteMessage(value: unknown): value is VoteMessage {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  for (const key in value) if (!VOTE_KEYS.has(key)) return false
  const { type, rid, questionId, optionIds } = value as Record<string, unknown>
  if (type !== 'vote' || !isIdString(questionId) || (rid !== undefined && !isIdString(rid)))
    return false
  if (!Array.isArray(optionIds) || optionIds.length < 1 || optionIds.length > MAX_VOTE_OPTIONS)
    return false
  for (let i = 0; i < optionIds.length; i++) if (!isIdString(optionIds[i])) return false
  return true
}

/** Which roles may send each message type. */
export const MESSAGE_ROLES: Record<ConferenceClientMessage['type'], readonly ConferenceRole[]> = {
  vote: ['audience'],
  'qa.ask': ['audience'],
  'qa.upvote': ['audience'],
  'question.push': ['host', 'speaker'],
  'question.close': ['host', 'speaker'],
  'question.reveal': ['host', 'speaker'],
  'qa.moderate': ['host', 'speaker'],
}

/**
 * Each socket's budget per frame type (shared/realtime.ts FrameBudget). The audience's frames are 5×
 * the room's per-member limit (20, then 5 a second), so that limit, which answers each vote it
 * refuses, is what a fast clicker meets; these only stop one socket's flood. Hosts and speakers act
 * by hand: a few a second, and a burst that lets a console replay a run of actions on reconnect.
 */
export const CONFERENCE_FRAME_BUDGETS: FrameBudgetTable<ConferenceClientMessage['type']> = {
  ...BASE_FRAME_BUDGETS,
  vote: { burst: 100, perSecond: 25 },
  'qa.ask': { burst: 100, perSecond: 25 },
  'qa.upvote': { burst: 100, perSecond: 25 },
  // Each push or close may write to MongoDB and each reveal goes to every socket: few a second.
  'question.push': { burst: 50, perSecond: 5 },
  'question.close': { burst: 50, perSecond: 5 },
  'question.reveal': { burst: 50, perSecond: 5 },
  // A moderator works down a list of questions: a faster pace than the deck's.
  'qa.moderate': { burst: 50, perSecond: 10 },
}

export interface LiveQuestion {
  id: string
  text: string
  type: 'single' | 'multiple'
  options: { id: string; text: string }[]
  hideResults: boolean
  revealed: boolean
  allowVoteChange: boolean
  status: QuestionStatus
}

export interface PollResults {
  questionId: string
  counts: Record<string, number>
  totalResponses: number
}

/**
 * The room's counts: audience size and the live question's tally (null while hidden from the
 * audience). State, not an event: it carries no `seq` and is never replayed, since the next one
 * supersedes it; a client reconnecting with `since` gets the current one after its replay.
 */
export interface RoomStats {
  type: 'room.stats'
  audienceCount: number
  results: PollResults | null
}

export interface QaItem {
  id: string
  text: string
  authorName: string | null
  upvotes: number
  status: 'pending' | 'approved' | 'hidden' | 'answered'
  pinned: boolean
  createdAt: string
}

/** A full picture of the room, sent on join and to clients too far behind to replay. */
export interface ConferenceSnapshot {
  conferenceId: string
  status: ConferenceStatus
  liveQuestion: LiveQuestion | null
  results: PollResults | null
  audienceCount: number
  qa: QaItem[]
  you: { role: ConferenceRole; votes: Record<string, string[]>; upvoted: string[] }
}
