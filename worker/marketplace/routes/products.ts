// Products (/api/marketplace/products): the public listing with search, filters and cursor pages;
// create / edit / delete and stock by their seller; deactivation by an admin.
import { z } from '@hono/zod-openapi'
import { ObjectId } from 'mongodb'
import { AppError } from '../../errors'
import { ListingCursorSchema, SORTS, encodeListingCursor } from '../../cursors'
import {
  CurrencySchema,
  MAX_IMAGES,
  PRODUCT_PROJECTION,
  PriceSchema,
  SORT_SPEC,
  STOCK_MAX,
  StockSchema,
  assertProductImages,
  listFilter,
  loadOwnProduct,
  loadVisibleProduct,
  publicProduct,
  publicProducts,
} from '../products'
import { createRouter, errorResponses, jsonBody } from '../../openapi'
import { PRODUCT_STATUSES, approvedSeller, products, type ProductDoc } from '../store'
import { ObjectIdSchema } from '../../../shared/ids'
import { authedRoute, optionalAuthRoute } from '../../authed-route'
import { readPage } from '../../paging'

const ImageIdsSchema = z
  .array(ObjectIdSchema)
  .max(MAX_IMAGES)
  .refine((ids) => new Set(ids.map((i) => i.toLowerCase())).size === ids.length, 'duplicate image')
const Fields = {
  title: z.string().trim().min(1).max(200),
  description: z.string().trim().max(5000),
  priceMinor: PriceSchema,
  currency: CurrencySchema,
  status: z.enum(PRODUCT_STATUSES),
  imageIds: ImageIdsSchema,
}
const CreateSchema = z.strictObject({
  ...Fields,
  description: Fields.description.optional(),
  status: Fields.status.default('ACTIVE'),
  imageIds: Fields.imageIds.default([]),
  stock: StockSchema.default(0),
})
// Stock is not here: it has its own route, so an edit never overwrites concurrent sales.
const UpdateSchema = z
  .strictObject({
    title: Fields.title.optional(),
    description: Fields.description.nullable().optional(),
    priceMinor: Fields.priceMinor.optional(),
    currency: Fields.currency.optional(),
    status: Fields.status.optional(),
    imageIds: Fields.imageIds.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'at least one field is required')
const StockBodySchema = z.union([
  z.strictObject({ stock: StockSchema }),
  z.strictObject({
    delta: z
      .number()
      .int()
      .min(-STOCK_MAX)
      .max(STOCK_MAX)
      .refine((d) => d !== 0, 'must not be 0'),
  }),
])
const MoneyQuery = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER)
const ListQuerySchema = z
  .object({
    q: z.string().trim().min(1).max(100).optional(),
    minPrice: MoneyQuery.optional(),
    maxPrice: MoneyQuery.optional(),
    currency: CurrencySchema.optional(),
    sellerId: ObjectIdSchema.optional(),
    status: z.enum(PRODUCT_STATUSES).default('ACTIVE'),
    sort: z.enum(SORTS).default('newest'),
    cursor: ListingCursorSchema.optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
  })
  .refine((v) => v.minPrice === undefined || v.maxPrice === undefined || v.minPrice <= v.maxPrice, {
    message: 'minPrice must not exceed maxPrice',
    path: ['minPrice'],
  })
  // A cursor from another sort order would be misread as a position in this one.
  .refine((v) => !v.cursor || v.cursor.sort === v.sort, {
    message: 'is a cursor of another sort order',
    path: ['cursor'],
  })
const Params = z.object({ id: ObjectIdSchema })

export const marketplaceProducts = createRouter()

