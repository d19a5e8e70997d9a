// Sanora `conversations` and `messages` → `conversations`, `messages` and `conversation_reads`.
// Ours number a conversation's messages by `seq` (1, 2, …): an imported message's seq is its place
// in its conversation in `_id` order (the order the old system wrote them), counted on the legacy
// source, so every batch and every re-run gives the same numbers. The conversation's `lastSeq` is
// its message count; its `lastMessage` and each member's read position are set by the messages
// step (a guarded update that stops matching once applied, so a re-run changes nothing).
// `roomPending` tells the chat routes to hand the conversation's members and lastSeq to its room
// object (which has never seen an imported conversation) when a member first lists or opens it
// (worker/chat/routes.ts).
import type { Db, ObjectId } from 'mongodb'
import { directKey, type ConversationDoc, type MessageDoc, type ReadDoc } from '../../chat/store'
import { asDate, objectIds, unknownFields } from '../legacy-fields'
import type { LegacySource } from '../legacy-source'
import type { Fields, LegacyDoc, Note, Output, Ref, Step, Transformed } from '../step'
import { countByAny, derivedId, firstId, firstString, timestamps } from './social-fields'

const MEMBER_FIELDS = ['participants', 'members', 'users'] as const
const ADMIN_FIELDS = ['admins', 'groupAdmins', 'groupAdmin'] as const
const NAME_FIELDS = ['groupName', 'name'] as const
const CONVERSATION_FIELDS = ['conversation', 'conversationId', 'chat'] as const
const SENDER_FIELDS = ['sender', 'senderId', 'from', 'user'] as const
const TEXT_FIELDS = ['text', 'content', 'message'] as const
const READ_BY_FIELDS = ['readBy', 'seenBy'] as const
const RECIPIENT_FIELDS = ['receiver', 'recipient', 'to'] as const

/** Each member's read position: one document per conversation and member, made once here. */
export const readId = (conversation: ObjectId, user: ObjectId) =>
  derivedId('conversation_read', String(conversation), String(user))

const membersOf = (doc: Fields) => {
  const field = MEMBER_FIELDS.find((f) => Array.isArray(doc[f]))
  const ids = field ? objectIds(doc[field]) : []
  return [...new Map(ids.map((id) => [String(id), id])).values()]
}

export interface ConversationsPrepared {
  counts: Map<string, number>
  /** Direct pairs already imported under another id: the id kept for each. */
  pairs: Map<string, string>
}

async function prepareConversations(
  batch: LegacyDoc[],
  source: LegacySource,
  target: Db,
): Promise<ConversationsPrepared> {
  const counts = await countByAny(
    source,
    'messages',
    CONVERSATION_FIELDS,
    batch.map((d) => d._id),
  )
  const keys = batch.flatMap((d) => {
    const members = membersOf(d)
    return isDirect(d, members) ? [directKey(members[0]!, members[1]!)] : []
  })
  const stored = keys.length
    ? await target
        .collection<ConversationDoc>('conversations')
        .find({ directKey: { $in: keys } }, { projection: { directKey: 1 } })
        .toArray()
    : []
  const pairs = new Map(stored.map((c) => [c.directKey!, String(c._id)]))
  for (const d of batch) {
    const members = membersOf(d)
    if (!isDirect(d, members)) continue
    const key = directKey(members[0]!, members[1]!)
    if (!pairs.has(key)) pairs.set(key, String(d._id))
  }
  return { counts, pairs }
}

function isDirect(doc: Fields, members: ObjectId[]) {
  const group = doc.isGroup === true || doc.isGroupChat === true || doc.type === 'group'
  return !group && members.length === 2
}

