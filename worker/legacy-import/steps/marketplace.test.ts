// The marketplace transforms, document in → writes out: prices in minor units, stock from the
// inventories, carts keyed by their user, orders at the prices paid, seller applications.
import { ObjectId } from 'mongodb'
import { describe, expect, it } from 'vitest'
import type { Fields, LegacyDoc, StepContext, Transformed } from '../step'
import { sanoraCarts } from './carts'
import { minorUnits } from './money'
import { UNKNOWN_SELLER, sanoraOrders } from './orders'
import { sanoraInventories, sanoraProducts } from './products'
import { sanoraSellerApplications } from './seller-applications'

const ctx: StepContext = { now: new Date('2026-01-01T00:00:00Z'), refreshTtlDays: 60 }
const at = new Date('2024-03-01T10:00:00Z')
const documentOf = (out: Transformed) => {
  const first = out.outputs[0]
  return first && 'document' in first ? (first.document as Fields) : undefined
}
const kinds = (out: Transformed) => (out.notes ?? []).map((n) => n.kind)
const legacy = (fields: Fields): LegacyDoc => ({
  _id: new ObjectId(),
  createdAt: at,
  updatedAt: at,
  __v: 0,
  ...fields,
})

describe('minorUnits', () => {
  it('turns major units into integer cents, refusing what is no amount', () => {
    expect(minorUnits(19.99)).toBe(1999)
    expect(minorUnits('4.5')).toBe(450)
    expect(minorUnits(0)).toBe(0)
    expect(minorUnits(-1)).toBeUndefined()
    expect(minorUnits('free')).toBeUndefined()
    expect(minorUnits(undefined)).toBeUndefined()
  })
})

describe('sanora.products', () => {
  const seller = new ObjectId()
  const product = (fields: Fields = {}) =>
    legacy({
      seller,
      name: 'Lamp',
      price: 12.5,
      stock: 11,
      status: 'active',
      images: ['x.jpg'],
      ...fields,
    })

  it('recomputes stock from the inventories and reports a stored quantity that disagrees', () => {
    const doc = product()
    const inventories = new Map([
      [String(doc._id), [legacy({ product: doc._id, quantity: 10, reserved: 2, sku: 'S1' })]],
    ])
    const out = sanoraProducts.transform(doc, ctx, inventories) as Transformed
    expect(documentOf(out)).toMatchObject({
      _id: doc._id,
      sellerId: seller,
      title: 'Lamp',
      priceMinor: 1250,
      currency: 'USD',
      stock: 8,
      status: 'ACTIVE',
      imageIds: [],
      reservations: [],
      legacy: { images: ['x.jpg'], inventories: [{ sku: 'S1' }] },
    })
    expect(out.notes).toContainEqual({
      kind: 'counter stock: old value differs, recomputed one imported',
      detail: { id: String(doc._id), old: 11, recomputed: 8 },
    })
    expect(documentOf(out)!.__v).toBeUndefined()
  })

  it('keeps the stored quantity when there is no inventory, and says so', () => {
    const out = sanoraProducts.transform(product(), ctx, new Map()) as Transformed
    expect(documentOf(out)!.stock).toBe(11)
    expect(kinds(out)).toContain('no inventory: the stored quantity imported as stock')
  })

  it('imports an unknown status or a soft-deleted product as INACTIVE', () => {
    const unknown = sanoraProducts.transform(
      product({ status: 'review' }),
      ctx,
      new Map(),
    ) as Transformed
    expect(documentOf(unknown)!.status).toBe('INACTIVE')
    expect(kinds(unknown)).toContain('unknown status, imported as INACTIVE')
    const deleted = sanoraProducts.transform(
      product({ isDeleted: true }),
      ctx,
      new Map(),
    ) as Transformed
    expect(documentOf(deleted)!.status).toBe('INACTIVE')
  })

  it('skips a product without a seller or a price', () => {
    expect(
      (sanoraProducts.transform(product({ seller: undefined }), ctx, new Map()) as Transformed)
        .skip,
    ).toBe('no seller')
    expect(
      (sanoraProducts.transform(product({ price: 'n/a' }), ctx, new Map()) as Transformed).skip,
    ).toBe('no valid price')
  })

  it("folds an inventory into its product's stock, checking the product exists", () => {
    const productId = new ObjectId()
    const out = sanoraInventories.transform(
      legacy({ productId, quantity: 3 }),
      ctx,
      undefined,
    ) as Transformed
    expect(out).toMatchObject({ skip: "folded into its product's stock", outputs: [] })
    expect(out.refs).toEqual([
      { field: 'product', db: 'sanora', collection: 'products', id: productId },
    ])
  })
})

