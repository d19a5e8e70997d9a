// Friends (/api/friend): send, accept, reject and cancel friend requests, list requests and
// friends, unfriend. One friendship document per pair; requests and accepts notify the other side.
import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { MongoServerError, ObjectId, type Filter } from 'mongodb'
import type { AppEnv } from '../../env'
import { AppError } from '../../errors'
import { createRouter, errorResponses, jsonBody } from '../../openapi'
import { friendships, pairKey, type FriendshipDoc } from '../store'
import { findUserById } from '../../auth/users-store'
import { authorsById, deletedAuthor } from '../authors'
import { assertNoBlockWith } from '../blocks'
import { IdParams, viewer } from '../context'
import { actor, tell } from '../notify'
import { ObjectIdSchema } from '../../../shared/ids'
import { authedRoute } from '../../authed-route'

const RequestSchema = z.strictObject({ userId: ObjectIdSchema })
const UserParams = z.object({ userId: ObjectIdSchema })
const MAX_LISTED = 500

async function publicFriendships(c: Context<AppEnv>, docs: FriendshipDoc[], me: ObjectId) {
  const db = await c.get('services').database.db()
  const other = (f: FriendshipDoc) => (f.userIds[0].equals(me) ? f.userIds[1] : f.userIds[0])
  const people = await authorsById(db, docs.map(other))
  return docs.map((f) => ({
    id: f._id.toHexString(),
    _id: f._id.toHexString(),
    status: f.status,
    direction: f.requesterId.equals(me) ? ('sent' as const) : ('received' as const),
    user: people.get(other(f).toHexString()) ?? deletedAuthor(other(f)),
    createdAt: f.createdAt.toISOString(),
    acceptedAt: f.acceptedAt?.toISOString() ?? null,
  }))
}

/** A pending request addressed to the caller (404 otherwise, whoever else it concerns). */
async function receivedRequest(c: Context<AppEnv>, id: string) {
  const db = await c.get('services').database.db()
  const found = await friendships(db).findOne({
    _id: new ObjectId(id),
    recipientId: c.get('user')._id,
    status: 'pending',
  })
  if (!found) throw new AppError('NOT_FOUND', 'Friend request not found')
  return found
}

const publicFriendship = async (c: Context<AppEnv>, doc: FriendshipDoc, me: ObjectId) =>
  (await publicFriendships(c, [doc], me))[0]

/**
 * Accepts the pending request `filter` matches and tells its sender; null when it is no longer
 * pending (each caller says what that means to its client).
 */
async function acceptPending(c: Context<AppEnv>, filter: Filter<FriendshipDoc>) {
  const db = await c.get('services').database.db()
  const now = c.get('services').now()
  const accepted = await friendships(db).findOneAndUpdate(
    { ...filter, status: 'pending' },
    { $set: { status: 'accepted', acceptedAt: now } },
    { returnDocument: 'after' },
  )
  if (!accepted) return null
  await tell(c, accepted.requesterId, {
    type: 'friend.accept',
    title: `${c.get('user').name} accepted your friend request`,
    data: { ...actor(c), requestId: accepted._id.toHexString() },
  })
  return publicFriendship(c, accepted, c.get('user')._id)
}

/** Deletes the pending request `filter` matches, or 404. */
async function deletePending(c: Context<AppEnv>, filter: Filter<FriendshipDoc>) {
  const db = await c.get('services').database.db()
  const { deletedCount } = await friendships(db).deleteOne({ ...filter, status: 'pending' })
  if (deletedCount === 0) throw new AppError('NOT_FOUND', 'Friend request not found')
}

/** Pending requests where the caller is on `side`, newest first. */
async function pendingWhere(c: Context<AppEnv>, side: 'recipientId' | 'requesterId') {
  const db = await c.get('services').database.db()
  return friendships(db)
    .find({ [side]: c.get('user')._id, status: 'pending' })
    .sort({ _id: -1 })
    .limit(MAX_LISTED)
    .toArray()
}

export const friendRoutes = createRouter()