export function transformConversation(
  doc: LegacyDoc,
  prepared: ConversationsPrepared,
): Transformed {
  const id = String(doc._id)
  const members = membersOf(doc)
  if (members.length === 0) return { skip: 'no participants', outputs: [] }
  const direct = isDirect(doc, members)
  const notes: Note[] = []
  if (!direct && members.length < 2 && doc.isGroup !== true)
    notes.push({ kind: 'conversation of one participant, imported as a group', detail: { id } })
  const key = direct ? directKey(members[0]!, members[1]!) : undefined
  if (key && prepared.pairs.get(key) !== id)
    return {
      skip: 'a second conversation of the same two people',
      outputs: [],
      notes: [
        {
          kind: 'second direct conversation of a pair not imported (ours have one per pair)',
          detail: { id, kept: prepared.pairs.get(key) },
        },
      ],
    }
  const { createdAt, updatedAt } = timestamps(doc)
  const admins = ADMIN_FIELDS.flatMap((f) =>
    Array.isArray(doc[f]) ? objectIds(doc[f]) : (firstId(doc, [f]) ?? []),
  ).filter((a) => members.some((m) => m.equals(a)))
  const createdBy = firstId(doc, ['createdBy', 'creator']) ?? admins[0] ?? members[0]!
  const conversation: ConversationDoc & { roomPending: true; legacy: Fields } = {
    _id: doc._id,
    type: direct ? 'direct' : 'group',
    members,
    admins: direct ? [] : admins.length > 0 ? admins : [createdBy],
    createdBy,
    lastSeq: prepared.counts.get(id) ?? 0,
    lastActivityAt: asDate(doc.lastMessageAt) ?? updatedAt,
    createdAt,
    updatedAt,
    roomPending: true,
    legacy: unknownFields(doc, [
      ...MEMBER_FIELDS,
      ...ADMIN_FIELDS,
      ...NAME_FIELDS,
      'isGroup',
      'isGroupChat',
      'type',
      'createdBy',
      'creator',
      'lastMessageAt',
      'createdAt',
      'updatedAt',
    ]),
  }
  if (key) conversation.directKey = key
  const name = firstString(doc, NAME_FIELDS)
  if (name && !direct) conversation.name = name
  const reads: Output[] = members.map((userId) => {
    const read: ReadDoc = {
      _id: readId(doc._id, userId),
      conversationId: doc._id,
      userId,
      readSeq: 0,
      deliveredSeq: 0,
    }
    return {
      collection: 'conversation_reads',
      mode: 'insert-once',
      key: '_id',
      document: { ...read },
    }
  })
  const refs: Ref[] = members.map((m) => ({
    field: 'participants',
    db: 'sanora',
    collection: 'users',
    id: m,
  }))
  return {
    outputs: [{ collection: 'conversations', document: { ...conversation } }, ...reads],
    refs,
    notes,
  }
}

export const sanoraConversations: Step<ConversationsPrepared> = {
  name: 'sanora.conversations',
  group: 'social',
  db: 'sanora',
  collection: 'conversations',
  prepare: prepareConversations,
  transform: (doc, _ctx, prepared) => transformConversation(doc, prepared),
}

export interface MessagesPrepared {
  /** Imported conversations, by hex, with their members. */
  conversations: Map<string, ObjectId[]>
  seqs: Map<string, number>
  totals: Map<string, number>
  /** `<conversation>:<member>` → the message of the batch that sets the member's read position. */
  readers: Map<string, { message: string; seq: number }>
}

/**
 * Who had read a message: its sender, the `readBy` list, or, for a message marked `read`, its
 * recipient (or, in a 1:1, the other member).
 */
function readersOf(doc: LegacyDoc, senderId: ObjectId | undefined, members: ObjectId[]) {
  const readers = [...(senderId ? [senderId] : [])]
  const field = READ_BY_FIELDS.find((f) => Array.isArray(doc[f]))
  if (field) readers.push(...objectIds(doc[field]))
  if (doc.read === true || doc.isRead === true || doc.seen === true) {
    const recipient = firstId(doc, RECIPIENT_FIELDS)
    if (recipient) readers.push(recipient)
    else if (members.length === 2 && senderId)
      readers.push(...members.filter((m) => !m.equals(senderId)))
  }
  return readers.filter((r) => members.some((m) => m.equals(r)))
}

/**
 * Of conversations not (yet) here, those the conversations step imports, with their members, read
 * from the legacy source: on a dry run nothing was written, and a real run finds none but the
 * skipped ones (a second conversation of a pair, one without participants, a missing one).
 */
async function importableConversations(
  ids: ObjectId[],
  source: LegacySource,
  target: Db,
): Promise<Map<string, ObjectId[]>> {
  const out = new Map<string, ObjectId[]>()
  if (ids.length === 0) return out
  for (const doc of await source.find('sanora', 'conversations', { _id: { $in: ids } })) {
    const members = membersOf(doc)
    if (members.length === 0) continue
    if (isDirect(doc, members)) {
      const key = directKey(members[0]!, members[1]!)
      const here = await target
        .collection<ConversationDoc>('conversations')
        .findOne({ directKey: key }, { projection: { _id: 1 } })
      if (here && !here._id.equals(doc._id)) continue
      const pair = { $all: members, $size: 2 }
      const earlier = await source.find('sanora', 'conversations', {
        _id: { $lt: doc._id },
        $or: MEMBER_FIELDS.map((f) => ({ [f]: pair })),
      })
      if (earlier.some((e) => isDirect(e, membersOf(e)))) continue
    }
    out.set(String(doc._id), members)
  }
  return out
}

