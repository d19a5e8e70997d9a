// The conversation protocol (ChatConversation): what members send and what the room broadcasts.
import { z } from 'zod'
import { RequestIdSchema } from './realtime'

export const MAX_MESSAGE_CHARS = 4000
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
