// Assistant chat history (/api/v1/chat/sessions): the client saves a whole conversation under its
// own session id, lists, reads, renames and deletes them, and rates single answers. Every lookup
// is scoped to the caller, so another user's session id reaches nothing.
import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { ObjectId, type UpdateFilter } from 'mongodb'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { createRouter, errorResponses, jsonBody } from '../openapi'
import {
  chatHistories,
  sessionSummary,
  sessionView,
  type ChatHistoryDoc,
  type ChatHistoryMessage,
} from './store'
import { paginationSettingsOf, settingsOf } from '../account/settings-store'
import { authedRoute } from '../authed-route'

const TAG = 'Assistant chat history'
const NOT_FOUND = 'Chat session not found'
const MAX_MESSAGES = 500
const PREVIEW_CHARS = 120

// Ids become field names of the feedback map: no dots, no dollars.
const ClientId = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'must be 1-100 letters, digits, _ or -')
const TitleSchema = z.string().trim().min(1).max(200)
const SessionParams = z.object({ sessionId: ClientId })

const MessageSchema = z.strictObject({
  id: ClientId.optional(),
  role: z.enum(['user', 'assistant', 'system']),
  content: z.string().max(20_000),
  createdAt: z.iso.datetime({ offset: true }).optional(),
})

const SaveSchema = z.strictObject({
  sessionId: ClientId,
  title: TitleSchema.optional(),
  messages: z
    .array(MessageSchema)
    .max(MAX_MESSAGES)
    .refine((list) => {
      const ids = list.flatMap((m) => (m.id ? [m.id] : []))
      return new Set(ids).size === ids.length
    }, 'message ids must be unique'),
})

async function userDb(c: Context<AppEnv>) {
  return { db: await c.get('services').database.db(), me: c.get('user')._id }
}

const clip = (text: string, max: number) =>
  text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text

export const assistantChat = createRouter()

assistantChat.openapi(
  authedRoute({
    method: 'get',
    path: '/chat/sessions',
    tags: [TAG],
    summary: 'Your chat sessions, most recently updated first (without messages)',
    request: {
      query: z.object({
        page: z.coerce.number().int().min(1).max(10_000).default(1),
        limit: z.coerce.number().int().min(1).max(100).optional(),
      }),
    },
    responses: { 200: { description: 'A page of sessions' } },
  }),
  async (c) => {
    const { page, limit: asked } = c.req.valid('query')
    const { db, me } = await userDb(c)
    const limit = asked ?? paginationSettingsOf(settingsOf(c.get('user'))).chatSessionsPerPage
    const [items, total] = await Promise.all([
      chatHistories(db)
        .find({ userId: me }, { projection: { messages: 0, feedback: 0 } })
        .sort({ updatedAt: -1, _id: -1 })
        .skip((page - 1) * limit)
        .limit(limit)
        .toArray(),
      chatHistories(db).countDocuments({ userId: me }),
    ])
    return c.json(
      {
        success: true,
        sessions: items.map(sessionSummary),
        pagination: { page, limit, total, pages: Math.ceil(total / limit) },
      },
      200,
    )
  },
)

assistantChat.openapi(
  authedRoute({
    method: 'post',
    path: '/chat/sessions',
    tags: [TAG],
    summary: 'Save a conversation: created under its session id, or replaced when it exists',
    request: jsonBody(SaveSchema),
    responses: {
      200: { description: 'Updated' },
      201: { description: 'Created' },
      ...errorResponses(409),
    },
  }),
  async (c) => {
    const { sessionId, title, messages: input } = c.req.valid('json')
    const { db, me } = await userDb(c)
    const now = c.get('services').now()
    const messages: ChatHistoryMessage[] = input.map((m) => ({
      id: m.id ?? new ObjectId().toHexString(),
      role: m.role,
      content: m.content,
      createdAt: m.createdAt ? new Date(m.createdAt) : now,
    }))
    const firstQuestion = messages.find((m) => m.role === 'user')?.content.trim()
    const last = messages.at(-1)
    const $set: Partial<ChatHistoryDoc> = {
      messages,
      messageCount: messages.length,
      preview: last ? clip(last.content.trim(), PREVIEW_CHARS) : '',
      updatedAt: now,
    }
    if (title) $set.title = title
    const res = await chatHistories(db).findOneAndUpdate(
      { userId: me, sessionId },
      {
        $set,
        $setOnInsert: {
          _id: new ObjectId(),
          feedback: {},
          createdAt: now,
          // A conversation names itself after its first question until the user renames it.
          ...(title ? {} : { title: firstQuestion ? clip(firstQuestion, 60) : 'New chat' }),
        },
      },
      { upsert: true, returnDocument: 'after', includeResultMetadata: true },
    )
    const created = res.lastErrorObject?.updatedExisting === false
    return c.json({ success: true, session: sessionView(res.value!) }, created ? 201 : 200)
  },
)