marketplaceProducts.openapi(
  optionalAuthRoute({
    method: 'get',
    path: '/products',
    tags: ['Marketplace'],
    summary: 'Products: search, filters, sorted newest first or by price, in cursor pages',
    request: { query: ListQuerySchema },
    responses: { 200: { description: 'A page of products' }, ...errorResponses(401) },
  }),
  async (c) => {
    const { cursor, limit, ...query } = c.req.valid('query')
    const user = c.var.user
    const after = cursor?.position
    const { items, nextCursor } = await readPage(
      products(await c.get('services').database.db())
        .find(listFilter(query, after, user), { projection: PRODUCT_PROJECTION })
        .sort(SORT_SPEC[query.sort]),
      limit,
      (last) => encodeListingCursor(query.sort, last),
    )
    return c.json(
      { success: true, products: await publicProducts(c, items, user), nextCursor },
      200,
    )
  },
)

marketplaceProducts.openapi(
  authedRoute({
    method: 'post',
    path: '/products',
    tags: ['Marketplace'],
    summary: 'Create a product (approved sellers)',
    request: jsonBody(CreateSchema),
    responses: { 201: { description: 'The product' }, ...errorResponses(403) },
  }),
  async (c) => {
    const user = c.get('user')
    const { database, now } = c.get('services')
    const db = await database.db()
    if (!(await approvedSeller(db, user._id)))
      throw new AppError('FORBIDDEN', 'Only approved sellers can create products')
    const body = c.req.valid('json')
    const doc: ProductDoc = {
      _id: new ObjectId(),
      sellerId: user._id,
      title: body.title,
      ...(body.description ? { description: body.description } : {}),
      priceMinor: body.priceMinor,
      currency: body.currency,
      stock: body.stock,
      status: body.status,
      imageIds: await assertProductImages(db, user._id, body.imageIds),
      reservations: [],
      createdAt: now(),
      updatedAt: now(),
    }
    await products(db).insertOne(doc)
    return c.json({ success: true, product: await publicProduct(c, doc, user) }, 201)
  },
)

marketplaceProducts.openapi(
  optionalAuthRoute({
    method: 'get',
    path: '/products/{id}',
    tags: ['Marketplace'],
    summary: 'One product (an INACTIVE one only for its seller and admins)',
    request: { params: Params },
    responses: { 200: { description: 'The product' }, ...errorResponses(401, 404) },
  }),
  async (c) => {
    const db = await c.get('services').database.db()
    const doc = await loadVisibleProduct(db, c.req.valid('param').id, c.var.user)
    return c.json({ success: true, product: await publicProduct(c, doc, c.var.user) }, 200)
  },
)

marketplaceProducts.openapi(
  authedRoute({
    method: 'put',
    path: '/products/{id}',
    tags: ['Marketplace'],
    summary: 'Edit your product; prices change for carts too, never for placed orders',
    request: { params: Params, ...jsonBody(UpdateSchema) },
    responses: {
      200: { description: 'The product' },
      ...errorResponses(403, 404, 409),
    },
  }),
  async (c) => {
    const user = c.get('user')
    const { database, now } = c.get('services')
    const db = await database.db()
    const doc = await loadOwnProduct(db, c.req.valid('param').id, user)
    const { description, imageIds, ...fields } = c.req.valid('json')
    if (fields.status === 'ACTIVE' && doc.moderation)
      throw new AppError('FORBIDDEN', 'An admin deactivated this product; it cannot be reactivated')
    const $set: Partial<ProductDoc> = { ...fields, updatedAt: now() }
    if (description) $set.description = description
    if (imageIds) $set.imageIds = await assertProductImages(db, user._id, imageIds)
    const updated = await products(db).findOneAndUpdate(
      {
        _id: doc._id,
        sellerId: user._id,
        // Re-checked here: an admin may deactivate the product between our read and this write.
        ...(fields.status === 'ACTIVE' ? { moderation: { $exists: false } } : {}),
      },
      {
        $set,
        ...(description === null || description === '' ? { $unset: { description: '' } } : {}),
      },
      { returnDocument: 'after', projection: PRODUCT_PROJECTION },
    )
    if (!updated) throw new AppError('CONFLICT', 'The product changed meanwhile; reload it')
    return c.json({ success: true, product: await publicProduct(c, updated, user) }, 200)
  },
)

