// Orders: placing one from the cart (idempotent per buyer and key, stock reserved item by item and
// given back if any item fails), the status machine, and who sees which part of an order.
import { ObjectId, type Db } from 'mongodb'
import { AppError } from '../errors'
import {
  carts,
  orders,
  products,
  type CartItem,
  type OrderDoc,
  type OrderItem,
  type OrderStatus,
} from './store'
import type { UserDoc } from '../auth/users-store'
import { cartHash } from './cart'
import { isAdmin } from './products'
import { commit, release, reserve } from './stock'

/** A RESERVING order older than this is taken to be from a request that died mid-way. */
const STALE_RESERVING_MS = 60_000
/** How long a retry waits for the first request with its key to finish. */
const WAIT_FOR_FIRST_MS = 10_000

const isDuplicateKey = (error: unknown) => (error as { code?: unknown })?.code === 11000
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Gives back what an unfinished order holds and removes it, so its key can be used again. */
async function abandon(db: Db, order: OrderDoc) {
  await release(db, order._id, order.items)
  await orders(db).deleteOne({ _id: order._id, status: 'RESERVING' })
}

/** The order once no request is placing it any more; null if that attempt failed and is gone. */
async function settled(db: Db, order: OrderDoc, now: () => Date): Promise<OrderDoc | null> {
  const deadline = Date.now() + WAIT_FOR_FIRST_MS
  let current: OrderDoc | null = order
  while (current?.status === 'RESERVING') {
    if (now().getTime() - current.createdAt.getTime() > STALE_RESERVING_MS) {
      await abandon(db, current)
      return null
    }
    if (Date.now() > deadline)
      throw new AppError('CONFLICT', 'This order is still being placed; retry shortly')
    await sleep(50)
    current = await orders(db).findOne({ _id: current._id })
  }
  return current
}

const unavailable = (title: string, productId: ObjectId, message = `"${title}" is not available`) =>
  new AppError('CONFLICT', message, [{ path: `items.${productId.toHexString()}`, message }])

/** The order as it would be placed now: current titles and prices, one seller id per line. */
async function buildOrder(
  db: Db,
  buyer: UserDoc,
  key: string,
  items: CartItem[],
  hash: string,
  now: Date,
): Promise<OrderDoc> {
  const found = await products(db)
    .find({ _id: { $in: items.map((i) => i.productId) } }, { projection: { reservations: 0 } })
    .toArray()
  const byId = new Map(found.map((p) => [p._id.toHexString(), p]))
  const lines: OrderItem[] = items.map((item) => {
    const product = byId.get(item.productId.toHexString())
    if (!product || product.status !== 'ACTIVE')
      throw unavailable(product?.title ?? item.productId.toHexString(), item.productId)
    if (product.sellerId.equals(buyer._id))
      throw unavailable(product.title, product._id, `"${product.title}" is your own product`)
    return {
      productId: product._id,
      sellerId: product.sellerId,
      title: product.title,
      unitPriceMinor: product.priceMinor,
      quantity: item.quantity,
    }
  })
  const currencies = [...new Set(items.map((i) => byId.get(i.productId.toHexString())!.currency))]
  if (currencies.length > 1)
    throw new AppError(
      'CONFLICT',
      `Your cart mixes currencies (${currencies.join(', ')}); order them one currency at a time`,
    )
  return {
    _id: new ObjectId(),
    buyerId: buyer._id,
    idempotencyKey: key,
    cartHash: hash,
    status: 'RESERVING',
    items: lines,
    sellerIds: [...new Map(lines.map((l) => [l.sellerId.toHexString(), l.sellerId])).values()],
    currency: currencies[0]!,
    totalMinor: lines.reduce((sum, l) => sum + l.unitPriceMinor * l.quantity, 0),
    createdAt: now,
    updatedAt: now,
  }
}

