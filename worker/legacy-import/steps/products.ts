// Sanora `products` and `inventories` → `products`. Our stock lives on the product
// (worker/marketplace/stock.ts), so a product's stock is recomputed from the Inventory documents
// that reference it (quantity less what they held reserved), and a product's own stored quantity
// that disagrees is reported. Each Inventory document is folded into its product (its other
// fields under the product's `legacy.inventories`); the inventories step only reports what it
// cannot fold (no product, a product that does not exist).
import type { ObjectId } from 'mongodb'
import { STOCK_MAX } from '../../marketplace/products'
import type { ProductDoc, ProductStatus } from '../../marketplace/store'
import type { LegacySource } from '../legacy-source'
import { asDate, asObjectId, asString, counterDifference, unknownFields } from '../legacy-fields'
import type { Fields, LegacyDoc, Note, OutputDocument, Ref, Step, Transformed } from '../step'
import { DEFAULT_CURRENCY, currencyOf, minorUnits } from './money'

const PRODUCT_KNOWN = [
  'seller',
  'sellerId',
  'user',
  'owner',
  'title',
  'name',
  'description',
  'price',
  'currency',
  'inventory',
  'stock',
  'quantity',
  'countInStock',
  'status',
  'isActive',
  'createdAt',
  'updatedAt',
]

const INVENTORY_KNOWN = ['product', 'productId', 'quantity', 'stock', 'available', 'reserved']

/** The product an Inventory document references (`product`, or `productId`). */
const inventoryProduct = (inv: Fields) => asObjectId(inv.product) ?? asObjectId(inv.productId)

/** The seller of a product: the plausible names of the old field. */
export const productSeller = (doc: Fields) =>
  asObjectId(doc.seller) ??
  asObjectId(doc.sellerId) ??
  asObjectId(doc.user) ??
  asObjectId(doc.owner) ??
  asObjectId((doc.seller as Fields | null)?._id)

/** What a product's own document said it had in stock. */
const storedQuantity = (doc: Fields) =>
  [doc.stock, doc.quantity, doc.countInStock].find((v) => typeof v === 'number')

/** Units an Inventory document had for sale: its quantity less what it held reserved. */
function available(inv: Fields): number {
  const quantity = [inv.quantity, inv.stock, inv.available].find((v) => typeof v === 'number')
  const reserved = typeof inv.reserved === 'number' ? inv.reserved : 0
  return Math.max(0, Math.floor(((quantity as number | undefined) ?? 0) - reserved))
}

const STATUSES: Record<string, ProductStatus> = {
  active: 'ACTIVE',
  published: 'ACTIVE',
  available: 'ACTIVE',
  inactive: 'INACTIVE',
  draft: 'INACTIVE',
  archived: 'INACTIVE',
  hidden: 'INACTIVE',
}

/** The Inventory documents of each product of the batch, by the product's hex id. */
export type ProductInventories = Map<string, LegacyDoc[]>

async function inventoriesOf(batch: LegacyDoc[], source: LegacySource) {
  const ids = batch.map((d) => d._id)
  // The product may name its Inventory document (`inventory`) or be named by it (`product`).
  const named = batch.flatMap((d) => {
    const id = asObjectId(d.inventory) ?? asObjectId((d.inventory as Fields | null)?._id)
    return id ? [{ product: d._id, inventory: id }] : []
  })
  const found = await source.find('sanora', 'inventories', {
    $or: [
      { product: { $in: ids } },
      { productId: { $in: ids } },
      { _id: { $in: named.map((n) => n.inventory) } },
    ],
  })
  const byProduct: ProductInventories = new Map()
  const add = (product: ObjectId, inv: LegacyDoc) => {
    const list = byProduct.get(String(product)) ?? []
    if (!list.some((i) => i._id.equals(inv._id))) list.push(inv)
    byProduct.set(String(product), list)
  }
  for (const inv of found) {
    const product = inventoryProduct(inv)
    if (product) add(product, inv)
    for (const n of named) if (n.inventory.equals(inv._id) && !product) add(n.product, inv)
  }
  for (const list of byProduct.values())
    list.sort((a, b) => String(a._id).localeCompare(String(b._id)))
  return byProduct
}

