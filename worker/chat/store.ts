// Conversations (1:1 and groups), their messages and each member's read position.
import { ObjectId, type Collection, type Db } from 'mongodb'

export interface ConversationDoc {
  _id: ObjectId
  type: 'direct' | 'group'
  members: ObjectId[]
  admins: ObjectId[]
  name?: string
  /** Sorted member ids of a 1:1 conversation: one per pair (unique index). */
  directKey?: string
  conferenceId?: ObjectId
  createdBy: ObjectId
  lastSeq: number
  lastMessage?: { seq: number; senderId: ObjectId; text: string; at: Date }
  lastActivityAt: Date
  createdAt: Date
  updatedAt: Date
  /**
   * Set on a conversation imported from the old system: its room object does not know its members
   * or its messages' seqs until the first request hands them over (then it is unset).
   */
  roomPending?: boolean
}

export interface MessageDoc {
  _id: ObjectId
  conversationId: ObjectId
  seq: number
  senderId: ObjectId
  text: string
  attachments: ObjectId[]
  clientId?: string
  createdAt: Date
  deletedAt?: Date
}

export interface ReadDoc {
  _id: ObjectId
  conversationId: ObjectId
  userId: ObjectId
  readSeq: number
  deliveredSeq: number
}

export const conversations = (db: Db): Collection<ConversationDoc> =>
  db.collection<ConversationDoc>('conversations')
export const messages = (db: Db): Collection<MessageDoc> => db.collection<MessageDoc>('messages')
export const reads = (db: Db): Collection<ReadDoc> => db.collection<ReadDoc>('conversation_reads')

export const directKey = (a: ObjectId, b: ObjectId) =>
  [a.toHexString(), b.toHexString()].sort().join(':')

export function findMemberConversation(db: Db, id: string, userId: ObjectId) {
  if (!ObjectId.isValid(id)) return Promise.resolve(null)
  return conversations(db).findOne({ _id: new ObjectId(id), members: userId })
}