/** Why a reservation was refused, named after the product, for the 409. */
async function shortage(db: Db, item: OrderItem) {
  const product = await products(db).findOne(
    { _id: item.productId },
    { projection: { status: 1, stock: 1, title: 1 } },
  )
  if (!product || product.status !== 'ACTIVE') return unavailable(item.title, item.productId)
  if (product.stock < item.quantity)
    return unavailable(
      item.title,
      item.productId,
      `Not enough stock of "${item.title}": ${product.stock} left, ${item.quantity} wanted`,
    )
  return unavailable(
    item.title,
    item.productId,
    `The price of "${item.title}" changed while ordering; review your cart`,
  )
}

/** Takes every item's stock or none of it. */
async function reserveAll(db: Db, order: OrderDoc) {
  for (const item of order.items) {
    if (await reserve(db, order._id, item, order.currency)) continue
    await abandon(db, order)
    throw await shortage(db, item)
  }
}

/**
 * Places the buyer's cart as one order under `key`. The RESERVING record goes in first, so a
 * concurrent or later request with the same key finds it (11000 on the unique key) and answers
 * that order instead of reserving again. `created` is false for such a replay.
 */
export async function placeOrder(db: Db, buyer: UserDoc, key: string, now: () => Date) {
  for (let attempt = 0; attempt < 3; attempt++) {
    const items = (await carts(db).findOne({ _id: buyer._id }))?.items ?? []
    const hash = await cartHash(items)
    const existing = await orders(db).findOne({ buyerId: buyer._id, idempotencyKey: key })
    if (existing) {
      const order = await settled(db, existing, now)
      if (!order) continue
      // After success the cart is empty; a non-empty cart must be the one the key was used for.
      if (items.length > 0 && order.cartHash !== hash)
        throw new AppError(
          'CONFLICT',
          'This Idempotency-Key was already used for a different cart; use a new key',
        )
      return { order, created: false }
    }
    if (items.length === 0) throw new AppError('BAD_REQUEST', 'Your cart is empty')
    const draft = await buildOrder(db, buyer, key, items, hash, now())
    try {
      await orders(db).insertOne(draft)
    } catch (error) {
      if (isDuplicateKey(error)) continue
      throw error
    }
    await reserveAll(db, draft)
    const placedAt = now()
    const placed = await orders(db).findOneAndUpdate(
      { _id: draft._id, status: 'RESERVING' },
      { $set: { status: 'PENDING', placedAt, updatedAt: placedAt } },
      { returnDocument: 'after' },
    )
    if (!placed) {
      // A retry judged this attempt dead and abandoned it; give back what was taken after that.
      await release(db, draft._id, draft.items)
      throw new AppError('CONFLICT', 'Placing the order took too long; try again')
    }
    await carts(db).updateOne(
      { _id: buyer._id },
      {
        $pull: { items: { productId: { $in: draft.items.map((i) => i.productId) } } },
        $set: { updatedAt: placedAt },
      },
    )
    return { order: placed, created: true }
  }
  throw new AppError('CONFLICT', 'This order is being placed by another request; retry shortly')
}

export type View = 'buyer' | 'seller' | 'admin'

/** How the caller sees the order, or null when they may not see it at all. */
export function viewOf(order: OrderDoc, user: UserDoc): View | null {
  if (order.status === 'RESERVING') return null
  if (order.buyerId.equals(user._id)) return 'buyer'
  if (isAdmin(user)) return 'admin'
  if (order.sellerIds.some((s) => s.equals(user._id))) return 'seller'
  return null
}

const soleSeller = (order: OrderDoc, user: UserDoc) =>
  order.items.every((i) => i.sellerId.equals(user._id))

