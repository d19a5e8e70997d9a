// Sanora `orders` → `orders`. An order is the record of a sale: each line keeps the price paid at
// the time (never today's), and an order naming a product that no longer exists is still imported
// (the reference reported; the line's seller and title then come from the line itself, if it kept
// them). Statuses map to ours; the total is recomputed from the lines and an old stored total that
// disagrees is reported. Imported orders hold no stock reservations: cancelling one gives nothing
// back (worker/marketplace/stock.ts gives back only what an order of ours reserved).
import { ObjectId } from 'mongodb'
import { cartHash } from '../../marketplace/cart'
import type { OrderDoc, OrderItem, OrderStatus } from '../../marketplace/store'
import type { LegacySource } from '../legacy-source'
import { asDate, asObjectId, asString, counterDifference, unknownFields } from '../legacy-fields'
import type { Fields, LegacyDoc, Note, OutputDocument, Ref, Step, Transformed } from '../step'
import { DEFAULT_CURRENCY, currencyOf, minorUnits } from './money'
import { productSeller } from './products'

/**
 * The seller of a line whose product is gone and which did not keep its seller: a sentinel id no
 * account has, so no one but an admin can fulfil the line.
 */
export const UNKNOWN_SELLER = new ObjectId('000000000000000000000000')

const BUYER_FIELDS = ['user', 'userId', 'buyer', 'buyerId', 'customer']
const ORDER_KNOWN = [
  ...BUYER_FIELDS,
  'items',
  'products',
  'orderItems',
  'totalAmount',
  'total',
  'totalPrice',
  'currency',
  'status',
  'orderStatus',
  'paidAt',
  'shippedAt',
  'deliveredAt',
  'cancelledAt',
  'createdAt',
  'updatedAt',
]
const ITEM_KNOWN = [
  '_id',
  'product',
  'productId',
  'quantity',
  'qty',
  'price',
  'unitPrice',
  'priceAtPurchase',
  'title',
  'name',
  'seller',
  'sellerId',
]

const STATUSES: Record<string, Exclude<OrderStatus, 'RESERVING'>> = {
  pending: 'PENDING',
  placed: 'PENDING',
  created: 'PENDING',
  new: 'PENDING',
  paid: 'PAID',
  processing: 'PAID',
  confirmed: 'PAID',
  shipped: 'SHIPPED',
  dispatched: 'SHIPPED',
  delivered: 'DELIVERED',
  completed: 'DELIVERED',
  cancelled: 'CANCELLED',
  canceled: 'CANCELLED',
  refunded: 'CANCELLED',
}

const orderBuyer = (doc: Fields) =>
  BUYER_FIELDS.map((f) => asObjectId(doc[f]) ?? asObjectId((doc[f] as Fields | null)?._id)).find(
    (id) => id !== undefined,
  )

const linesOf = (doc: Fields): Fields[] =>
  [doc.items, doc.orderItems, doc.products]
    .find((v) => Array.isArray(v))
    ?.filter((i): i is Fields => !!i && typeof i === 'object') ?? []

const lineProduct = (item: Fields) =>
  asObjectId(item.product) ??
  asObjectId(item.productId) ??
  asObjectId((item.product as Fields | null)?._id)

/** The products the batch's lines name, as they are in the legacy database. */
export type OrderProducts = Map<string, LegacyDoc>

async function productsOf(batch: LegacyDoc[], source: LegacySource): Promise<OrderProducts> {
  const ids = batch.flatMap((d) => linesOf(d).flatMap((i) => lineProduct(i) ?? []))
  if (ids.length === 0) return new Map()
  const found = await source.find('sanora', 'products', { _id: { $in: ids } })
  return new Map(found.map((p) => [String(p._id), p]))
}

