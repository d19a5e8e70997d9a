// Messaging (/api/chat): conversations (1:1 and groups), membership, history, sending (REST or
// socket — both through the conversation's object), read positions and deleting your messages.
import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { ObjectId, type Filter } from 'mongodb'
import { SendMessageSchema } from '../../shared/chat'
import { chatRoomOf, publicConversation, publicConversations, syncMembers } from './room'
import { unwrap } from '../conference/room'
import { ConversationCursorSchema, encodeConversationCursor } from '../cursors'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { clientIp, enforceRateLimit } from '../middleware/rate-limit'
import { createRouter, errorResponses, jsonBody } from '../openapi'
import { accountIdentity, signRealtimeTicket } from '../realtime/tickets'
import { conversations, directKey, findMemberConversation, type ConversationDoc } from './store'
import { findUserById, users } from '../auth/users-store'
import { assertNoBlockWith } from '../social/blocks'
import { ObjectIdSchema } from '../../shared/ids'
import { authedRoute } from '../authed-route'
import { readPage } from '../paging'

const MAX_GROUP_MEMBERS = 500
const Params = z.object({ id: ObjectIdSchema })
export const SEND_LIMIT = { name: 'chat-send', limit: 60, window: '1 m' } as const

async function memberConversation(c: Context<AppEnv>, id: string) {
  const found = await findMemberConversation(
    await c.get('services').database.db(),
    id,
    c.get('user')._id,
  )
  // Non-members get the same answer as for a missing conversation.
  if (!found) throw new AppError('NOT_FOUND', 'Conversation not found')
  await readyRoom(c, found)
  return found
}

/**
 * An imported conversation's room has never seen it: it learns its members and last seq before
 * anything reads or sends through it (a listing readies its page, for sockets opened next).
 */
async function readyRoom(c: Context<AppEnv>, doc: ConversationDoc) {
  if (!doc.roomPending) return
  await syncMembers(c, doc)
  const db = await c.get('services').database.db()
  await conversations(db).updateOne({ _id: doc._id }, { $unset: { roomPending: '' } })
}

async function existingUsers(c: Context<AppEnv>, ids: string[]) {
  const db = await c.get('services').database.db()
  const unique = [...new Set(ids)].map((id) => new ObjectId(id))
  const found = await users(db).countDocuments({ _id: { $in: unique }, isActive: true })
  if (found !== unique.length)
    throw new AppError('VALIDATION_ERROR', 'Some users do not exist', [
      { path: 'memberIds', message: 'unknown user' },
    ])
  return unique
}

/** Creates or finds the 1:1 conversation between the caller and `otherId`. */
async function directConversation(c: Context<AppEnv>, otherId: ObjectId): Promise<ConversationDoc> {
  const me = c.get('user')._id
  if (otherId.equals(me))
    throw new AppError('BAD_REQUEST', 'You cannot start a conversation with yourself')
  const db = await c.get('services').database.db()
  const other = await findUserById(db, otherId)
  if (!other?.isActive) throw new AppError('NOT_FOUND', 'User not found')
  await assertNoBlockWith(db, me, { ids: [otherId] })
  const now = c.get('services').now()
  const key = directKey(me, otherId)
  // Upsert on the unique pair key: two people opening a chat at once get the same conversation.
  const doc = await conversations(db).findOneAndUpdate(
    { directKey: key },
    {
      $setOnInsert: {
        _id: new ObjectId(),
        type: 'direct',
        members: [me, otherId],
        admins: [],
        directKey: key,
        createdBy: me,
        lastSeq: 0,
        lastActivityAt: now,
        createdAt: now,
        updatedAt: now,
      },
    },
    { upsert: true, returnDocument: 'after' },
  )
  await syncMembers(c, doc!)
  return doc!
}

export const chat = createRouter()