export const sanoraProducts: Step<ProductInventories> = {
  name: 'sanora.products',
  group: 'marketplace',
  db: 'sanora',
  collection: 'products',
  prepare: inventoriesOf,
  transform(doc, _ctx, inventories): Transformed {
    const id = String(doc._id)
    const sellerId = productSeller(doc)
    if (!sellerId) return { skip: 'no seller', outputs: [] }
    const priceMinor = minorUnits(doc.price)
    if (priceMinor === undefined) return { skip: 'no valid price', outputs: [] }
    const notes: Note[] = []
    const currency = currencyOf(doc.currency)
    if (doc.currency !== undefined && !currency)
      notes.push({
        kind: `unknown currency, imported as ${DEFAULT_CURRENCY}`,
        detail: { id, currency: doc.currency },
      })

    const rawStatus = asString(doc.status)?.toLowerCase()
    let status: ProductStatus = rawStatus ? (STATUSES[rawStatus] ?? 'INACTIVE') : 'ACTIVE'
    if (rawStatus && !STATUSES[rawStatus])
      notes.push({
        kind: 'unknown status, imported as INACTIVE',
        detail: { id, status: doc.status },
      })
    // A product the old system had switched off or soft-deleted is not for sale here either.
    if (doc.isActive === false || doc.isDeleted === true) status = 'INACTIVE'

    const own = inventories?.get(id) ?? []
    const stored = storedQuantity(doc)
    let stock: number
    if (own.length > 0) {
      stock = own.reduce((sum, inv) => sum + available(inv), 0)
      const difference = counterDifference('stock', id, stored, stock)
      if (difference) notes.push(difference)
    } else {
      stock = typeof stored === 'number' ? Math.max(0, Math.floor(stored)) : 0
      notes.push({
        kind: 'no inventory: the stored quantity imported as stock',
        detail: { id, stored: stored ?? null },
      })
    }
    if (stock > STOCK_MAX) {
      notes.push({ kind: `stock above ${STOCK_MAX}, capped`, detail: { id, stock } })
      stock = STOCK_MAX
    }

    const createdAt = asDate(doc.createdAt) ?? doc._id.getTimestamp()
    const legacy = unknownFields(doc, PRODUCT_KNOWN)
    if (own.length > 0)
      legacy.inventories = own.map((inv) => ({
        _id: inv._id,
        ...unknownFields(inv, INVENTORY_KNOWN),
      }))
    const product: OutputDocument & Omit<ProductDoc, 'description' | 'moderation'> = {
      _id: doc._id,
      sellerId,
      title: asString(doc.title) ?? asString(doc.name) ?? 'Product',
      priceMinor,
      currency: currency ?? DEFAULT_CURRENCY,
      stock,
      status,
      // Old images are URLs, not our uploads: they stay under `legacy.images`.
      imageIds: [],
      reservations: [],
      createdAt,
      updatedAt: asDate(doc.updatedAt) ?? createdAt,
      legacy,
    }
    const description = asString(doc.description)
    if (description) product.description = description
    const refs: Ref[] = [{ field: 'seller', db: 'sanora', collection: 'users', id: sellerId }]
    return { outputs: [{ collection: 'products', document: product }], refs, notes }
  },
}

export const sanoraInventories: Step = {
  name: 'sanora.inventories',
  group: 'marketplace',
  db: 'sanora',
  collection: 'inventories',
  transform(doc): Transformed {
    const product = inventoryProduct(doc)
    if (!product) return { skip: 'no product', outputs: [] }
    return {
      skip: "folded into its product's stock",
      outputs: [],
      refs: [{ field: 'product', db: 'sanora', collection: 'products', id: product }],
    }
  },
}
