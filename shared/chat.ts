// The conversation protocol (ChatConversation): what members send and what the room broadcasts.
import { z } from 'zod'
import { BASE_FRAME_BUDGETS, type FrameBudgetTable, RequestIdSchema } from './realtime'

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
  SendMessageSchema.extend({ type: z.literal('message.send'), rid }),
  z.strictObject({ type: z.literal('message.delivered'), rid, seq }),
  z.strictObject({ type: z.literal('message.read'), rid, seq }),
  z.strictObject({ type: z.literal('typing'), rid, active: z.boolean() }),
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

export interface ChatMessage {
  id: string
  conversationId: string
  seq: number
  senderId: string
  text: string
  attachments: string[]
  clientId: string | null
  createdAt: string
  deleted: boolean
}

/** How long a typing indicator lasts unless renewed; clients hide it after `until`. */
export const TYPING_TTL_MS = 5000
