// Sanora `carts` → `carts`. Our cart is keyed by its user's id (worker/marketplace/cart.ts), so the
// imported cart's `_id` is the user's and the old cart id is kept as `legacy.cartId`; a user with
// several old carts keeps the newest. Lines hold product ids and quantities only (our cart reads
// prices from the products); a line whose product does not exist is reported and dropped.
import type { ObjectId } from 'mongodb'
import { MAX_QUANTITY } from '../../marketplace/cart'
import type { CartItem } from '../../marketplace/store'
import type { LegacySource } from '../legacy-source'
import { asDate, asObjectId, unknownFields } from '../legacy-fields'
import type { Fields, LegacyDoc, Note, Ref, Step, Transformed } from '../step'

const CART_KEY = ['user', 'userId', 'owner']
const CART_KNOWN = [...CART_KEY, 'items', 'products', 'createdAt', 'updatedAt']
const ITEM_KNOWN = ['_id', 'product', 'productId', 'quantity', 'qty', 'addedAt']
/** Our cart's own limit on lines (worker/marketplace/cart.ts). */
const MAX_LINES = 50

const cartUser = (doc: Fields) =>
  asObjectId(doc.user) ?? asObjectId(doc.userId) ?? asObjectId(doc.owner)

const lineProduct = (item: Fields) =>
  asObjectId(item.product) ??
  asObjectId(item.productId) ??
  asObjectId((item.product as Fields | null)?._id)

const itemsOf = (doc: Fields): Fields[] =>
  (Array.isArray(doc.items) ? doc.items : Array.isArray(doc.products) ? doc.products : []).filter(
    (i): i is Fields => !!i && typeof i === 'object',
  )

const updatedOf = (doc: LegacyDoc) =>
  (asDate(doc.updatedAt) ?? asDate(doc.createdAt) ?? doc._id.getTimestamp()).getTime()

export interface CartsPrepared {
  /** The cart each user of the batch keeps: the newest (then the highest `_id`). */
  kept: Map<string, ObjectId>
  /** The products the batch's lines name that exist in the legacy database. */
  products: Set<string>
}

async function prepareCarts(batch: LegacyDoc[], source: LegacySource): Promise<CartsPrepared> {
  const userIds = batch.flatMap((d) => cartUser(d) ?? [])
  const all = userIds.length
    ? await source.find('sanora', 'carts', {
        $or: CART_KEY.map((field) => ({ [field]: { $in: userIds } })),
      })
    : []
  const kept = new Map<string, LegacyDoc>()
  for (const cart of all) {
    const user = String(cartUser(cart))
    const current = kept.get(user)
    const newer =
      !current ||
      updatedOf(cart) > updatedOf(current) ||
      (updatedOf(cart) === updatedOf(current) && String(cart._id) > String(current._id))
    if (newer) kept.set(user, cart)
  }
  const productIds = batch.flatMap((d) => itemsOf(d).flatMap((i) => lineProduct(i) ?? []))
  return {
    kept: new Map([...kept].map(([user, cart]) => [user, cart._id])),
    products: await source.existing('sanora', 'products', productIds),
  }
}

export const sanoraCarts: Step<CartsPrepared> = {
  name: 'sanora.carts',
  group: 'marketplace',
  db: 'sanora',
  collection: 'carts',
  prepare: prepareCarts,
  transform(doc, _ctx, prepared): Transformed {
    const id = String(doc._id)
    const userId = cartUser(doc)
    if (!userId) return { skip: 'no user', outputs: [] }
    const refs: Ref[] = [{ field: 'user', db: 'sanora', collection: 'users', id: userId }]
    if (prepared && !prepared.kept.get(String(userId))?.equals(doc._id))
      return { skip: 'an older cart of a user with a newer one', outputs: [], refs }
    const notes: Note[] = []
    const updatedAt = new Date(updatedOf(doc))
    const items: CartItem[] = []
    const extras: Fields[] = []
    for (const item of itemsOf(doc)) {
      const productId = lineProduct(item)
      if (!productId) continue
      refs.push({ field: 'items.product', db: 'sanora', collection: 'products', id: productId })
      if (prepared && !prepared.products.has(String(productId))) continue
      const raw = typeof item.quantity === 'number' ? item.quantity : item.qty
      const quantity = typeof raw === 'number' && raw >= 1 ? Math.floor(raw) : 1
      const same = items.find((i) => i.productId.equals(productId))
      if (same) same.quantity = Math.min(MAX_QUANTITY, same.quantity + quantity)
      else if (items.length < MAX_LINES)
        items.push({
          productId,
          quantity: Math.min(MAX_QUANTITY, quantity),
          addedAt: asDate(item.addedAt) ?? updatedAt,
        })
      const extra = unknownFields(item, ITEM_KNOWN)
      if (Object.keys(extra).length > 0) extras.push({ product: productId, ...extra })
    }
    if (itemsOf(doc).length > MAX_LINES)
      notes.push({ kind: `cart lines beyond ${MAX_LINES} dropped`, detail: { id } })
    const legacy: Fields = { cartId: doc._id, ...unknownFields(doc, CART_KNOWN) }
    // What the old lines carried besides product and quantity (the price seen when added).
    if (extras.length > 0) legacy.items = extras
    return {
      outputs: [{ collection: 'carts', document: { _id: userId, items, updatedAt, legacy } }],
      refs,
      notes,
    }
  },
}
