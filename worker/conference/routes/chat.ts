// A conference's group chat (the seed's "group chat reference"): the host opens it for the host and
// speakers; any signed-in attendee may join while the conference runs.
import { z } from '@hono/zod-openapi'
import { ObjectId } from 'mongodb'
import { publicConversation, syncMembers } from '../../chat/room'
import { assertRunsConference, assertVisible } from '../access'
import { AppError } from '../../errors'
import { createRouter, errorResponses } from '../../openapi'
import { conferences } from '../store'
import { conversations, type ConversationDoc } from '../../chat/store'
import { loadConference } from './conference'
import { ObjectIdSchema } from '../../../shared/ids'
import { authedRoute } from '../../authed-route'

const Params = z.object({ id: ObjectIdSchema })

export const conferenceChat = createRouter()

conferenceChat.openapi(
  authedRoute({
    method: 'post',
    path: '/{id}/chat',
    tags: ['Conference'],
    summary: "Open the conference's group chat (host); answers the existing one if already open",
    request: { params: Params },
    responses: {
      200: { description: 'The group conversation' },
      ...errorResponses(403, 404),
    },
  }),
  async (c) => {
    const doc = assertVisible(await loadConference(c, c.req.valid('param').id), c.get('user'))
    assertRunsConference(doc, c.get('user'))
    const db = await c.get('services').database.db()
    if (doc.groupChatId) {
      const existing = await conversations(db).findOne({ _id: doc.groupChatId })
      if (existing)
        return c.json({ success: true, conversation: publicConversation(existing) }, 200)
    }
    const now = c.get('services').now()
    const members = [doc.hostId, ...doc.speakers.flatMap((s) => (s.userId ? [s.userId] : []))]
    const chat: ConversationDoc = {
      _id: new ObjectId(),
      type: 'group',
      name: doc.title,
      members,
      admins: [doc.hostId],
      conferenceId: doc._id,
      createdBy: c.get('user')._id,
      lastSeq: 0,
      lastActivityAt: now,
      createdAt: now,
      updatedAt: now,
    }
    await conversations(db).insertOne(chat)
    await conferences(db).updateOne(
      { _id: doc._id },
      { $set: { groupChatId: chat._id, updatedAt: now } },
    )
    await syncMembers(c, chat)
    return c.json({ success: true, conversation: publicConversation(chat) }, 200)
  },
)

conferenceChat.openapi(
  authedRoute({
    method: 'post',
    path: '/{id}/chat/join',
    tags: ['Conference'],
    summary: "Join the conference's group chat while it runs",
    request: { params: Params },
    responses: {
      200: { description: 'The group conversation' },
      ...errorResponses(404, 409),
    },
  }),
  async (c) => {
    const doc = assertVisible(await loadConference(c, c.req.valid('param').id), c.get('user'))
    if (doc.status !== 'ACTIVE' || !doc.groupChatId)
      throw new AppError('CONFLICT', 'This conference has no open group chat')
    const db = await c.get('services').database.db()
    const updated = await conversations(db).findOneAndUpdate(
      { _id: doc.groupChatId },
      { $addToSet: { members: c.get('user')._id }, $set: { updatedAt: c.get('services').now() } },
      { returnDocument: 'after' },
    )
    if (!updated) throw new AppError('NOT_FOUND', 'Group chat not found')
    await syncMembers(c, updated)
    return c.json({ success: true, conversation: publicConversation(updated) }, 200)
  },
)