describe('sanora.carts', () => {
  it('keys the cart by its user, drops lines of missing products and keeps the old id', () => {
    const user = new ObjectId()
    const [kept, gone] = [new ObjectId(), new ObjectId()]
    const doc = legacy({
      userId: user,
      items: [
        { product: kept, quantity: 2, price: 3 },
        { product: kept, quantity: 1 },
        { product: gone, quantity: 1 },
      ],
    })
    const out = sanoraCarts.transform(doc, ctx, {
      kept: new Map([[String(user), doc._id]]),
      products: new Set([String(kept)]),
    }) as Transformed
    expect(documentOf(out)).toMatchObject({
      _id: user,
      items: [{ productId: kept, quantity: 3, addedAt: at }],
      legacy: { cartId: doc._id, items: [{ product: kept, price: 3 }] },
    })
    expect(out.refs!.map((r) => String(r.id))).toEqual([user, kept, kept, gone].map(String))
  })

  it('skips an older cart of a user who has a newer one', () => {
    const user = new ObjectId()
    const out = sanoraCarts.transform(legacy({ user, items: [] }), ctx, {
      kept: new Map([[String(user), new ObjectId()]]),
      products: new Set(),
    }) as Transformed
    expect(out.skip).toBe('an older cart of a user with a newer one')
  })
})

describe('sanora.orders', () => {
  const buyer = new ObjectId()
  const seller = new ObjectId()
  const product = legacy({ seller, title: 'Lamp', price: 20, currency: 'eur' })

  it('keeps the prices paid, recomputes the total and maps the status', async () => {
    const doc = legacy({
      user: buyer,
      items: [{ product: product._id, quantity: 2, price: 15.5 }],
      totalAmount: 40,
      status: 'Shipped',
      shippedAt: at,
    })
    const out = await sanoraOrders.transform(doc, ctx, new Map([[String(product._id), product]]))
    expect(documentOf(out)).toMatchObject({
      _id: doc._id,
      buyerId: buyer,
      idempotencyKey: `legacy:${doc._id}`,
      status: 'SHIPPED',
      items: [
        {
          productId: product._id,
          sellerId: seller,
          title: 'Lamp',
          unitPriceMinor: 1550,
          quantity: 2,
        },
      ],
      sellerIds: [seller],
      currency: 'EUR',
      totalMinor: 3100,
      placedAt: at,
      shippedAt: at,
    })
    expect(out.notes).toContainEqual({
      kind: 'counter order total (minor units): old value differs, recomputed one imported',
      detail: { id: String(doc._id), old: 4000, recomputed: 3100 },
    })
  })

  it('imports an order naming a deleted product, and an unknown status as PENDING', async () => {
    const gone = new ObjectId()
    const doc = legacy({
      buyer,
      items: [{ product: gone, name: 'Old lamp', price: 2 }],
      status: 'on_hold',
    })
    const out = await sanoraOrders.transform(doc, ctx, new Map())
    expect(documentOf(out)).toMatchObject({
      status: 'PENDING',
      items: [
        { productId: gone, sellerId: UNKNOWN_SELLER, title: 'Old lamp', unitPriceMinor: 200 },
      ],
      sellerIds: [],
      legacy: { status: 'on_hold' },
    })
    expect(kinds(out)).toEqual(
      expect.arrayContaining([
        'order lines of an unknown seller',
        'unknown status, imported as PENDING',
      ]),
    )
    expect(out.refs).toContainEqual({
      field: 'items.product',
      db: 'sanora',
      collection: 'products',
      id: gone,
    })
  })

  it('marks a cancelled order as having nothing to give back', async () => {
    const doc = legacy({
      user: buyer,
      items: [{ product: product._id, price: 1 }],
      status: 'cancelled',
    })
    const out = await sanoraOrders.transform(doc, ctx, new Map([[String(product._id), product]]))
    expect(documentOf(out)).toMatchObject({ status: 'CANCELLED', stockReleasedAt: at })
  })
})

describe('sanora.sellerapplications', () => {
  it('imports an approved application as the seller record, open', () => {
    const user = new ObjectId()
    const doc = legacy({
      user,
      businessName: 'Shop',
      businessEmail: 'A@B.test',
      status: 'approved',
      reviewedAt: at,
    })
    const out = sanoraSellerApplications.transform(
      doc,
      ctx,
      new Map([[String(user), doc._id]]),
    ) as Transformed
    expect(documentOf(out)).toMatchObject({
      userId: user,
      storeName: 'Shop',
      contact: { email: 'a@b.test' },
      status: 'approved',
      open: true,
      reviewedAt: at,
    })
  })

  it('skips a second open application, keeps a rejected one closed, and notes an unknown status', () => {
    const user = new ObjectId()
    const open = new Map([[String(user), new ObjectId()]])
    const second = sanoraSellerApplications.transform(
      legacy({ user, status: 'pending' }),
      ctx,
      open,
    ) as Transformed
    expect(second.skip).toBe('another open application of the same user is imported')
    const rejected = sanoraSellerApplications.transform(
      legacy({ user, storeName: 'No', status: 'rejected', rejectionReason: 'Thin' }),
      ctx,
      open,
    ) as Transformed
    expect(documentOf(rejected)).toMatchObject({ status: 'rejected', open: false, reason: 'Thin' })
    const doc = legacy({ user, storeName: 'Odd', status: 'paused' })
    const unknown = sanoraSellerApplications.transform(
      doc,
      ctx,
      new Map([[String(user), doc._id]]),
    ) as Transformed
    expect(documentOf(unknown)).toMatchObject({
      status: 'pending',
      open: true,
      legacy: { status: 'paused' },
    })
    expect(kinds(unknown)).toContain('unknown status, imported as pending')
  })
})