export const sanoraOrders: Step<OrderProducts> = {
  name: 'sanora.orders',
  group: 'marketplace',
  db: 'sanora',
  collection: 'orders',
  prepare: productsOf,
  async transform(doc, _ctx, products): Promise<Transformed> {
    const id = String(doc._id)
    const buyerId = orderBuyer(doc)
    if (!buyerId) return { skip: 'no buyer', outputs: [] }
    const notes: Note[] = []
    const refs: Ref[] = [{ field: 'buyer', db: 'sanora', collection: 'users', id: buyerId }]
    const items: OrderItem[] = []
    const currencies = new Set<string>()
    const extras: Fields[] = []
    for (const line of linesOf(doc)) {
      const productId = lineProduct(line)
      if (!productId) continue
      refs.push({ field: 'items.product', db: 'sanora', collection: 'products', id: productId })
      const product = products?.get(String(productId))
      const sellerId =
        asObjectId(line.seller) ??
        asObjectId(line.sellerId) ??
        (product ? productSeller(product) : undefined)
      let unitPriceMinor = minorUnits(line.price ?? line.unitPrice ?? line.priceAtPurchase)
      if (unitPriceMinor === undefined) {
        unitPriceMinor = product ? minorUnits(product.price) : undefined
        notes.push({
          kind: "line without its price: the product's price imported",
          detail: { id, product: String(productId), found: unitPriceMinor !== undefined },
        })
      }
      const raw = typeof line.quantity === 'number' ? line.quantity : line.qty
      const productCurrency = product ? currencyOf(product.currency) : undefined
      if (productCurrency) currencies.add(productCurrency)
      items.push({
        productId,
        sellerId: sellerId ?? UNKNOWN_SELLER,
        title:
          asString(line.title) ??
          asString(line.name) ??
          asString(product?.title) ??
          asString(product?.name) ??
          'Product no longer listed',
        unitPriceMinor: unitPriceMinor ?? 0,
        quantity: typeof raw === 'number' && raw >= 1 ? Math.floor(raw) : 1,
      })
      const extra = unknownFields(line, ITEM_KNOWN)
      if (Object.keys(extra).length > 0) extras.push({ product: productId, ...extra })
    }
    if (items.length === 0) return { skip: 'no items', outputs: [], refs }
    const unknownSellers = items.filter((i) => i.sellerId.equals(UNKNOWN_SELLER)).length
    if (unknownSellers > 0)
      notes.push({
        kind: 'order lines of an unknown seller',
        detail: { id, lines: unknownSellers },
      })

    const rawStatus = asString(doc.status) ?? asString(doc.orderStatus)
    const status = rawStatus ? STATUSES[rawStatus.toLowerCase()] : undefined
    if (!status)
      notes.push({ kind: 'unknown status, imported as PENDING', detail: { id, status: rawStatus } })
    const currency = currencyOf(doc.currency) ?? [...currencies][0] ?? DEFAULT_CURRENCY
    const totalMinor = items.reduce((sum, i) => sum + i.unitPriceMinor * i.quantity, 0)
    const storedTotal = minorUnits(doc.totalAmount ?? doc.total ?? doc.totalPrice)
    const difference = counterDifference('order total (minor units)', id, storedTotal, totalMinor)
    if (difference) notes.push(difference)

    const createdAt = asDate(doc.createdAt) ?? doc._id.getTimestamp()
    const updatedAt = asDate(doc.updatedAt) ?? createdAt
    const legacy = unknownFields(doc, ORDER_KNOWN)
    if (rawStatus && !status) legacy.status = rawStatus
    if (extras.length > 0) legacy.items = extras
    const sellers = items.filter((i) => !i.sellerId.equals(UNKNOWN_SELLER)).map((i) => i.sellerId)
    const order: OutputDocument & OrderDoc = {
      _id: doc._id,
      buyerId,
      // Unique per buyer with ours; never reused by an app, which makes its own keys.
      idempotencyKey: `legacy:${id}`,
      cartHash: await cartHash(items),
      status: status ?? 'PENDING',
      items,
      sellerIds: [...new Map(sellers.map((s) => [String(s), s])).values()],
      currency,
      totalMinor,
      createdAt,
      updatedAt,
      placedAt: createdAt,
      legacy,
    }
    for (const stamp of ['paidAt', 'shippedAt', 'deliveredAt', 'cancelledAt'] as const) {
      const at = asDate(doc[stamp])
      if (at) order[stamp] = at
    }
    // Whatever stock the old system held for it was its own business: nothing to give back here.
    if (order.status === 'CANCELLED') order.stockReleasedAt = order.cancelledAt ?? updatedAt
    return { outputs: [{ collection: 'orders', document: order }], refs, notes }
  },
}