async function prepareMessages(
  batch: LegacyDoc[],
  source: LegacySource,
  target: Db,
): Promise<MessagesPrepared> {
  const convIds = [
    ...new Map(
      batch.flatMap((d) => firstId(d, CONVERSATION_FIELDS) ?? []).map((id) => [String(id), id]),
    ).values(),
  ]
  const [imported, before, totals] = await Promise.all([
    convIds.length
      ? target
          .collection<ConversationDoc>('conversations')
          .find({ _id: { $in: convIds } }, { projection: { members: 1 } })
          .toArray()
      : [],
    countByAny(source, 'messages', CONVERSATION_FIELDS, convIds, { _id: { $lt: batch[0]!._id } }),
    countByAny(source, 'messages', CONVERSATION_FIELDS, convIds),
  ])
  const conversations = new Map(imported.map((c) => [String(c._id), c.members]))
  const missing = convIds.filter((id) => !conversations.has(String(id)))
  for (const [id, members] of await importableConversations(missing, source, target))
    conversations.set(id, members)
  const seqs = new Map<string, number>()
  const readers = new Map<string, { message: string; seq: number }>()
  const next = new Map(before)
  for (const d of batch) {
    const conv = firstId(d, CONVERSATION_FIELDS)
    if (!conv) continue
    const seq = (next.get(String(conv)) ?? 0) + 1
    next.set(String(conv), seq)
    seqs.set(String(d._id), seq)
    const members = conversations.get(String(conv)) ?? []
    for (const r of readersOf(d, firstId(d, SENDER_FIELDS), members))
      readers.set(`${String(conv)}:${String(r)}`, { message: String(d._id), seq })
  }
  return { conversations, seqs, totals, readers }
}

export function transformMessage(doc: LegacyDoc, prepared: MessagesPrepared): Transformed {
  const id = String(doc._id)
  const conversationId = firstId(doc, CONVERSATION_FIELDS)
  if (!conversationId) return { skip: 'no conversation', outputs: [] }
  const members = prepared.conversations.get(String(conversationId))
  const ref: Ref = {
    field: 'conversation',
    db: 'sanora',
    collection: 'conversations',
    id: conversationId,
  }
  if (!members) return { skip: 'conversation not imported', outputs: [], refs: [ref] }
  const senderId = firstId(doc, SENDER_FIELDS)
  if (!senderId) return { skip: 'no sender', outputs: [] }
  const seq = prepared.seqs.get(id)!
  const { createdAt } = timestamps(doc)
  const deleted = doc.isDeleted === true || doc.deleted === true
  const text = deleted ? '' : (firstString(doc, TEXT_FIELDS) ?? '')
  const notes: Note[] = []
  const message: MessageDoc & { legacy: Fields } = {
    _id: doc._id,
    conversationId,
    seq,
    senderId,
    text,
    // Ours are media records; the old attachments (URLs) are kept under `legacy`.
    attachments: [],
    createdAt,
    legacy: unknownFields(doc, [
      ...CONVERSATION_FIELDS,
      ...SENDER_FIELDS,
      ...TEXT_FIELDS,
      ...READ_BY_FIELDS,
      ...RECIPIENT_FIELDS,
      'read',
      'isRead',
      'seen',
      'isDeleted',
      'deleted',
      'deletedAt',
      'createdAt',
      'updatedAt',
    ]),
  }
  if (deleted) message.deletedAt = asDate(doc.deletedAt) ?? timestamps(doc).updatedAt
  if (!members.some((m) => m.equals(senderId)))
    notes.push({ kind: 'message from someone not in the conversation', detail: { id } })
  const outputs: Output[] = [{ collection: 'messages', document: { ...message } }]
  if (seq === prepared.totals.get(String(conversationId)))
    outputs.push({
      collection: 'conversations',
      mode: 'update-matching',
      // Never over a later message sent here since.
      filter: {
        _id: conversationId,
        $or: [{ lastMessage: { $exists: false } }, { 'lastMessage.seq': { $lt: seq } }],
      },
      update: {
        $set: {
          lastMessage: { seq, senderId, text: text.slice(0, 200), at: createdAt },
          lastActivityAt: createdAt,
        },
      },
    })
  for (const member of members) {
    const reader = prepared.readers.get(`${String(conversationId)}:${String(member)}`)
    if (reader?.message !== id) continue
    outputs.push({
      collection: 'conversation_reads',
      mode: 'update-matching',
      filter: { _id: readId(conversationId, member), readSeq: { $lt: seq } },
      update: { $max: { readSeq: seq, deliveredSeq: seq } },
    })
  }
  return {
    outputs,
    refs: [ref, { field: 'sender', db: 'sanora', collection: 'users', id: senderId }],
    notes,
  }
}

export const sanoraMessages: Step<MessagesPrepared> = {
  name: 'sanora.messages',
  group: 'social',
  db: 'sanora',
  collection: 'messages',
  prepare: prepareMessages,
  transform: (doc, _ctx, prepared) => transformMessage(doc, prepared),
}
