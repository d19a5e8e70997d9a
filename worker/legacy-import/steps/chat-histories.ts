// Videodesk `chathistories` → `chat_histories` (worker/assistant/store.ts): one document per user
// and session id, messages with their feedback. Ids kept; the user is remapped as a meeting's
// owner is, and a history of no existing user is skipped and reported.
import type { ObjectId } from 'mongodb'
import type { ChatHistoryDoc, ChatHistoryMessage, MessageFeedback } from '../../assistant/store'
import { asDate, asObjectId, asString, unknownFields } from '../legacy-fields'
import type { Fields, Step, Transformed } from '../step'
import { resolveVideodeskOwners, videodeskOwnerHere } from '../videodesk-owners'

const KNOWN = [
  'user',
  'userId',
  'sessionId',
  'title',
  'preview',
  'messages',
  'createdAt',
  'updatedAt',
]

/** Message ids become feedback keys: only what the API itself accepts (routes.ts `ClientId`). */
const SAFE_ID = /^[A-Za-z0-9_-]{1,100}$/

const ROLES = new Set(['user', 'assistant', 'system'])

const userOf = (doc: Fields) => asObjectId(doc.userId) ?? asObjectId(doc.user)

function feedbackOf(raw: unknown, fallbackAt: Date): MessageFeedback | undefined {
  const f = (raw && typeof raw === 'object' ? raw : { rating: raw }) as Fields
  const value = asString(f.rating) ?? asString(f.type) ?? asString(f.value)
  const rating =
    value && ['positive', 'up', 'like', 'thumbs_up', 'good'].includes(value.toLowerCase())
      ? 'positive'
      : value && ['negative', 'down', 'dislike', 'thumbs_down', 'bad'].includes(value.toLowerCase())
        ? 'negative'
        : undefined
  if (!rating) return undefined
  const out: MessageFeedback = { rating, at: asDate(f.at) ?? asDate(f.createdAt) ?? fallbackAt }
  const comment = asString(f.comment)
  if (comment) out.comment = comment.slice(0, 1000)
  return out
}

export const videodeskChatHistories: Step<Map<string, ObjectId>> = {
  name: 'videodesk.chathistories',
  group: 'chathistories',
  db: 'videodesk',
  collection: 'chathistories',
  prepare: (batch, source, target) =>
    resolveVideodeskOwners(
      batch.flatMap((d) => userOf(d) ?? []),
      source,
      target,
    ),
  transform(doc, _ctx, owners): Transformed {
    const found = videodeskOwnerHere(userOf(doc), owners, 'user')
    if ('skip' in found) return found
    const { legacy: legacyUser, here: userId } = found
    const createdAt = asDate(doc.createdAt) ?? doc._id.getTimestamp()
    const messages: ChatHistoryMessage[] = []
    const feedback: Record<string, MessageFeedback> = {}
    const raw = Array.isArray(doc.messages) ? (doc.messages as unknown[]) : []
    raw.forEach((m, index) => {
      const msg = (m && typeof m === 'object' ? m : {}) as Fields
      const content = typeof msg.content === 'string' ? msg.content : asString(msg.text)
      if (content === undefined) return
      const given =
        asString(msg.id) ?? asString(msg.messageId) ?? asObjectId(msg._id)?.toHexString()
      const id = given && SAFE_ID.test(given) ? given : `m${index}`
      const role = asString(msg.role)?.toLowerCase() ?? asString(msg.sender)?.toLowerCase()
      const at = asDate(msg.createdAt) ?? asDate(msg.timestamp) ?? createdAt
      messages.push({
        id,
        role:
          role && ROLES.has(role)
            ? (role as ChatHistoryMessage['role'])
            : role === 'bot'
              ? 'assistant'
              : 'user',
        content,
        createdAt: at,
      })
      const rated = feedbackOf(msg.feedback, at)
      if (rated) feedback[id] = rated
    })
    const last = messages.at(-1)
    const history: ChatHistoryDoc & Fields = {
      _id: doc._id,
      userId,
      sessionId: asString(doc.sessionId) ?? String(doc._id),
      title: asString(doc.title) ?? 'Chat',
      preview: asString(doc.preview) ?? last?.content.slice(0, 200) ?? '',
      messages,
      messageCount: messages.length,
      feedback,
      createdAt,
      updatedAt: asDate(doc.updatedAt) ?? createdAt,
    }
    const legacy = unknownFields(doc, KNOWN)
    if (!legacyUser.equals(userId)) legacy.videodeskUser = legacyUser
    return { outputs: [{ collection: 'chat_histories', document: { ...history, legacy } }] }
  },
}
