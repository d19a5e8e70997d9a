// Products: who may see and change one, the checks on its images and money fields, the listing
// filter with its keyset pagination, and the public shape of a product.
import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { ObjectId, type Db, type Filter } from 'mongodb'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { products, type ProductDoc } from './store'
import { media } from '../media/store'
import type { UserDoc } from '../auth/users-store'
import type { Position, Sort } from '../cursors'

/** Caps that keep every order total (price × quantity × lines) a safe integer. */
const PRICE_MAX = 100_000_000_000
export const STOCK_MAX = 1_000_000
export const MAX_IMAGES = 10

// ISO 4217 as the runtime's ICU knows it; an unknown three-letter code is as wrong as a float.
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'))
export const CurrencySchema = z
  .string()
  .regex(/^[A-Z]{3}$/, 'must be an uppercase ISO 4217 code')
  .refine((code) => CURRENCIES.has(code), 'unknown ISO 4217 currency')

/** Integer minor units (cents); floats, strings and negatives are refused, never rounded. */
export const PriceSchema = z.number().int().min(0).max(PRICE_MAX)
export const StockSchema = z.number().int().min(0).max(STOCK_MAX)

/** Fields a listing or a product answer never needs to carry over the wire from MongoDB. */
export const PRODUCT_PROJECTION = { reservations: 0 } as const

export const isAdmin = (user?: UserDoc) => user?.role === 'ADMIN'
export const ownsProduct = (doc: ProductDoc, user?: UserDoc) =>
  !!user && doc.sellerId.equals(user._id)

/** The product if the caller may see it: ACTIVE ones for everyone, others for the seller and admins. */
export async function loadVisibleProduct(db: Db, id: string, user?: UserDoc) {
  const doc = await products(db).findOne(
    { _id: new ObjectId(id) },
    { projection: PRODUCT_PROJECTION },
  )
  if (!doc || (doc.status !== 'ACTIVE' && !ownsProduct(doc, user) && !isAdmin(user)))
    throw new AppError('NOT_FOUND', 'Product not found')
  return doc
}

/** The product if the caller sells it (403 for someone else's visible product, else 404). */
export async function loadOwnProduct(db: Db, id: string, user: UserDoc) {
  const doc = await loadVisibleProduct(db, id, user)
  if (!ownsProduct(doc, user))
    throw new AppError('FORBIDDEN', 'Only the seller of this product may change it')
  return doc
}

/** Every id must be the seller's own product-image media that finished uploading. */
export async function assertProductImages(db: Db, sellerId: ObjectId, ids: string[]) {
  if (ids.length === 0) return []
  const wanted = ids.map((id) => new ObjectId(id))
  const found = await media(db)
    .find(
      { _id: { $in: wanted }, ownerId: sellerId, purpose: 'product-image', status: 'ready' },
      { projection: { _id: 1 } },
    )
    .toArray()
  const ok = new Set(found.map((m) => m._id.toHexString()))
  const bad = ids.flatMap((id, i) => (ok.has(id) ? [] : [i]))
  if (bad.length > 0)
    throw new AppError(
      'VALIDATION_ERROR',
      'Images must be your own ready product-image uploads',
      bad.map((i) => ({ path: `imageIds.${i}`, message: 'not a ready product-image of yours' })),
    )
  return wanted
}

export interface ListQuery {
  q?: string
  minPrice?: number
  maxPrice?: number
  currency?: string
  sellerId?: string
  status: ProductDoc['status']
  sort: Sort
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

export const SORT_SPEC = {
  newest: { _id: -1 },
  price_asc: { priceMinor: 1, _id: 1 },
  price_desc: { priceMinor: -1, _id: -1 },
} as const

/** The listing's filter; INACTIVE products only ever come back to their seller or an admin. */
export function listFilter(query: ListQuery, after: Position | undefined, user?: UserDoc) {
  const and: Filter<ProductDoc>[] = [{ status: query.status }]
  if (query.status !== 'ACTIVE' && !isAdmin(user))
    and.push(user ? { sellerId: user._id } : { _id: { $in: [] } })
  if (query.sellerId) and.push({ sellerId: new ObjectId(query.sellerId) })
  if (query.currency) and.push({ currency: query.currency })
  if (query.minPrice !== undefined) and.push({ priceMinor: { $gte: query.minPrice } })
  if (query.maxPrice !== undefined) and.push({ priceMinor: { $lte: query.maxPrice } })
  if (query.q) {
    // The dev server has no $text; a case-insensitive match of the escaped input does the job.
    const pattern = { $regex: escapeRegex(query.q), $options: 'i' }
    and.push({ $or: [{ title: pattern }, { description: pattern }] })
  }
  if (after) {
    if (query.sort === 'newest') and.push({ _id: { $lt: after.id } })
    else {
      const beyond = query.sort === 'price_asc' ? '$gt' : '$lt'
      and.push({
        $or: [
          { priceMinor: { [beyond]: after.price } },
          { priceMinor: after.price, _id: { [beyond]: after.id } },
        ],
      })
    }
  }
  return { $and: and } as Filter<ProductDoc>
}

/** Public shapes of products, with presigned URLs of their images (one media lookup per page). */
export async function publicProducts(c: Context<AppEnv>, docs: ProductDoc[], user?: UserDoc) {
  const { database, storage } = c.get('services')
  const ids = [...new Set(docs.flatMap((d) => d.imageIds.map((i) => i.toHexString())))]
  const found = ids.length
    ? await media(await database.db())
        .find(
          { _id: { $in: ids.map((i) => new ObjectId(i)) }, status: 'ready' },
          { projection: { _id: 1, key: 1 } },
        )
        .toArray()
    : []
  const urls = new Map(
    await Promise.all(
      found.map(async (m) => [m._id.toHexString(), await storage.presignGet(m.key)] as const),
    ),
  )
  return docs.map((doc) => ({
    id: doc._id.toHexString(),
    _id: doc._id.toHexString(),
    sellerId: doc.sellerId.toHexString(),
    title: doc.title,
    description: doc.description ?? null,
    priceMinor: doc.priceMinor,
    currency: doc.currency,
    stock: doc.stock,
    status: doc.status,
    // An image deleted after it was attached simply drops out of the answer.
    images: doc.imageIds.flatMap((i) => {
      const url = urls.get(i.toHexString())
      return url ? [{ id: i.toHexString(), url }] : []
    }),
    owner: ownsProduct(doc, user),
    deactivatedByAdmin:
      ownsProduct(doc, user) || isAdmin(user) ? Boolean(doc.moderation) : undefined,
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  }))
}

export async function publicProduct(c: Context<AppEnv>, doc: ProductDoc, user?: UserDoc) {
  return (await publicProducts(c, [doc], user))[0]!
}
