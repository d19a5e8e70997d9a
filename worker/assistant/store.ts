// Assistant chat history: one document per user and client-chosen session id, holding the whole
// conversation; feedback sits beside the messages so a client re-saving them never erases it.
import type { Collection, Db, ObjectId } from 'mongodb'

export interface ChatHistoryMessage {
  id: string
  role: 'user' | 'assistant' | 'system'
  content: string
  createdAt: Date
}

export interface MessageFeedback {
  rating: 'positive' | 'negative'
  comment?: string
  at: Date
}

export interface ChatHistoryDoc {
  _id: ObjectId
  userId: ObjectId
  sessionId: string
  title: string
  preview: string
  messages: ChatHistoryMessage[]
  /** Kept beside the messages so lists need not load them. */
  messageCount: number
  /** Keyed by message id (ids are restricted to characters safe in a field name). */
  feedback: Record<string, MessageFeedback>
  createdAt: Date
  updatedAt: Date
}

export const chatHistories = (db: Db): Collection<ChatHistoryDoc> =>
  db.collection<ChatHistoryDoc>('chat_histories')

const feedbackView = (f: MessageFeedback | undefined) =>
  f ? { rating: f.rating, comment: f.comment ?? null, at: f.at.toISOString() } : null

export function sessionSummary(doc: Omit<ChatHistoryDoc, 'messages' | 'feedback'>) {
  return {
    id: doc._id.toHexString(),
    sessionId: doc.sessionId,
    title: doc.title,
    preview: doc.preview,
    messageCount: doc.messageCount,
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  }
}

export function sessionView(doc: ChatHistoryDoc) {
  return {
    ...sessionSummary(doc),
    messages: doc.messages.map((m) => ({
      id: m.id,
      role: m.role,
      content: m.content,
      createdAt: m.createdAt.toISOString(),
      feedback: feedbackView(doc.feedback?.[m.id]),
    })),
  }
}