marketplaceProducts.openapi(
  authedRoute({
    method: 'delete',
    path: '/products/{id}',
    tags: ['Marketplace'],
    summary: 'Delete your product (refused while unshipped orders hold its stock)',
    request: { params: Params },
    responses: { 200: { description: 'Deleted' }, ...errorResponses(403, 404, 409) },
  }),
  async (c) => {
    const user = c.get('user')
    const db = await c.get('services').database.db()
    const doc = await loadOwnProduct(db, c.req.valid('param').id, user)
    const { deletedCount } = await products(db).deleteOne({
      _id: doc._id,
      sellerId: user._id,
      'reservations.0': { $exists: false },
    })
    if (deletedCount === 0)
      throw new AppError(
        'CONFLICT',
        'Orders not yet shipped or cancelled hold stock of this product; deactivate it instead',
      )
    return c.json({ success: true, message: 'Product deleted' }, 200)
  },
)

marketplaceProducts.openapi(
  authedRoute({
    method: 'put',
    path: '/products/{id}/stock',
    tags: ['Marketplace'],
    summary: 'Set your product stock ({stock}) or adjust it ({delta}, never below 0)',
    request: { params: Params, ...jsonBody(StockBodySchema) },
    responses: { 200: { description: 'The product' }, ...errorResponses(403, 404, 409) },
  }),
  async (c) => {
    const user = c.get('user')
    const { database, now } = c.get('services')
    const db = await database.db()
    const doc = await loadOwnProduct(db, c.req.valid('param').id, user)
    const body = c.req.valid('json')
    const updated =
      'stock' in body
        ? await products(db).findOneAndUpdate(
            { _id: doc._id, sellerId: user._id },
            { $set: { stock: body.stock, updatedAt: now() } },
            { returnDocument: 'after', projection: PRODUCT_PROJECTION },
          )
        : // The bounds are part of the filter, so concurrent sales and adjustments compose.
          await products(db).findOneAndUpdate(
            {
              _id: doc._id,
              sellerId: user._id,
              stock: { $gte: Math.max(0, -body.delta), $lte: STOCK_MAX - Math.max(0, body.delta) },
            },
            { $inc: { stock: body.delta }, $set: { updatedAt: now() } },
            { returnDocument: 'after', projection: PRODUCT_PROJECTION },
          )
    if (!updated) {
      const current = await products(db).findOne({ _id: doc._id }, { projection: { stock: 1 } })
      if (!current) throw new AppError('NOT_FOUND', 'Product not found')
      throw new AppError(
        'CONFLICT',
        `Stock cannot go below 0 or above ${STOCK_MAX} (it is ${current.stock})`,
      )
    }
    return c.json({ success: true, product: await publicProduct(c, updated, user) }, 200)
  },
)

marketplaceProducts.openapi(
  authedRoute({
    method: 'post',
    path: '/admin/products/{id}/deactivate',
    tags: ['Marketplace'],
    summary: 'Deactivate any product; its seller cannot reactivate it (admins)',
    role: 'ADMIN',
    request: { params: Params },
    responses: { 200: { description: 'The product' }, ...errorResponses(404) },
  }),
  async (c) => {
    const { database, now } = c.get('services')
    const updated = await products(await database.db()).findOneAndUpdate(
      { _id: new ObjectId(c.req.valid('param').id) },
      {
        $set: {
          status: 'INACTIVE',
          moderation: { deactivatedBy: c.get('user')._id, at: now() },
          updatedAt: now(),
        },
      },
      { returnDocument: 'after', projection: PRODUCT_PROJECTION },
    )
    if (!updated) throw new AppError('NOT_FOUND', 'Product not found')
    return c.json({ success: true, product: await publicProduct(c, updated, c.get('user')) }, 200)
  },
)
