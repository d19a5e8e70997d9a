// Orders (/api/marketplace/orders): placing the cart as an order (Idempotency-Key required), the
// buyer's, seller's and admin's lists, one order, and its status changes.
import { z } from '@hono/zod-openapi'
import { ObjectId, type Filter } from 'mongodb'
import { AppError } from '../../errors'
import { NewestCursorSchema, encodeListingCursor } from '../../cursors'
import { TRANSITIONS, placeOrder, publicOrder, transition, viewOf } from '../orders'
import { isAdmin } from '../products'
import { enforceRateLimit } from '../../middleware/rate-limit'
import { createRouter, errorResponses, optionalJsonBody } from '../../openapi'
import { ORDER_STATUSES, orders, type OrderDoc } from '../store'
import { ObjectIdSchema } from '../../../shared/ids'
import { authedRoute } from '../../authed-route'
import { newestFirst } from '../../paging'

export const ORDER_LIMIT = { name: 'marketplace-order', limit: 30, window: '1 m' } as const
const Params = z.object({ id: ObjectIdSchema })

export const marketplaceOrders = createRouter()

marketplaceOrders.openapi(
  authedRoute({
    method: 'post',
    path: '/orders',
    tags: ['Marketplace'],
    summary:
      'Order your cart at current prices (one currency per order); retrying with the same ' +
      'Idempotency-Key answers the same order',
    request: {
      headers: z.object({
        'idempotency-key': z
          .string()
          .min(8)
          .max(100)
          .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces'),
      }),
      // Nothing to send: prices, items and totals all come from the cart and the products.
      ...optionalJsonBody(z.strictObject({})),
    },
    responses: {
      200: { description: 'The order placed earlier with this key' },
      201: { description: 'The new PENDING order' },
      ...errorResponses(409, 429),
    },
  }),
  async (c) => {
    const buyer = c.get('user')
    await enforceRateLimit(c, ORDER_LIMIT, [`user:${buyer._id.toHexString()}`])
    const { database, now } = c.get('services')
    const { order, created } = await placeOrder(
      await database.db(),
      buyer,
      c.req.valid('header')['idempotency-key'],
      now,
    )
    if (!created) c.header('Idempotent-Replayed', 'true')
    return c.json({ success: true, order: publicOrder(order, buyer, 'buyer') }, created ? 201 : 200)
  },
)

marketplaceOrders.openapi(
  authedRoute({
    method: 'get',
    path: '/orders',
    tags: ['Marketplace'],
    summary:
      'Your orders, newest first; as=seller: orders holding your products (your lines only); ' +
      'as=admin: all orders',
    request: {
      query: z.object({
        as: z.enum(['buyer', 'seller', 'admin']).default('buyer'),
        status: z.enum(ORDER_STATUSES).optional(),
        cursor: NewestCursorSchema.optional(),
        limit: z.coerce.number().int().min(1).max(100).default(20),
      }),
    },
    responses: { 200: { description: 'A page of orders' }, ...errorResponses(403) },
  }),
  async (c) => {
    const { as, status, cursor, limit } = c.req.valid('query')
    const user = c.get('user')
    if (as === 'admin' && !isAdmin(user))
      throw new AppError('FORBIDDEN', 'Only admins may list every order')
    const filter: Filter<OrderDoc> = {
      ...(as === 'buyer' ? { buyerId: user._id } : as === 'seller' ? { sellerIds: user._id } : {}),
      status: status ?? { $ne: 'RESERVING' },
    }
    const { items, nextCursor } = await newestFirst(
      orders(await c.get('services').database.db()),
      filter,
      { before: cursor?.id, limit },
      (last) => encodeListingCursor('newest', last),
    )
    return c.json(
      { success: true, orders: items.map((o) => publicOrder(o, user, as)), nextCursor },
      200,
    )
  },
)

marketplaceOrders.openapi(
  authedRoute({
    method: 'get',
    path: '/orders/{id}',
    tags: ['Marketplace'],
    summary: 'One order: its buyer, an admin, or a seller of some of its items (their lines)',
    request: { params: Params },
    responses: { 200: { description: 'The order' }, ...errorResponses(404) },
  }),
  async (c) => {
    const user = c.get('user')
    const order = await orders(await c.get('services').database.db()).findOne({
      _id: new ObjectId(c.req.valid('param').id),
    })
    const view = order && viewOf(order, user)
    // Someone else's order answers exactly like a missing one.
    if (!order || !view) throw new AppError('NOT_FOUND', 'Order not found')
    return c.json({ success: true, order: publicOrder(order, user, view) }, 200)
  },
)

for (const action of Object.keys(TRANSITIONS) as (keyof typeof TRANSITIONS)[]) {
  const rule = TRANSITIONS[action]
  marketplaceOrders.openapi(
    authedRoute({
      method: 'post',
      path: `/orders/{id}/${action}`,
      tags: ['Marketplace'],
      summary: {
        pay: 'Mark your order PAID (no payment provider is involved: this only records it)',
        cancel: 'Cancel your PENDING or PAID order; its stock is returned',
        ship: 'Mark a PAID order SHIPPED (the seller of every item, or an admin)',
        deliver: 'Mark a SHIPPED order DELIVERED (the seller of every item, or an admin)',
      }[action],
      request: { params: Params },
      responses: {
        200: { description: `The order, now ${rule.to}` },
        ...errorResponses(403, 404, 409),
      },
    }),
    async (c) => {
      const user = c.get('user')
      const { database, now } = c.get('services')
      const db = await database.db()
      const order = await orders(db).findOne({ _id: new ObjectId(c.req.valid('param').id) })
      const view = order && viewOf(order, user)
      if (!order || !view) throw new AppError('NOT_FOUND', 'Order not found')
      const moved = await transition(db, order, action, user, view, now())
      return c.json({ success: true, order: publicOrder(moved, user, view) }, 200)
    },
  )
}
