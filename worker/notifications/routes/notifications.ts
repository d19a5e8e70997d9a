// Stored notifications (/api/notifications): your list with the unread count, marking read,
// deleting, and the device tokens push goes to. Other features create them through notify().
import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { ObjectId } from 'mongodb'
import type { AppEnv } from '../../env'
import { AppError } from '../../errors'
import { PLATFORMS, registerDevice, removeDevice } from '../devices'
import { NotificationInputSchema, notify } from '../notify'
import {
  deleteNotification,
  listNotifications,
  markAllRead,
  markRead,
  publicNotification,
  unreadCount,
} from '../store'
import { createRouter, errorResponses, jsonBody } from '../../openapi'
import { userChannel } from '../../realtime/rooms'
import type { UserChannelEvent } from '../../../shared/user-channel'
import { ObjectIdSchema } from '../../../shared/ids'
import { authedRoute } from '../../authed-route'

const Params = z.object({ id: ObjectIdSchema })
// FCM registration tokens and APNs/web tokens: letters, digits and a few separators.
const DeviceTokenSchema = z
  .string()
  .min(8)
  .max(4096)
  .regex(/^[A-Za-z0-9_:.-]+$/, 'must be a device token')

const NOT_FOUND = 'Notification not found'

/** Keeps the user's other devices' badges in step; best effort, after the response. */
function tellDevices(c: Context<AppEnv>, event: UserChannelEvent) {
  const delivery = userChannel(c.env, c.get('user')._id.toHexString())
    ?.deliver(event)
    .catch(() => undefined)
  // No channel under Node: the REST app does not carry realtime.
  if (delivery) c.executionCtx.waitUntil(delivery)
}

async function userDb(c: Context<AppEnv>) {
  return { db: await c.get('services').database.db(), me: c.get('user')._id }
}

export const notificationRoutes = createRouter()

notificationRoutes.openapi(
  authedRoute({
    method: 'get',
    path: '/',
    tags: ['Notifications'],
    summary: 'Your notifications, newest first, with your unread count',
    request: {
      query: z.object({
        before: ObjectIdSchema.optional(),
        limit: z.coerce.number().int().min(1).max(100).default(20),
      }),
    },
    responses: { 200: { description: 'A page of notifications' } },
  }),
  async (c) => {
    const { before, limit } = c.req.valid('query')
    const { db, me } = await userDb(c)
    const [page, unread] = await Promise.all([
      listNotifications(db, me, { before: before ? new ObjectId(before) : undefined, limit }),
      unreadCount(db, me),
    ])
    return c.json(
      {
        success: true,
        notifications: page.items.map(publicNotification),
        nextCursor: page.nextCursor,
        unreadCount: unread,
      },
      200,
    )
  },
)

notificationRoutes.openapi(
  authedRoute({
    method: 'post',
    path: '/read-all',
    tags: ['Notifications'],
    summary: 'Mark all your notifications read',
    responses: { 200: { description: 'How many were unread' } },
  }),
  async (c) => {
    const { db, me } = await userDb(c)
    const updated = await markAllRead(db, me, c.get('services').now())
    tellDevices(c, { type: 'notification.read', ids: null, all: true, unreadCount: 0 })
    return c.json({ success: true, updated, unreadCount: 0 }, 200)
  },
)

notificationRoutes.openapi(
  authedRoute({
    method: 'post',
    path: '/{id}/read',
    tags: ['Notifications'],
    summary: 'Mark one of your notifications read',
    request: { params: Params },
    responses: { 200: { description: 'The notification' }, ...errorResponses(404) },
  }),
  async (c) => {
    const { db, me } = await userDb(c)
    const id = new ObjectId(c.req.valid('param').id)
    // Someone else's notification gets the same answer as a missing one.
    const doc = await markRead(db, me, id, c.get('services').now())
    if (!doc) throw new AppError('NOT_FOUND', NOT_FOUND)
    const unread = await unreadCount(db, me)
    tellDevices(c, { type: 'notification.read', ids: [id.toHexString()], unreadCount: unread })
    return c.json(
      { success: true, notification: publicNotification(doc), unreadCount: unread },
      200,
    )
  },
)

notificationRoutes.openapi(
  authedRoute({
    method: 'delete',
    path: '/{id}',
    tags: ['Notifications'],
    summary: 'Delete one of your notifications',
    request: { params: Params },
    responses: { 200: { description: 'Deleted' }, ...errorResponses(404) },
  }),
  async (c) => {
    const { db, me } = await userDb(c)
    const id = c.req.valid('param').id
    if (!(await deleteNotification(db, me, new ObjectId(id))))
      throw new AppError('NOT_FOUND', NOT_FOUND)
    const unread = await unreadCount(db, me)
    tellDevices(c, { type: 'notification.deleted', id, unreadCount: unread })
    return c.json({ success: true, unreadCount: unread }, 200)
  },
)

notificationRoutes.openapi(
  authedRoute({
    method: 'post',
    path: '/devices',
    tags: ['Notifications'],
    summary: 'Register this device for push (a token registered by another account moves to you)',
    request: jsonBody(z.strictObject({ token: DeviceTokenSchema, platform: z.enum(PLATFORMS) })),
    responses: { 200: { description: 'Registered' } },
  }),
  async (c) => {
    const { token, platform } = c.req.valid('json')
    const { db, me } = await userDb(c)
    const doc = await registerDevice(db, me, token, platform, c.get('services').now())
    return c.json(
      {
        success: true,
        device: { token: doc.token, platform: doc.platform, updatedAt: doc.updatedAt },
      },
      200,
    )
  },
)

notificationRoutes.openapi(
  authedRoute({
    method: 'delete',
    path: '/devices/{token}',
    tags: ['Notifications'],
    summary: 'Stop pushes to this device',
    request: { params: z.object({ token: DeviceTokenSchema }) },
    responses: { 200: { description: 'Removed' }, ...errorResponses(404) },
  }),
  async (c) => {
    const { db, me } = await userDb(c)
    if (!(await removeDevice(db, me, c.req.valid('param').token)))
      throw new AppError('NOT_FOUND', 'Device not found')
    return c.json({ success: true }, 200)
  },
)

notificationRoutes.openapi(
  authedRoute({
    method: 'post',
    path: '/test',
    tags: ['Notifications'],
    summary: 'Send yourself a notification, to check delivery and push (not in production)',
    request: jsonBody(NotificationInputSchema.partial({ type: true, title: true }).strict()),
    responses: { 201: { description: 'Sent' }, ...errorResponses(404) },
  }),
  async (c) => {
    if (c.get('config').APP_ENV === 'production')
      throw new AppError('NOT_FOUND', `Route ${c.req.method} ${c.req.path} not found`)
    const input = c.req.valid('json')
    const result = await notify(c, c.get('user')._id, {
      ...input,
      type: input.type ?? 'system.test',
      title: input.title ?? 'Test notification',
    })
    return c.json({ success: true, ...result }, 201)
  },
)
