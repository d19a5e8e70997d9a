// The Worker's handle on a conversation's ChatConversation object, and the conversation view a
// member sees (last message and unread count).
import type { Context } from 'hono'
import type { ObjectId } from 'mongodb'
import type { AppEnv } from '../env'
import { reads, type ConversationDoc } from './store'

export function chatRoomOf(c: Context<AppEnv>, conversationId: string) {
  const ns = c.env.CHAT_CONVERSATION
  return ns.get(ns.idFromName(conversationId))
}

/** Tells the conversation's object who its members are (after any membership change). */
export async function syncMembers(c: Context<AppEnv>, conversation: ConversationDoc) {
  await chatRoomOf(c, conversation._id.toHexString()).setup(
    conversation._id.toHexString(),
    conversation.type,
    conversation.members.map((m) => m.toHexString()),
    conversation.lastSeq,
  )
}

export async function publicConversations(
  c: Context<AppEnv>,
  userId: ObjectId,
  docs: ConversationDoc[],
) {
  const db = await c.get('services').database.db()
  const positions = await reads(db)
    .find({ userId, conversationId: { $in: docs.map((d) => d._id) } })
    .toArray()
  const readSeq = new Map(positions.map((p) => [p.conversationId.toHexString(), p.readSeq]))
  return docs.map((d) =>
    publicConversation(d, Math.max(0, d.lastSeq - (readSeq.get(d._id.toHexString()) ?? 0))),
  )
}

export function publicConversation(d: ConversationDoc, unreadCount?: number) {
  return {
    id: d._id.toHexString(),
    _id: d._id.toHexString(),
    type: d.type,
    name: d.name ?? null,
    members: d.members.map((m) => m.toHexString()),
    admins: d.admins.map((m) => m.toHexString()),
    conferenceId: d.conferenceId?.toHexString() ?? null,
    lastSeq: d.lastSeq,
    lastMessage: d.lastMessage
      ? {
          seq: d.lastMessage.seq,
          senderId: d.lastMessage.senderId.toHexString(),
          text: d.lastMessage.text,
          at: d.lastMessage.at.toISOString(),
        }
      : null,
    unreadCount: unreadCount ?? null,
    lastActivityAt: d.lastActivityAt.toISOString(),
    createdAt: d.createdAt.toISOString(),
  }
}
