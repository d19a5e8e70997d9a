// The cart (/api/marketplace/cart): one per user; every change answers the cart as it now is,
// with current prices and availability (the cart itself never stores a price).
import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { ObjectId } from 'mongodb'
import type { AppEnv } from '../../env'
import { AppError } from '../../errors'
import { MAX_QUANTITY, addToCart, cartView } from '../cart'
import { loadVisibleProduct, ownsProduct } from '../products'
import { createRouter, errorResponses, jsonBody } from '../../openapi'
import { carts } from '../store'
import { ObjectIdSchema } from '../../../shared/ids'
import { authedRoute } from '../../authed-route'

const ItemParams = z.object({ productId: ObjectIdSchema })

async function answer(c: Context<AppEnv>) {
  return c.json({ success: true, cart: await cartView(c, c.get('user')) }, 200)
}

export const marketplaceCart = createRouter()

marketplaceCart.openapi(
  authedRoute({
    method: 'get',
    path: '/cart',
    tags: ['Marketplace'],
    summary: 'Your cart with current titles, prices, availability and a total per currency',
    responses: { 200: { description: 'The cart' } },
  }),
  (c) => answer(c),
)

marketplaceCart.openapi(
  authedRoute({
    method: 'post',
    path: '/cart',
    tags: ['Marketplace'],
    summary: 'Add a product to your cart, or raise its quantity',
    request: jsonBody(
      z.strictObject({
        productId: ObjectIdSchema,
        quantity: z.number().int().min(1).max(MAX_QUANTITY).default(1),
      }),
    ),
    responses: { 200: { description: 'The cart' }, ...errorResponses(404, 409) },
  }),
  async (c) => {
    const { productId, quantity } = c.req.valid('json')
    const user = c.get('user')
    const { database, now } = c.get('services')
    const db = await database.db()
    const product = await loadVisibleProduct(db, productId, user)
    if (ownsProduct(product, user))
      throw new AppError('CONFLICT', 'You cannot buy your own product')
    if (product.status !== 'ACTIVE') throw new AppError('CONFLICT', 'This product is not for sale')
    await addToCart(db, user._id, product._id, quantity, now())
    return answer(c)
  },
)

marketplaceCart.openapi(
  authedRoute({
    method: 'put',
    path: '/cart/items/{productId}',
    tags: ['Marketplace'],
    summary: 'Set the quantity of a product in your cart (0 removes it)',
    request: {
      params: ItemParams,
      ...jsonBody(z.strictObject({ quantity: z.number().int().min(0).max(MAX_QUANTITY) })),
    },
    responses: { 200: { description: 'The cart' }, ...errorResponses(404) },
  }),
  async (c) => {
    const productId = new ObjectId(c.req.valid('param').productId)
    const { quantity } = c.req.valid('json')
    const { database, now } = c.get('services')
    const userId = c.get('user')._id
    const { matchedCount } = await carts(await database.db()).updateOne(
      { _id: userId, 'items.productId': productId },
      quantity === 0
        ? { $pull: { items: { productId } }, $set: { updatedAt: now() } }
        : { $set: { 'items.$.quantity': quantity, updatedAt: now() } },
    )
    if (matchedCount === 0) throw new AppError('NOT_FOUND', 'This product is not in your cart')
    return answer(c)
  },
)

marketplaceCart.openapi(
  authedRoute({
    method: 'delete',
    path: '/cart/items/{productId}',
    tags: ['Marketplace'],
    summary: 'Remove a product from your cart',
    request: { params: ItemParams },
    responses: { 200: { description: 'The cart' }, ...errorResponses(404) },
  }),
  async (c) => {
    const productId = new ObjectId(c.req.valid('param').productId)
    const { database, now } = c.get('services')
    const { matchedCount } = await carts(await database.db()).updateOne(
      { _id: c.get('user')._id, 'items.productId': productId },
      { $pull: { items: { productId } }, $set: { updatedAt: now() } },
    )
    if (matchedCount === 0) throw new AppError('NOT_FOUND', 'This product is not in your cart')
    return answer(c)
  },
)

marketplaceCart.openapi(
  authedRoute({
    method: 'delete',
    path: '/cart',
    tags: ['Marketplace'],
    summary: 'Empty your cart',
    responses: { 200: { description: 'The (empty) cart' } },
  }),
  async (c) => {
    const { database, now } = c.get('services')
    await carts(await database.db()).updateOne(
      { _id: c.get('user')._id },
      { $set: { items: [], updatedAt: now() } },
    )
    return answer(c)
  },
)
