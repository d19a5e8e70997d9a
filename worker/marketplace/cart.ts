// The cart: one document per user holding product ids and quantities (prices are always read from
// the products), changed with single-document updates, and shown with current product data.
import type { Context } from 'hono'
import type { Db, ObjectId } from 'mongodb'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { carts, products, type CartItem } from './store'
import type { UserDoc } from '../auth/users-store'
import { PRODUCT_PROJECTION, publicProducts } from './products'

export const MAX_QUANTITY = 100
const MAX_LINES = 50

const isDuplicateKey = (error: unknown) => (error as { code?: unknown })?.code === 11000

/** Adds `quantity` units of a product: raises its line, or appends a line (creating the cart). */
export async function addToCart(
  db: Db,
  userId: ObjectId,
  productId: ObjectId,
  quantity: number,
  now: Date,
) {
  // Two attempts cover a concurrent add of the same product between our two updates.
  for (let attempt = 0; attempt < 2; attempt++) {
    const raised = await carts(db).updateOne(
      {
        _id: userId,
        items: { $elemMatch: { productId, quantity: { $lte: MAX_QUANTITY - quantity } } },
      },
      { $inc: { 'items.$.quantity': quantity }, $set: { updatedAt: now } },
    )
    if (raised.matchedCount === 1) return
    try {
      // The upsert creates the cart; when the cart exists but the filter fails, the insert it
      // attempts collides on _id (11000), which means "line present or cart full".
      await carts(db).updateOne(
        {
          _id: userId,
          'items.productId': { $ne: productId },
          [`items.${MAX_LINES - 1}`]: { $exists: false },
        },
        {
          $push: { items: { productId, quantity, addedAt: now } },
          $set: { updatedAt: now },
        },
        { upsert: true },
      )
      return
    } catch (error) {
      if (!isDuplicateKey(error)) throw error
    }
  }
  const cart = await carts(db).findOne({ _id: userId })
  const line = cart?.items.find((i) => i.productId.equals(productId))
  if (line)
    throw new AppError(
      'CONFLICT',
      `At most ${MAX_QUANTITY} units of a product per cart (you have ${line.quantity})`,
    )
  throw new AppError('CONFLICT', `A cart holds at most ${MAX_LINES} different products`)
}

/** A fingerprint of the cart's content, independent of the order of its lines. */
export async function cartHash(items: Pick<CartItem, 'productId' | 'quantity'>[]) {
  const text = items
    .map((i) => `${i.productId.toHexString()}:${i.quantity}`)
    .sort()
    .join(',')
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** The cart with each line's current product data, availability, and totals per currency. */
export async function cartView(c: Context<AppEnv>, user: UserDoc) {
  const db = await c.get('services').database.db()
  const cart = await carts(db).findOne({ _id: user._id })
  const items = cart?.items ?? []
  const docs = items.length
    ? await products(db)
        .find({ _id: { $in: items.map((i) => i.productId) } }, { projection: PRODUCT_PROJECTION })
        .toArray()
    : []
  const shown = new Map((await publicProducts(c, docs, user)).map((p) => [p.id, p] as const))
  const lines = items.map((item) => {
    const product = shown.get(item.productId.toHexString())
    const unavailable = !product
      ? 'missing'
      : product.status !== 'ACTIVE'
        ? 'inactive'
        : product.stock < item.quantity
          ? 'insufficient_stock'
          : null
    return {
      productId: item.productId.toHexString(),
      quantity: item.quantity,
      product: product
        ? {
            title: product.title,
            priceMinor: product.priceMinor,
            currency: product.currency,
            status: product.status,
            stock: product.stock,
            image: product.images[0]?.url ?? null,
          }
        : null,
      available: unavailable === null,
      unavailableReason: unavailable,
      lineTotalMinor: product ? product.priceMinor * item.quantity : null,
      addedAt: item.addedAt.toISOString(),
    }
  })
  const totals = new Map<string, { currency: string; totalMinor: number; quantity: number }>()
  for (const line of lines) {
    if (!line.available) continue
    const t = totals.get(line.product!.currency) ?? {
      currency: line.product!.currency,
      totalMinor: 0,
      quantity: 0,
    }
    t.totalMinor += line.lineTotalMinor!
    t.quantity += line.quantity
    totals.set(t.currency, t)
  }
  return {
    items: lines,
    totals: [...totals.values()],
    orderable: lines.length > 0 && lines.every((l) => l.available) && totals.size === 1,
    updatedAt: cart?.updatedAt.toISOString() ?? null,
  }
}