chat.openapi(
  authedRoute({
    method: 'get',
    path: '/conversations',
    tags: ['Chat'],
    summary: 'Your conversations, most recent first, with last message and unread count',
    request: {
      query: z.object({
        cursor: ConversationCursorSchema.optional(),
        limit: z.coerce.number().int().min(1).max(100).default(20),
      }),
    },
    responses: { 200: { description: 'A page of conversations' } },
  }),
  async (c) => {
    const { cursor, limit } = c.req.valid('query')
    const me = c.get('user')._id
    const filter: Filter<ConversationDoc> = { members: me }
    if (cursor) {
      filter.$or = [
        { lastActivityAt: { $lt: cursor.at } },
        { lastActivityAt: cursor.at, _id: { $lt: cursor.id } },
      ]
    }
    const db = await c.get('services').database.db()
    const { items, nextCursor } = await readPage(
      conversations(db).find(filter).sort({ lastActivityAt: -1, _id: -1 }),
      limit,
      encodeConversationCursor,
    )
    await Promise.all(items.map((doc) => readyRoom(c, doc)))
    return c.json(
      { success: true, conversations: await publicConversations(c, me, items), nextCursor },
      200,
    )
  },
)

chat.openapi(
  authedRoute({
    method: 'post',
    path: '/conversations/direct',
    tags: ['Chat'],
    summary: 'Open (create or get) the 1:1 conversation with a user',
    request: jsonBody(z.strictObject({ userId: ObjectIdSchema })),
    responses: { 200: { description: 'The conversation' }, ...errorResponses(403, 404) },
  }),
  async (c) => {
    const doc = await directConversation(c, new ObjectId(c.req.valid('json').userId))
    return c.json({ success: true, conversation: publicConversation(doc) }, 200)
  },
)

chat.openapi(
  authedRoute({
    method: 'post',
    path: '/conversations/group',
    tags: ['Chat'],
    summary: 'Create a group; you are its first admin',
    request: jsonBody(
      z.strictObject({
        name: z.string().trim().min(1).max(100),
        memberIds: z
          .array(ObjectIdSchema)
          .min(1)
          .max(MAX_GROUP_MEMBERS - 1),
        adminIds: z.array(ObjectIdSchema).max(50).default([]),
      }),
    ),
    responses: { 201: { description: 'The conversation' }, ...errorResponses(403) },
  }),
  async (c) => {
    const body = c.req.valid('json')
    const me = c.get('user')._id
    const members = await existingUsers(c, [me.toHexString(), ...body.memberIds])
    // Before anything is written: a refused group leaves nothing behind.
    await assertNoBlockWith(await c.get('services').database.db(), me, { ids: members })
    const admins = [
      me,
      ...body.adminIds
        .filter((a) => members.some((m) => m.toHexString() === a))
        .map((a) => new ObjectId(a)),
    ]
    const now = c.get('services').now()
    const doc: ConversationDoc = {
      _id: new ObjectId(),
      type: 'group',
      name: body.name,
      members,
      admins: admins.filter((a, i) => admins.findIndex((b) => b.equals(a)) === i),
      createdBy: me,
      lastSeq: 0,
      lastActivityAt: now,
      createdAt: now,
      updatedAt: now,
    }
    await conversations(await c.get('services').database.db()).insertOne(doc)
    await syncMembers(c, doc)
    return c.json({ success: true, conversation: publicConversation(doc) }, 201)
  },
)

chat.openapi(
  authedRoute({
    method: 'get',
    path: '/conversations/{id}',
    tags: ['Chat'],
    summary: 'One of your conversations',
    request: { params: Params },
    responses: { 200: { description: 'The conversation' }, ...errorResponses(404) },
  }),
  async (c) => {
    const doc = await memberConversation(c, c.req.valid('param').id)
    const [withUnread] = await publicConversations(c, c.get('user')._id, [doc])
    return c.json({ success: true, conversation: withUnread }, 200)
  },
)

