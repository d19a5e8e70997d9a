// Administration of accounts (/api/admin/users): find users, deactivate or reactivate them (their
// tokens stop working at once), and change roles.
import { z } from '@hono/zod-openapi'
import { ObjectId } from 'mongodb'
import { ROLES } from '../../../shared/roles'
import { CLOSE_CODES } from '../../../shared/realtime'
import { closeSockets, revokeAllSessions } from '../../auth/revoke'
import { AppError } from '../../errors'
import { createRouter, errorResponses, jsonBody } from '../../openapi'
import { publicUser, users } from '../../auth/users-store'
import { authedRoute } from '../../authed-route'

const ObjectIdParam = z.string().regex(/^[0-9a-f]{24}$/i, 'must be a 24-character hex id')

export const adminUsers = createRouter()

adminUsers.openapi(
  authedRoute({
    method: 'get',
    path: '/',
    tags: ['Admin'],
    summary: 'Find users by name or email prefix',
    role: 'ADMIN',
    request: {
      query: z.object({
        search: z.string().trim().min(1).max(100).optional(),
        limit: z.coerce.number().int().min(1).max(100).default(20),
      }),
    },
    responses: { 200: { description: 'Users' } },
  }),
  async (c) => {
    const { search, limit } = c.req.valid('query')
    const escaped = search?.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    const filter = escaped
      ? {
          $or: [
            { email: { $regex: `^${escaped.toLowerCase()}` } },
            { name: { $regex: escaped, $options: 'i' } },
          ],
        }
      : {}
    const found = await users(await c.get('services').database.db())
      .find(filter)
      .sort({ _id: -1 })
      .limit(limit)
      .toArray()
    return c.json({ success: true, users: found.map(publicUser) }, 200)
  },
)

adminUsers.openapi(
  authedRoute({
    method: 'patch',
    path: '/{id}',
    tags: ['Admin'],
    summary: 'Deactivate, reactivate or change the role of a user',
    role: 'ADMIN',
    request: {
      params: z.object({ id: ObjectIdParam }),
      ...jsonBody(
        z
          .strictObject({ isActive: z.boolean().optional(), role: z.enum(ROLES).optional() })
          .refine(
            (v) => v.isActive !== undefined || v.role !== undefined,
            'isActive or role is required',
          ),
      ),
    },
    responses: { 200: { description: 'The updated user' }, ...errorResponses(404) },
  }),
  async (c) => {
    const id = new ObjectId(c.req.valid('param').id)
    const change = c.req.valid('json')
    if (id.equals(c.get('user')._id))
      throw new AppError('BAD_REQUEST', 'Administrators cannot change their own account here')
    const { database, now } = c.get('services')
    const db = await database.db()
    const at = now()
    const before = await users(db).findOneAndUpdate(
      { _id: id },
      // Tickets minted before a role change no longer admit anyone (see realtime/admission.ts).
      { $set: { ...change, updatedAt: at, ...(change.role ? { roleChangedAt: at } : {}) } },
      { returnDocument: 'before' },
    )
    if (!before) throw new AppError('NOT_FOUND', 'User not found')
    const updated = { ...before, ...change, updatedAt: at }
    if (change.isActive === false) await revokeAllSessions(c, id, 'deactivated')
    else if (change.role !== undefined && change.role !== before.role) {
      // Sessions stay (the account is the same), but every socket was admitted under the old role.
      await closeSockets(c, id, {}, 'role-change', CLOSE_CODES.ACCESS_WITHDRAWN)
    }
    return c.json({ success: true, user: publicUser(updated) }, 200)
  },
)
