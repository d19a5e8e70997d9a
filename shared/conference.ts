// The live conference protocol (ConferenceRoom): what hosts, speakers and the audience may send,
// and the events the room broadcasts. Shared by the room, the Worker, the web pages and tests.
import { z } from 'zod'
import {
  ackSchema,
  BASE_FRAME_BUDGETS,
  BASE_SERVER_MESSAGES,
  type AckFields,
  type FrameBudgetTable,
  isIdString,
  MAX_ID_LENGTH,
  RequestIdSchema,
  type RoomProtocol,
  SeqSchema,
  type Unnumbered,
  type WithoutRid,
} from './realtime'

export const CONFERENCE_STATUSES = ['DRAFT', 'ACTIVE', 'ENDED'] as const
export type ConferenceStatus = (typeof CONFERENCE_STATUSES)[number]
export const QUESTION_STATUSES = ['DRAFT', 'ACTIVE', 'CLOSED'] as const
export type QuestionStatus = (typeof QUESTION_STATUSES)[number]

/** Room roles: hosts and speakers run the room, the audience votes and asks. */
export const CONFERENCE_ROLES = ['host', 'speaker', 'audience'] as const
export type ConferenceRole = (typeof CONFERENCE_ROLES)[number]

export const QA_ACTIONS = ['approve', 'hide', 'answer', 'pin', 'unpin'] as const

const id = z.string().min(1).max(MAX_ID_LENGTH)
/** @public Most options one vote may name: a protocol limit, for clients. */
export const MAX_VOTE_OPTIONS = 20
const rid = RequestIdSchema.optional()

export const ConferenceClientMessageSchema = z.discriminatedUnion('type', [
  z
    .strictObject({
      type: z.literal('vote'),
      rid,
      questionId: id,
      optionIds: z.array(id).min(1).max(MAX_VOTE_OPTIONS),
    })
    .meta({
      description:
        'Audience: vote on the live question (one option for a single-choice question). Acked once stored; a new vote replaces the previous one when the question allows it.',
    }),
  z
    .strictObject({
      type: z.literal('qa.ask'),
      rid,
      text: z.string().trim().min(1).max(500),
      anonymous: z.boolean().default(false),
    })
    .meta({ description: 'Audience: ask a question in the Q&A (pending until a moderator acts).' }),
  z
    .strictObject({ type: z.literal('qa.upvote'), rid, qaId: id })
    .meta({ description: 'Audience: upvote a Q&A item, once per person.' }),
  z
    .strictObject({ type: z.literal('question.push'), rid, questionId: id })
    .meta({ description: 'Host or speaker: make a question live (the live one closes first).' }),
  z.strictObject({ type: z.literal('question.close'), rid, questionId: id }).meta({
    description: 'Host or speaker: stop the voting on a question; its results are saved.',
  }),
  z
    .strictObject({ type: z.literal('question.reveal'), rid, questionId: id })
    .meta({ description: "Host or speaker: show a hidden question's results to the audience." }),
  z
    .strictObject({ type: z.literal('qa.moderate'), rid, qaId: id, action: z.enum(QA_ACTIONS) })
    .meta({ description: 'Host or speaker: approve, hide, answer, pin or unpin a Q&A item.' }),
])
export type ConferenceClientMessage = z.infer<typeof ConferenceClientMessageSchema>
export type VoteMessage = Extract<ConferenceClientMessage, { type: 'vote' }>
/** A request as a client writes it (defaults may be left out; the transport adds `rid`). */
export type ConferenceRequest = WithoutRid<z.input<typeof ConferenceClientMessageSchema>>

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

export const LiveQuestionSchema = z.strictObject({
  id: z.string(),
  text: z.string(),
  type: z.enum(['single', 'multiple']),
  options: z.array(z.strictObject({ id: z.string(), text: z.string() })),
  hideResults: z.boolean(),
  revealed: z.boolean(),
  allowVoteChange: z.boolean(),
  status: z.enum(QUESTION_STATUSES),
})
export type LiveQuestion = z.infer<typeof LiveQuestionSchema>