chat.openapi(
  authedRoute({
    method: 'post',
    path: '/conversations/{id}/members',
    tags: ['Chat'],
    summary: 'Add members to a group (admins)',
    request: {
      params: Params,
      ...jsonBody(z.strictObject({ userIds: z.array(ObjectIdSchema).min(1).max(100) })),
    },
    responses: {
      200: { description: 'The conversation' },
      ...errorResponses(403, 404, 409),
    },
  }),
  async (c) => {
    const doc = await memberConversation(c, c.req.valid('param').id)
    if (doc.type !== 'group')
      throw new AppError('BAD_REQUEST', 'Members can be added to groups only')
    if (!doc.admins.some((a) => a.equals(c.get('user')._id)))
      throw new AppError('FORBIDDEN', 'Only group admins can add members')
    const added = await existingUsers(c, c.req.valid('json').userIds)
    await assertNoBlockWith(await c.get('services').database.db(), c.get('user')._id, {
      ids: added,
    })
    if (new Set([...doc.members, ...added].map(String)).size > MAX_GROUP_MEMBERS)
      throw new AppError('CONFLICT', `Groups are limited to ${MAX_GROUP_MEMBERS} members`)
    const updated = await conversations(await c.get('services').database.db()).findOneAndUpdate(
      { _id: doc._id },
      { $addToSet: { members: { $each: added } }, $set: { updatedAt: c.get('services').now() } },
      { returnDocument: 'after' },
    )
    await syncMembers(c, updated!)
    return c.json({ success: true, conversation: publicConversation(updated!) }, 200)
  },
)

chat.openapi(
  authedRoute({
    method: 'delete',
    path: '/conversations/{id}/members/{userId}',
    tags: ['Chat'],
    summary: 'Remove a member from a group (admins; anyone may remove themselves)',
    request: { params: z.object({ id: ObjectIdSchema, userId: ObjectIdSchema }) },
    responses: { 200: { description: 'The conversation' }, ...errorResponses(403, 404) },
  }),
  async (c) => {
    const { id, userId } = c.req.valid('param')
    const doc = await memberConversation(c, id)
    const me = c.get('user')._id
    const target = new ObjectId(userId)
    if (doc.type !== 'group')
      throw new AppError('BAD_REQUEST', 'Members can be removed from groups only')
    if (!target.equals(me) && !doc.admins.some((a) => a.equals(me)))
      throw new AppError('FORBIDDEN', 'Only group admins can remove members')
    if (!doc.members.some((m) => m.equals(target))) throw new AppError('NOT_FOUND', 'Not a member')
    const updated = await conversations(await c.get('services').database.db()).findOneAndUpdate(
      { _id: doc._id },
      { $pull: { members: target, admins: target }, $set: { updatedAt: c.get('services').now() } },
      { returnDocument: 'after' },
    )
    await syncMembers(c, updated!)
    return c.json({ success: true, conversation: publicConversation(updated!) }, 200)
  },
)

chat.openapi(
  authedRoute({
    method: 'post',
    path: '/conversations/{id}/leave',
    tags: ['Chat'],
    summary: 'Leave a group',
    request: { params: Params },
    responses: { 200: { description: 'Left' }, ...errorResponses(404) },
  }),
  async (c) => {
    const doc = await memberConversation(c, c.req.valid('param').id)
    if (doc.type !== 'group') throw new AppError('BAD_REQUEST', 'You can leave groups only')
    const me = c.get('user')._id
    const updated = await conversations(await c.get('services').database.db()).findOneAndUpdate(
      { _id: doc._id },
      { $pull: { members: me, admins: me }, $set: { updatedAt: c.get('services').now() } },
      { returnDocument: 'after' },
    )
    await syncMembers(c, updated!)
    return c.json({ success: true, message: 'You left the group' }, 200)
  },
)