assistantChat.openapi(
  authedRoute({
    method: 'get',
    path: '/chat/sessions/{sessionId}',
    tags: [TAG],
    summary: 'One of your sessions with its messages and their feedback',
    request: { params: SessionParams },
    responses: { 200: { description: 'The session' }, ...errorResponses(404) },
  }),
  async (c) => {
    const { db, me } = await userDb(c)
    const found = await chatHistories(db).findOne({
      userId: me,
      sessionId: c.req.valid('param').sessionId,
    })
    if (!found) throw new AppError('NOT_FOUND', NOT_FOUND)
    return c.json({ success: true, session: sessionView(found) }, 200)
  },
)

assistantChat.openapi(
  authedRoute({
    method: 'delete',
    path: '/chat/sessions/{sessionId}',
    tags: [TAG],
    summary: 'Delete one of your sessions',
    request: { params: SessionParams },
    responses: { 200: { description: 'Deleted' }, ...errorResponses(404) },
  }),
  async (c) => {
    const { db, me } = await userDb(c)
    const res = await chatHistories(db).deleteOne({
      userId: me,
      sessionId: c.req.valid('param').sessionId,
    })
    if (res.deletedCount === 0) throw new AppError('NOT_FOUND', NOT_FOUND)
    return c.json({ success: true, message: 'Chat session deleted' }, 200)
  },
)

assistantChat.openapi(
  authedRoute({
    method: 'put',
    path: '/chat/sessions/{sessionId}/title',
    tags: [TAG],
    summary: 'Rename one of your sessions',
    request: { params: SessionParams, ...jsonBody(z.strictObject({ title: TitleSchema })) },
    responses: { 200: { description: 'Renamed' }, ...errorResponses(404) },
  }),
  async (c) => {
    const { db, me } = await userDb(c)
    const updated = await chatHistories(db).findOneAndUpdate(
      { userId: me, sessionId: c.req.valid('param').sessionId },
      { $set: { title: c.req.valid('json').title, updatedAt: c.get('services').now() } },
      { returnDocument: 'after', projection: { messages: 0, feedback: 0 } },
    )
    if (!updated) throw new AppError('NOT_FOUND', NOT_FOUND)
    return c.json({ success: true, session: sessionSummary(updated) }, 200)
  },
)

assistantChat.openapi(
  authedRoute({
    method: 'put',
    path: '/chat/sessions/{sessionId}/messages/{messageId}/feedback',
    tags: [TAG],
    summary: 'Rate one message of your session (`feedback: null` clears the rating)',
    request: {
      params: z.object({ sessionId: ClientId, messageId: ClientId }),
      ...jsonBody(
        z.strictObject({
          feedback: z.enum(['positive', 'negative']).nullable(),
          comment: z.string().trim().max(1000).optional(),
        }),
      ),
    },
    responses: { 200: { description: 'Feedback saved' }, ...errorResponses(404) },
  }),
  async (c) => {
    const { sessionId, messageId } = c.req.valid('param')
    const { feedback, comment } = c.req.valid('json')
    const { db, me } = await userDb(c)
    const at = c.get('services').now()
    const field = `feedback.${messageId}`
    const update: UpdateFilter<ChatHistoryDoc> =
      feedback === null
        ? { $unset: { [field]: '' } }
        : { $set: { [field]: { rating: feedback, at, ...(comment ? { comment } : {}) } } }
    const res = await chatHistories(db).updateOne(
      { userId: me, sessionId, 'messages.id': messageId },
      update,
    )
    if (res.matchedCount === 0) throw new AppError('NOT_FOUND', 'Message not found')
    return c.json(
      {
        success: true,
        messageId,
        feedback: feedback === null ? null : { rating: feedback, comment: comment ?? null },
      },
      200,
    )
  },
)