export const PollResultsSchema = z.strictObject({
  questionId: z.string(),
  counts: z.record(z.string(), z.number().int()).meta({ description: 'Votes per option id' }),
  totalResponses: z.number().int(),
})
export type PollResults = z.infer<typeof PollResultsSchema>

export const QaItemSchema = z.strictObject({
  id: z.string(),
  text: z.string(),
  authorName: z.string().nullable(),
  upvotes: z.number().int(),
  status: z.enum(['pending', 'approved', 'hidden', 'answered']),
  pinned: z.boolean(),
  createdAt: z.string(),
})
export type QaItem = z.infer<typeof QaItemSchema>

/** A full picture of the room, sent on join and to clients too far behind to replay. */
export const ConferenceSnapshotSchema = z.strictObject({
  conferenceId: z.string(),
  status: z.enum(CONFERENCE_STATUSES),
  liveQuestion: LiveQuestionSchema.nullable(),
  results: PollResultsSchema.nullable(),
  audienceCount: z.number().int(),
  qa: z.array(QaItemSchema),
  you: z.strictObject({
    role: z.enum(CONFERENCE_ROLES),
    votes: z
      .record(z.string(), z.array(z.string()))
      .meta({ description: 'Option ids by question id' }),
    upvoted: z.array(z.string()),
  }),
})
export type ConferenceSnapshot = z.infer<typeof ConferenceSnapshotSchema>

/**
 * The room's counts: audience size and the live question's tally (null while hidden from the
 * audience). State, not an event: it carries no `seq` and is never replayed, since the next one
 * supersedes it; a client reconnecting with `since` gets the current one after its replay.
 */
export const RoomStatsSchema = z
  .strictObject({
    type: z.literal('room.stats'),
    audienceCount: z.number().int(),
    results: PollResultsSchema.nullable(),
  })
  .meta({
    description:
      "The room's counts: audience size and the live question's tally (null while hidden from the audience). State, not an event: no `seq`, never replayed; the next one supersedes it. Hosts and speakers get it within a tick of each stored batch of votes, the audience about once a second.",
  })
export type RoomStats = z.infer<typeof RoomStatsSchema>

const ConferenceSnapshotMessageSchema = z
  .strictObject({
    type: z.literal('conference.snapshot'),
    seq: SeqSchema,
    snapshot: ConferenceSnapshotSchema,
  })
  .meta({
    description:
      'The whole room as this socket may see it: sent after `welcome` when the socket did not ask to replay (`since`), or asked from further back than the room keeps. It replaces whatever the client held.',
  })

const questionId = z.string()

/** Events the room numbers, logs and replays (to everyone, or to staff and audience apart). */
export const ConferenceEventSchema = z.discriminatedUnion('type', [
  z
    .strictObject({
      type: z.literal('question.live'),
      seq: SeqSchema,
      question: LiveQuestionSchema,
      audienceCount: z.number().int(),
    })
    .meta({ description: "A question went live (it stands for that moment's `room.stats` too)." }),
  z
    .strictObject({
      type: z.literal('question.closed'),
      seq: SeqSchema,
      questionId,
      results: PollResultsSchema.nullable(),
    })
    .meta({
      description:
        'Voting on a question stopped. The audience gets null results while they are hidden.',
    }),
  z
    .strictObject({
      type: z.literal('results.revealed'),
      seq: SeqSchema,
      questionId,
      results: PollResultsSchema,
    })
    .meta({ description: "A hidden question's results are shown to everyone." }),
  z
    .strictObject({ type: z.literal('qa.new'), seq: SeqSchema, item: QaItemSchema })
    .meta({ description: 'A question was asked in the Q&A.' }),
  z
    .strictObject({ type: z.literal('qa.updated'), seq: SeqSchema, item: QaItemSchema })
    .meta({ description: 'A Q&A item changed: upvoted or moderated.' }),
  z
    .strictObject({ type: z.literal('qa.removed'), seq: SeqSchema, qaId: z.string() })
    .meta({ description: 'Audience: a Q&A item was hidden by a moderator.' }),
  z.strictObject({ type: z.literal('conference.ended'), seq: SeqSchema }).meta({
    description:
      'The conference ended; participant sockets are closed next (4410) and their tokens admit nobody any more.',
  }),
])
export type ConferenceEvent = z.infer<typeof ConferenceEventSchema>
/** An event as the room emits it, before it is numbered. */
export type ConferenceEventInput = Unnumbered<ConferenceEvent>