chat.openapi(
  authedRoute({
    method: 'get',
    path: '/conversations/{id}/messages',
    tags: ['Chat'],
    summary: 'Message history by seq: `before` (older pages) or `after` (newer), oldest first',
    request: {
      params: Params,
      query: z.object({
        before: z.coerce.number().int().min(1).optional(),
        after: z.coerce.number().int().min(0).optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50),
      }),
    },
    responses: { 200: { description: 'Messages' }, ...errorResponses(404) },
  }),
  async (c) => {
    const doc = await memberConversation(c, c.req.valid('param').id)
    const { before, after, limit } = c.req.valid('query')
    if (before !== undefined && after !== undefined)
      throw new AppError('VALIDATION_ERROR', 'Give before or after, not both')
    const page = await chatRoomOf(c, doc._id.toHexString()).history({ before, after, limit })
    return c.json({ success: true, messages: page }, 200)
  },
)

chat.openapi(
  authedRoute({
    method: 'post',
    path: '/conversations/{id}/read',
    tags: ['Chat'],
    summary: 'Mark the conversation read up to a seq',
    request: { params: Params, ...jsonBody(z.strictObject({ seq: z.number().int().min(0) })) },
    responses: { 200: { description: 'Marked' }, ...errorResponses(404) },
  }),
  async (c) => {
    const doc = await memberConversation(c, c.req.valid('param').id)
    unwrap(
      await chatRoomOf(c, doc._id.toHexString()).markRead(
        c.get('user')._id.toHexString(),
        c.req.valid('json').seq,
      ),
    )
    return c.json({ success: true }, 200)
  },
)

chat.openapi(
  authedRoute({
    method: 'delete',
    path: '/conversations/{id}/messages/{seq}',
    tags: ['Chat'],
    summary: 'Delete one of your messages',
    request: { params: z.object({ id: ObjectIdSchema, seq: z.coerce.number().int().min(1) }) },
    responses: { 200: { description: 'Deleted' }, ...errorResponses(403, 404) },
  }),
  async (c) => {
    const { id, seq } = c.req.valid('param')
    const doc = await memberConversation(c, id)
    unwrap(
      await chatRoomOf(c, doc._id.toHexString()).deleteMessage(
        c.get('user')._id.toHexString(),
        seq,
      ),
    )
    return c.json({ success: true }, 200)
  },
)

chat.openapi(
  authedRoute({
    method: 'post',
    path: '/conversations/{id}/ticket',
    tags: ['Chat'],
    summary: "A one-minute ticket to open the conversation's socket",
    request: { params: Params },
    responses: { 200: { description: 'Ticket' }, ...errorResponses(404) },
  }),
  async (c) => {
    const doc = await memberConversation(c, c.req.valid('param').id)
    const id = doc._id.toHexString()
    const ticket = await signRealtimeTicket(
      c.get('config').JWT_SECRET,
      { kind: 'chat', id },
      accountIdentity(c, 'member'),
    )
    return c.json({ success: true, ticket, url: `/api/realtime/chat/${id}?ticket=${ticket}` }, 200)
  },
)

chat.openapi(
  authedRoute({
    method: 'post',
    path: '/message',
    tags: ['Chat'],
    summary: 'Send a message to a conversation, or to a user (opening the 1:1 conversation)',
    request: jsonBody(
      SendMessageSchema.extend({
        conversationId: ObjectIdSchema.optional(),
        recipientId: ObjectIdSchema.optional(),
      }).refine(
        (v) => Boolean(v.conversationId) !== Boolean(v.recipientId),
        'give exactly one of conversationId and recipientId',
      ),
    ),
    responses: {
      201: { description: 'The stored message' },
      ...errorResponses(403, 404, 429),
    },
  }),
  async (c) => {
    const { conversationId, recipientId, ...input } = c.req.valid('json')
    const me = c.get('user')._id
    await enforceRateLimit(c, SEND_LIMIT, [`user:${me.toHexString()}`, `ip:${clientIp(c)}`])
    const doc = conversationId
      ? await memberConversation(c, conversationId)
      : await directConversation(c, new ObjectId(recipientId))
    const message = unwrap(
      await chatRoomOf(c, doc._id.toHexString()).postMessage(me.toHexString(), input),
    )
    return c.json({ success: true, conversationId: doc._id.toHexString(), message }, 201)
  },
)