friendRoutes.openapi(
  authedRoute({
    method: 'post',
    path: '/request',
    tags: ['Social'],
    summary: 'Send a friend request (accepts theirs if they asked you first)',
    request: jsonBody(RequestSchema),
    responses: {
      201: { description: 'The request' },
      200: { description: 'Their request to you, now accepted' },
      ...errorResponses(403, 404, 409),
    },
  }),
  async (c) => {
    const { db, circle, now } = await viewer(c)
    const other = await findUserById(db, c.req.valid('json').userId)
    if (!other?.isActive) throw new AppError('NOT_FOUND', 'User not found')
    if (other._id.equals(circle.me))
      throw new AppError('BAD_REQUEST', 'You cannot send a friend request to yourself')
    await assertNoBlockWith(db, circle.me, { ids: [other._id] })
    const key = pairKey(circle.me, other._id)
    const existing = await friendships(db).findOne({ pairKey: key })
    if (existing?.status === 'accepted') throw new AppError('CONFLICT', 'You are already friends')
    if (existing?.requesterId.equals(circle.me))
      throw new AppError('CONFLICT', 'You already sent this user a friend request')
    if (existing) {
      const accepted = await acceptPending(c, { _id: existing._id })
      if (!accepted) throw new AppError('CONFLICT', 'The request changed meanwhile; reload it')
      return c.json({ success: true, request: accepted }, 200)
    }
    const doc: FriendshipDoc = {
      _id: new ObjectId(),
      userIds: [circle.me, other._id],
      pairKey: key,
      requesterId: circle.me,
      recipientId: other._id,
      status: 'pending',
      createdAt: now,
    }
    try {
      await friendships(db).insertOne(doc)
    } catch (error) {
      if (error instanceof MongoServerError && error.code === 11000)
        throw new AppError('CONFLICT', 'A friend request between you already exists; reload')
      throw error
    }
    await tell(c, other._id, {
      type: 'friend.request',
      title: `${c.get('user').name} sent you a friend request`,
      data: { ...actor(c), requestId: doc._id.toHexString() },
    })
    return c.json({ success: true, request: await publicFriendship(c, doc, circle.me) }, 201)
  },
)

friendRoutes.openapi(
  authedRoute({
    method: 'get',
    path: '/requests',
    tags: ['Social'],
    summary: 'Pending friend requests: received and sent, newest first',
    responses: { 200: { description: 'The requests' } },
  }),
  async (c) => {
    const me = c.get('user')._id
    const [received, sent] = await Promise.all([
      pendingWhere(c, 'recipientId'),
      pendingWhere(c, 'requesterId'),
    ])
    return c.json(
      {
        success: true,
        received: await publicFriendships(c, received, me),
        sent: await publicFriendships(c, sent, me),
      },
      200,
    )
  },
)

friendRoutes.openapi(
  authedRoute({
    method: 'post',
    path: '/request/{id}/accept',
    tags: ['Social'],
    summary: 'Accept a friend request sent to you',
    request: { params: IdParams },
    responses: { 200: { description: 'The friendship' }, ...errorResponses(404, 409) },
  }),
  async (c) => {
    const request = await receivedRequest(c, c.req.valid('param').id)
    const accepted = await acceptPending(c, { _id: request._id, recipientId: c.get('user')._id })
    if (!accepted) throw new AppError('NOT_FOUND', 'Friend request not found')
    return c.json({ success: true, request: accepted }, 200)
  },
)

friendRoutes.openapi(
  authedRoute({
    method: 'post',
    path: '/request/{id}/reject',
    tags: ['Social'],
    summary: 'Reject a friend request sent to you',
    request: { params: IdParams },
    responses: { 200: { description: 'Rejected' }, ...errorResponses(404) },
  }),
  async (c) => {
    const request = await receivedRequest(c, c.req.valid('param').id)
    await deletePending(c, { _id: request._id })
    return c.json({ success: true, message: 'Friend request rejected' }, 200)
  },
)

friendRoutes.openapi(
  authedRoute({
    method: 'delete',
    path: '/request/{id}',
    tags: ['Social'],
    summary: 'Cancel a friend request you sent',
    request: { params: IdParams },
    responses: { 200: { description: 'Cancelled' }, ...errorResponses(404) },
  }),
  async (c) => {
    await deletePending(c, {
      _id: new ObjectId(c.req.valid('param').id),
      requesterId: c.get('user')._id,
    })
    return c.json({ success: true, message: 'Friend request cancelled' }, 200)
  },
)

friendRoutes.openapi(
  authedRoute({
    method: 'get',
    path: '/list',
    tags: ['Social'],
    summary: 'Your friends, most recent first',
    responses: { 200: { description: 'Your friends' } },
  }),
  async (c) => {
    const { db, circle } = await viewer(c)
    const found = await friendships(db)
      .find({ userIds: circle.me, status: 'accepted' })
      .limit(MAX_LISTED)
      .toArray()
    found.sort((a, b) => (b.acceptedAt?.getTime() ?? 0) - (a.acceptedAt?.getTime() ?? 0))
    const list = await publicFriendships(c, found, circle.me)
    return c.json(
      {
        success: true,
        friends: list.map((f) => ({ ...f.user, friendsSince: f.acceptedAt })),
        count: list.length,
      },
      200,
    )
  },
)

friendRoutes.openapi(
  authedRoute({
    method: 'delete',
    path: '/{userId}',
    tags: ['Social'],
    summary: 'Unfriend someone',
    request: { params: UserParams },
    responses: { 200: { description: 'Unfriended' }, ...errorResponses(404) },
  }),
  async (c) => {
    const db = await c.get('services').database.db()
    const other = new ObjectId(c.req.valid('param').userId)
    const { deletedCount } = await friendships(db).deleteOne({
      pairKey: pairKey(c.get('user')._id, other),
      status: 'accepted',
    })
    if (deletedCount === 0) throw new AppError('NOT_FOUND', 'You are not friends with this user')
    return c.json({ success: true, message: 'Unfriended' }, 200)
  },
)