/** A seller sees only their own lines and their subtotal, not what else the buyer bought. */
export function publicOrder(order: OrderDoc, user: UserDoc, view: View) {
  const items =
    view === 'seller' ? order.items.filter((i) => i.sellerId.equals(user._id)) : order.items
  const iso = (d?: Date) => d?.toISOString() ?? null
  return {
    id: order._id.toHexString(),
    _id: order._id.toHexString(),
    view,
    buyerId: order.buyerId.toHexString(),
    status: order.status,
    currency: order.currency,
    items: items.map((i) => ({
      productId: i.productId.toHexString(),
      sellerId: i.sellerId.toHexString(),
      title: i.title,
      unitPriceMinor: i.unitPriceMinor,
      quantity: i.quantity,
      lineTotalMinor: i.unitPriceMinor * i.quantity,
    })),
    ...(view === 'seller'
      ? { sellerTotalMinor: items.reduce((s, i) => s + i.unitPriceMinor * i.quantity, 0) }
      : { totalMinor: order.totalMinor }),
    canFulfil: view === 'admin' || (view === 'seller' && soleSeller(order, user)),
    createdAt: order.createdAt.toISOString(),
    placedAt: iso(order.placedAt),
    paidAt: iso(order.paidAt),
    shippedAt: iso(order.shippedAt),
    deliveredAt: iso(order.deliveredAt),
    cancelledAt: iso(order.cancelledAt),
  }
}

type Stamp = 'paidAt' | 'shippedAt' | 'deliveredAt' | 'cancelledAt'
interface Transition {
  from: readonly OrderStatus[]
  to: OrderStatus
  stamp: Stamp
  /** Who may: the buyer (admins may cancel too), or the seller of every line (or an admin). */
  by: 'buyer' | 'seller'
}

export const TRANSITIONS = {
  pay: { from: ['PENDING'], to: 'PAID', stamp: 'paidAt', by: 'buyer' },
  cancel: { from: ['PENDING', 'PAID'], to: 'CANCELLED', stamp: 'cancelledAt', by: 'buyer' },
  ship: { from: ['PAID'], to: 'SHIPPED', stamp: 'shippedAt', by: 'seller' },
  deliver: { from: ['SHIPPED'], to: 'DELIVERED', stamp: 'deliveredAt', by: 'seller' },
} as const satisfies Record<string, Transition>
export type Action = keyof typeof TRANSITIONS

function assertMay(action: Action, order: OrderDoc, user: UserDoc, view: View) {
  const rule: Transition = TRANSITIONS[action]
  const allowed =
    rule.by === 'buyer'
      ? view === 'buyer' || (action === 'cancel' && view === 'admin')
      : view === 'admin' || (view === 'seller' && soleSeller(order, user))
  if (!allowed)
    throw new AppError(
      'FORBIDDEN',
      rule.by === 'buyer'
        ? `Only the buyer may ${action} this order`
        : `Only the seller of every item (or an admin) may ${action} this order`,
    )
}

/**
 * Moves the order along `action`, conditional on its status, so of two racing requests only one
 * applies — which is what makes a cancellation give the stock back exactly once.
 */
export async function transition(
  db: Db,
  order: OrderDoc,
  action: Action,
  user: UserDoc,
  view: View,
  now: Date,
) {
  assertMay(action, order, user, view)
  const rule: Transition = TRANSITIONS[action]
  const moved = rule.from.includes(order.status)
    ? await orders(db).findOneAndUpdate(
        { _id: order._id, status: { $in: [...rule.from] } },
        {
          $set: {
            status: rule.to,
            [rule.stamp]: now,
            updatedAt: now,
            ...(action === 'cancel' ? { cancelledBy: user._id } : {}),
          },
        },
        { returnDocument: 'after' },
      )
    : null
  if (!moved) {
    const current = (await orders(db).findOne({ _id: order._id })) ?? order
    // A cancellation that died before giving the stock back is finished by the next attempt.
    if (current.status === 'CANCELLED' && !current.stockReleasedAt)
      await returnStock(db, current, now)
    throw new AppError('CONFLICT', `Cannot ${action} an order that is ${current.status}`)
  }
  if (action === 'cancel') return returnStock(db, moved, now)
  if (action === 'ship') await commit(db, moved._id, moved.items)
  return moved
}

async function returnStock(db: Db, order: OrderDoc, now: Date) {
  await release(db, order._id, order.items)
  return (
    (await orders(db).findOneAndUpdate(
      { _id: order._id },
      { $set: { stockReleasedAt: now } },
      { returnDocument: 'after' },
    )) ?? order
  )
}
