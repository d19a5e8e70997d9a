// The conversation protocol (ChatConversation): what members send and what the room broadcasts.
import { z } from 'zod'
import {
  ackSchema,
  BASE_FRAME_BUDGETS,
  BASE_SERVER_MESSAGES,
  type FrameBudgetTable,
  RequestIdSchema,
  type RoomProtocol,
  SeqSchema,
} from './realtime'

/** @public A protocol limit, for clients. */
export const MAX_MESSAGE_CHARS = 4000
/** @public A protocol limit, for clients. */
export const MAX_ATTACHMENTS = 10

const rid = RequestIdSchema.optional()
const seq = z.number().int().min(0)

export const SendMessageSchema = z.strictObject({
  text: z.string().max(MAX_MESSAGE_CHARS).default(''),
  attachments: z
    .array(z.string().regex(/^[0-9a-f]{24}$/i, 'must be a media id'))
    .max(MAX_ATTACHMENTS)
    .default([]),
  /** The client's id for this message: a retried send with the same id is stored once. */
  clientId: z.string().min(1).max(64).optional(),
})

export const ChatClientMessageSchema = z.discriminatedUnion('type', [
  SendMessageSchema.extend({ type: z.literal('message.send'), rid }).meta({
    description:
      'Send a message (text, attachments of your own uploaded media, or both). Acked once stored here, with its seq.',
  }),
  z.strictObject({ type: z.literal('message.delivered'), rid, seq }).meta({
    description: 'Every message up to `seq` reached this device (cumulative).',
  }),
  z.strictObject({ type: z.literal('message.read'), rid, seq }).meta({
    description: 'Every message up to `seq` was read (cumulative).',
  }),
  z.strictObject({ type: z.literal('typing'), rid, active: z.boolean() }).meta({
    description:
      'Typing started (repeat within 5 s to keep it shown) or stopped. Never acked; only errors answer it.',
  }),
])
export type ChatClientMessage = z.infer<typeof ChatClientMessageSchema>

/** Each socket's budget per frame type (shared/realtime.ts FrameBudget). */
export const CHAT_FRAME_BUDGETS: FrameBudgetTable<ChatClientMessage['type']> = {
  ...BASE_FRAME_BUDGETS,
  // 4× the room's per-sender limit (20, then 5 a second): that limit, which answers every send it
  // refuses, is what a fast sender meets; this only stops a flood from one socket.
  'message.send': { burst: 80, perSecond: 20 },
  // A client may acknowledge every message as it arrives, and a busy group brings tens a second.
  // Receipts are cumulative: a refused one is made good by the next.
  'message.delivered': { burst: 100, perSecond: 30 },
  'message.read': { burst: 100, perSecond: 30 },
  // A naive client sends one per keystroke (a fast typist's 10 a second); each stop reaches every
  // member.
  typing: { burst: 30, perSecond: 10 },
}

export const ChatMessageSchema = z.strictObject({
  id: z.string(),
  conversationId: z.string(),
  seq: SeqSchema,
  senderId: z.string(),
  text: z.string(),
  attachments: z.array(z.string()).meta({ description: 'Media ids' }),
  clientId: z.string().nullable(),
  createdAt: z.string(),
  deleted: z.boolean(),
})
export type ChatMessage = z.infer<typeof ChatMessageSchema>

/** Messages up to these seqs reached (`delivered`) and were read by (`read`) one member. */
const ReceiptSchema = z.strictObject({ delivered: SeqSchema, read: SeqSchema })

/** Messages carry their own seq; the other frames carry the latest seq as a position. */
const latestSeq = SeqSchema.meta({ description: "The conversation's latest seq when it was sent" })

/** Numbered by the message's own seq, and replayed after `since`. */
const ChatEventSchema = z.discriminatedUnion('type', [
  z
    .strictObject({ type: z.literal('message.new'), seq: SeqSchema, message: ChatMessageSchema })
    .meta({
      description:
        'A message, numbered by its own seq. A socket opened with `since` first gets every message after it, in order.',
    }),
])

/** Frames that report a change but are not replayed: `sync.complete` brings receipts up to date. */
const ChatFrameSchema = z.discriminatedUnion('type', [
  z
    .strictObject({
      type: z.literal('sync.complete'),
      seq: latestSeq,
      receipts: z.record(z.string(), ReceiptSchema).meta({ description: 'By member id' }),
    })
    .meta({
      description:
        "Sent after `welcome` (and after the replay when the socket gave `since`): the client is up to date; every member's receipts.",
    }),
  z
    .strictObject({ type: z.literal('message.deleted'), seq: latestSeq, messageSeq: SeqSchema })
    .meta({ description: 'A message was deleted by its sender.' }),
  z
    .strictObject({
      type: z.literal('receipt.updated'),
      seq: latestSeq,
      userId: z.string(),
      deliveredSeq: SeqSchema,
      readSeq: SeqSchema,
    })
    .meta({ description: "A member's delivery or read receipt moved forward." }),
  z
    .strictObject({
      type: z.literal('typing.changed'),
      seq: latestSeq,
      userId: z.string(),
      active: z.boolean(),
      until: z.string().nullable().meta({ description: 'Hide the indicator after this time' }),
    })
    .meta({ description: 'Another member started or stopped typing.' }),
])

const receiptAck = ackSchema({}, 'The receipt is recorded.')

/** The ack each request is answered with (`typing` gets none). */
export const CHAT_ACKS = {
  'message.send': ackSchema(
    { seq: SeqSchema, id: z.string(), createdAt: z.string() },
    'The message is stored, with its seq and id (the earlier ones for a retried `clientId`).',
  ),
  'message.delivered': receiptAck,
  'message.read': receiptAck,
} as const satisfies Partial<Record<ChatClientMessage['type'], z.ZodObject>>

/** Everything a ChatConversation may send; its `send` and `broadcast` take only these. */
export const ChatServerMessageSchema = z.union([
  z.discriminatedUnion('type', [
    ...BASE_SERVER_MESSAGES,
    ...ChatEventSchema.options,
    ...ChatFrameSchema.options,
  ]),
  CHAT_ACKS['message.send'],
  receiptAck,
])
export type ChatServerMessage = z.infer<typeof ChatServerMessageSchema>

/** Why the conversation closes a socket, beside shared/realtime.ts CLOSE_CODES. */
export const CHAT_CLOSE_CODES = {
  /** The socket's user is not (or no longer) a member of the conversation. */
  NOT_A_MEMBER: 4003,
} as const

export const CHAT_PROTOCOL: RoomProtocol = {
  kind: 'chat',
  description:
    'One conversation, direct or group: messages numbered by seq and acknowledged once stored, delivery and read receipts, typing indicators. A member reconnecting with `since` gets exactly the messages it missed.',
  idDescription: "The conversation's id",
  tickets: [
    {
      method: 'POST',
      path: '/api/chat/conversations/{id}/ticket',
      description: "A member's ticket, for every (re)connection.",
    },
  ],
  replay: 'Every message after `since` (`message.new`, in order), then `sync.complete`.',
  requests: ChatClientMessageSchema.options,
  frameBudgets: CHAT_FRAME_BUDGETS,
  acks: CHAT_ACKS,
  events: ChatEventSchema.options,
  frames: ChatFrameSchema.options,
  closeCodes: {
    [CHAT_CLOSE_CODES.NOT_A_MEMBER]: 'Not (or no longer) a member of the conversation',
  },
}

/** How long a typing indicator lasts unless renewed; clients hide it after `until`. */
export const TYPING_TTL_MS = 5000
