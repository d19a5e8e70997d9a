// Blocks (/api/friend/block…): block or unblock someone and list whom you blocked. A block ends any
// friendship or request between the two and hides each from the other everywhere.
import { z } from '@hono/zod-openapi'
import { MongoServerError, ObjectId } from 'mongodb'
import { AppError } from '../../errors'
import { createRouter, errorResponses, jsonBody } from '../../openapi'
import { blocks, friendships, pairKey } from '../store'
import { findUserById } from '../../auth/users-store'
import { authorsById, deletedAuthor } from '../authors'
import { ObjectIdSchema } from '../../../shared/ids'
import { authedRoute } from '../../authed-route'

const MAX_LISTED = 1000

export const blockRoutes = createRouter()

blockRoutes.openapi(
  authedRoute({
    method: 'post',
    path: '/block',
    tags: ['Social'],
    summary: 'Block a user (ends your friendship or request; blocking twice is harmless)',
    request: jsonBody(z.strictObject({ userId: ObjectIdSchema })),
    responses: { 200: { description: 'Blocked' }, ...errorResponses(404) },
  }),
  async (c) => {
    const { database, now } = c.get('services')
    const db = await database.db()
    const me = c.get('user')._id
    const other = await findUserById(db, c.req.valid('json').userId)
    if (!other) throw new AppError('NOT_FOUND', 'User not found')
    if (other._id.equals(me)) throw new AppError('BAD_REQUEST', 'You cannot block yourself')
    try {
      await blocks(db).insertOne({
        _id: new ObjectId(),
        blockerId: me,
        blockedId: other._id,
        createdAt: now(),
      })
    } catch (error) {
      if (!(error instanceof MongoServerError && error.code === 11000)) throw error
    }
    await friendships(db).deleteOne({ pairKey: pairKey(me, other._id) })
    return c.json({ success: true, message: 'User blocked' }, 200)
  },
)

blockRoutes.openapi(
  authedRoute({
    method: 'delete',
    path: '/block/{userId}',
    tags: ['Social'],
    summary: 'Unblock a user you blocked',
    request: { params: z.object({ userId: ObjectIdSchema }) },
    responses: { 200: { description: 'Unblocked' }, ...errorResponses(404) },
  }),
  async (c) => {
    const db = await c.get('services').database.db()
    const { deletedCount } = await blocks(db).deleteOne({
      blockerId: c.get('user')._id,
      blockedId: new ObjectId(c.req.valid('param').userId),
    })
    if (deletedCount === 0) throw new AppError('NOT_FOUND', 'You have not blocked this user')
    return c.json({ success: true, message: 'User unblocked' }, 200)
  },
)

blockRoutes.openapi(
  authedRoute({
    method: 'get',
    path: '/blocked',
    tags: ['Social'],
    summary: 'The users you blocked',
    responses: { 200: { description: 'Blocked users' } },
  }),
  async (c) => {
    const db = await c.get('services').database.db()
    const found = await blocks(db)
      .find({ blockerId: c.get('user')._id })
      .limit(MAX_LISTED)
      .toArray()
    const people = await authorsById(
      db,
      found.map((b) => b.blockedId),
    )
    return c.json(
      {
        success: true,
        blocked: found.map((b) => ({
          ...(people.get(b.blockedId.toHexString()) ?? deletedAuthor(b.blockedId)),
          blockedAt: b.createdAt.toISOString(),
        })),
      },
      200,
    )
  },
)
