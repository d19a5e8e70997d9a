// Whether a user is online (/api/users/{id}/presence): answered to the user, their friends and
// people sharing a conversation with them; everyone else gets 404, as if there were no such user.
import { z } from '@hono/zod-openapi'
import { ObjectId } from 'mongodb'
import { AppError } from '../../errors'
import { userChannel } from '../../realtime/rooms'
import { canSeePresence } from '../presence'
import { createRouter, errorResponses } from '../../openapi'
import { users } from '../../auth/users-store'
import { ObjectIdSchema } from '../../../shared/ids'
import { authedRoute } from '../../authed-route'

export const presence = createRouter()

presence.openapi(
  authedRoute({
    method: 'get',
    path: '/{id}/presence',
    tags: ['Users'],
    summary: "A user's presence: online, or when they were last seen",
    request: { params: z.object({ id: ObjectIdSchema }) },
    responses: { 200: { description: 'Presence' }, ...errorResponses(404) },
  }),
  async (c) => {
    const id = c.req.valid('param').id
    const target = new ObjectId(id)
    const db = await c.get('services').database.db()
    const [user, allowed] = await Promise.all([
      users(db).findOne({ _id: target, isActive: true }, { projection: { lastSeenAt: 1 } }),
      canSeePresence(db, c.get('user')._id, target),
    ])
    if (!user || !allowed) throw new AppError('NOT_FOUND', 'User not found')
    // The channel remembers what it saw; before that (or with no channel: the REST app under
    // Node), the account's own record is all there is.
    const live = (await userChannel(c.env, id)?.presence()) ?? { online: false, lastSeenAt: null }
    const stored = (user as { lastSeenAt?: Date }).lastSeenAt
    return c.json(
      {
        success: true,
        userId: id,
        online: live.online,
        lastSeenAt: live.lastSeenAt ?? stored?.toISOString() ?? null,
      },
      200,
    )
  },
)