const questionState = (status: 'ACTIVE' | 'CLOSED') => ({
  questionId,
  status: z.literal(status),
})

/** The ack each request is answered with. */
export const CONFERENCE_ACKS = {
  vote: ackSchema(
    {
      questionId,
      optionIds: z.array(z.string()),
      replaced: z.boolean().meta({ description: 'Whether it replaced an earlier vote' }),
    },
    'The vote is stored.',
  ),
  'qa.ask': ackSchema({ qaId: z.string() }, 'The question is in the Q&A.'),
  'qa.upvote': ackSchema({ qaId: z.string() }, 'The upvote is counted.'),
  'question.push': ackSchema(questionState('ACTIVE'), 'The question is live.'),
  'question.close': ackSchema(
    { ...questionState('CLOSED'), results: PollResultsSchema },
    'The question is closed; its final results.',
  ),
  'question.reveal': ackSchema(
    { questionId, revealed: z.literal(true) },
    'The results are shown to the audience.',
  ),
  'qa.moderate': ackSchema(
    { qaId: z.string(), action: z.enum(QA_ACTIONS) },
    'The moderation is applied.',
  ),
} as const satisfies Record<ConferenceClientMessage['type'], z.ZodObject>
/** What a request's handler answers: the fields of its ack. */
export type ConferenceAck<Type extends ConferenceClientMessage['type']> = AckFields<
  typeof CONFERENCE_ACKS,
  Type
>
/** The ack frame answering a request of `Type`. */
export type ConferenceAckMessage<Type extends ConferenceClientMessage['type']> = z.infer<
  (typeof CONFERENCE_ACKS)[Type]
>

/** Everything a ConferenceRoom may send; its `send` and `broadcast` take only these. */
export const ConferenceServerMessageSchema = z.union([
  z.discriminatedUnion('type', [
    ...BASE_SERVER_MESSAGES,
    ConferenceSnapshotMessageSchema,
    RoomStatsSchema,
    ...ConferenceEventSchema.options,
  ]),
  ...Object.values(CONFERENCE_ACKS),
])
export type ConferenceServerMessage = z.infer<typeof ConferenceServerMessageSchema>
/** What a client hands its page: everything but the transport's own frames. */
export type ConferenceRoomEvent = Exclude<
  ConferenceServerMessage,
  { type: 'ack' | 'error' | 'pong' | 'welcome' }
>

export const CONFERENCE_PROTOCOL: RoomProtocol = {
  kind: 'conference',
  description:
    'One live conference: the live question and its votes, the audience count and the Q&A. Hosts and speakers run it; the audience votes, asks and upvotes. Events go to everyone or to staff and audience apart (the audience does not see hidden results or hidden Q&A items).',
  idDescription: "The conference's id",
  tickets: [
    {
      method: 'POST',
      path: '/api/conference/by-code/{code}/join',
      description: 'Join by the code on the screen: a participant token and a first ticket.',
    },
    {
      method: 'POST',
      path: '/api/conference/{id}/ticket',
      description:
        'A fresh ticket for every (re)connection: signed in (hosts, speakers, accounts), or with the participant token.',
    },
  ],
  replay:
    "Every event after `since` that the socket's role may see, in order, then the current `room.stats`. Without `since`, or from further back than the room keeps, a `conference.snapshot` instead.",
  requests: ConferenceClientMessageSchema.options,
  frameBudgets: CONFERENCE_FRAME_BUDGETS,
  senders: MESSAGE_ROLES,
  acks: CONFERENCE_ACKS,
  events: ConferenceEventSchema.options,
  frames: [ConferenceSnapshotMessageSchema, RoomStatsSchema],
  closeCodes: {},
}
