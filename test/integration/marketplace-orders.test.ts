// Orders: placing the cart at order-time prices, the Idempotency-Key, refusals, the status machine
// with stock returned on cancel, and who sees and moves which order.
import { randomUUID } from 'node:crypto'
import { ObjectId } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { api } from '../harness/http'
import {
  addToCart,
  adminUser,
  approvedSeller,
  createProduct,
  order,
  orderAction,
  placedOrder,
  sellerWithProducts,
  stockOf,
} from '../harness/marketplace'
import { signUpUser, testDb } from '../harness/users'

const getOrder = (token: string, id: string) => api(`/api/marketplace/orders/${id}`, { token })
const listIds = async (token: string, query = '') =>
  (await api(`/api/marketplace/orders?limit=100${query}`, { token })).body.orders.map(
    (o: { id: string }) => o.id,
  )

describe('placing an order', () => {
  it('builds the order from the cart at current prices, reserves stock and empties the cart', async () => {
    const { seller, products } = await sellerWithProducts(2, { priceMinor: 1000, stock: 5 })
    const [a, b] = [products[0]!, products[1]!]
    const buyer = await signUpUser()
    await addToCart(buyer, a.id, 2)
    await addToCart(buyer, b.id, 1)
    // The price changes after the item went into the cart: the order takes the new one.
    await api(`/api/marketplace/products/${a.id}`, {
      method: 'PUT',
      token: seller.accessToken,
      json: { priceMinor: 1500, title: 'Widget deluxe' },
    })
    const res = await order(buyer)
    expect(res.status).toBe(201)
    expect(res.body.order).toMatchObject({
      status: 'PENDING',
      currency: 'EUR',
      totalMinor: 4000,
      buyerId: buyer.id,
      items: [
        {
          productId: a.id,
          sellerId: seller.id,
          title: 'Widget deluxe',
          unitPriceMinor: 1500,
          quantity: 2,
        },
        {
          productId: b.id,
          sellerId: seller.id,
          title: 'Widget 2',
          unitPriceMinor: 1000,
          quantity: 1,
        },
      ],
    })
    expect([await stockOf(a.id), await stockOf(b.id)]).toEqual([3, 4])
    const cart = await api('/api/marketplace/cart', { token: buyer.accessToken })
    expect(cart.body.cart.items).toEqual([])
    // Later price changes do not touch the placed order.
    await api(`/api/marketplace/products/${a.id}`, {
      method: 'PUT',
      token: seller.accessToken,
      json: { priceMinor: 1 },
    })
    const again = await getOrder(buyer.accessToken, res.body.order.id)
    expect(again.body.order.totalMinor).toBe(4000)
    expect(await listIds(buyer.accessToken)).toEqual([res.body.order.id])
  })

  it('accepts no prices or other fields from the client', async () => {
    const { products } = await sellerWithProducts(1, { priceMinor: 700 })
    const buyer = await signUpUser()
    await addToCart(buyer, products[0]!.id, 1)
    for (const json of [
      { price: 1 },
      { unitPriceMinor: 1 },
      { totalMinor: 1 },
      { items: [{ productId: products[0]!.id, unitPriceMinor: 1, quantity: 1 }] },
    ]) {
      const res = await order(buyer, randomUUID(), json)
      expect(res.status, JSON.stringify(json)).toBe(400)
    }
    expect(await stockOf(products[0]!.id)).toBe(10)
    const ok = await order(buyer, randomUUID(), {})
    expect(ok.status).toBe(201)
    expect(ok.body.order.totalMinor).toBe(700)
  })

  it('requires an Idempotency-Key of 8 to 100 characters', async () => {
    const { products } = await sellerWithProducts(1)
    const buyer = await signUpUser()
    await addToCart(buyer, products[0]!.id)
    const missing = await api('/api/marketplace/orders', {
      method: 'POST',
      token: buyer.accessToken,
    })
    expect(missing.status).toBe(400)
    expect(missing.body.details[0].path).toBe('header.idempotency-key')
    expect((await order(buyer, 'short')).status).toBe(400)
    expect((await order(buyer, 'k'.repeat(101))).status).toBe(400)
    expect(await stockOf(products[0]!.id)).toBe(10)
  })

  it('refuses an empty cart, inactive products and mixed currencies', async () => {
    const { seller, products } = await sellerWithProducts(1)
    const buyer = await signUpUser()
    expect((await order(buyer)).status).toBe(400)

    const usd = await createProduct(seller, { currency: 'USD' })
    await addToCart(buyer, products[0]!.id)
    await addToCart(buyer, usd.id)
    const mixed = await order(buyer)
    expect(mixed.status).toBe(409)
    expect(mixed.body.message).toMatch(/EUR, USD|USD, EUR/)

    await api(`/api/marketplace/cart/items/${usd.id}`, {
      method: 'DELETE',
      token: buyer.accessToken,
    })
    await api(`/api/marketplace/products/${products[0]!.id}`, {
      method: 'PUT',
      token: seller.accessToken,
      json: { status: 'INACTIVE' },
    })
    const inactive = await order(buyer)
    expect(inactive.status).toBe(409)
    expect(inactive.body.message).toContain('Widget 1')
    expect(await stockOf(products[0]!.id)).toBe(10)
    expect(await listIds(buyer.accessToken)).toEqual([])
  })

  it('gives back what it reserved when a later item is short, and names that product', async () => {
    const { products } = await sellerWithProducts(2, { stock: 2 })
    const [plenty, scarce] = [products[0]!, products[1]!]
    const buyer = await signUpUser()
    await addToCart(buyer, plenty.id, 2)
    await addToCart(buyer, scarce.id, 3)
    const res = await order(buyer)
    expect(res.status).toBe(409)
    expect(res.body.message).toMatch(/Not enough stock of "Widget 2": 2 left, 3 wanted/)
    expect(res.body.details[0].path).toBe(`items.${scarce.id}`)
    expect([await stockOf(plenty.id), await stockOf(scarce.id)]).toEqual([2, 2])
    const leftovers = await (
      await testDb()
    )
      .collection('orders')
      .countDocuments({ buyerId: new ObjectId(buyer.id) })
    expect(leftovers).toBe(0)
    // The cart is kept, so the buyer can fix it and order.
    await api(`/api/marketplace/cart/items/${scarce.id}`, {
      method: 'PUT',
      token: buyer.accessToken,
      json: { quantity: 2 },
    })
    expect((await order(buyer)).status).toBe(201)
    expect([await stockOf(plenty.id), await stockOf(scarce.id)]).toEqual([0, 0])
  })
})

describe('idempotency', () => {
  it('answers a retried request with the same order and reserves once', async () => {
    const { products } = await sellerWithProducts(1, { stock: 5 })
    const buyer = await signUpUser()
    await addToCart(buyer, products[0]!.id, 2)
    const key = randomUUID()
    const first = await order(buyer, key)
    expect(first.status).toBe(201)
    const retry = await order(buyer, key)
    expect(retry.status).toBe(200)
    expect(retry.headers.get('idempotent-replayed')).toBe('true')
    expect(retry.body.order).toEqual(first.body.order)
    expect(await stockOf(products[0]!.id)).toBe(3)

    // The same key with a different cart is a different request: refused.
    await addToCart(buyer, products[0]!.id, 1)
    const reused = await order(buyer, key)
    expect(reused.status).toBe(409)
    expect(reused.body.message).toMatch(/Idempotency-Key/)
    expect(await stockOf(products[0]!.id)).toBe(3)
  })

  it('places one order when the same request is sent several times at once', async () => {
    const { products } = await sellerWithProducts(1, { stock: 5 })
    const buyer = await signUpUser()
    await addToCart(buyer, products[0]!.id, 2)
    const key = randomUUID()
    const results = await Promise.all(Array.from({ length: 5 }, () => order(buyer, key)))
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 201])
    expect(new Set(results.map((r) => r.body.order.id)).size).toBe(1)
    expect(await stockOf(products[0]!.id)).toBe(3)
    expect(await listIds(buyer.accessToken)).toHaveLength(1)
  })

  it('keys are per buyer: two buyers may use the same key', async () => {
    const { products } = await sellerWithProducts(1)
    const [ann, ben] = await Promise.all([signUpUser(), signUpUser()])
    const key = randomUUID()
    await addToCart(ann, products[0]!.id)
    await addToCart(ben, products[0]!.id)
    const [a, b] = await Promise.all([order(ann, key), order(ben, key)])
    expect([a.status, b.status]).toEqual([201, 201])
    expect(a.body.order.id).not.toBe(b.body.order.id)
  })
})

describe('order status', () => {
  it('moves PENDING → PAID → SHIPPED → DELIVERED, each step by the right party, never back', async () => {
    const { seller, products } = await sellerWithProducts(1, { stock: 3 })
    const buyer = await signUpUser()
    const placed = await placedOrder(buyer, products[0]!.id, 2)
    expect((await orderAction(seller, placed.id, 'ship')).status).toBe(409)
    expect((await orderAction(seller, placed.id, 'pay')).status).toBe(403)
    const paid = await orderAction(buyer, placed.id, 'pay')
    expect(paid.status).toBe(200)
    expect(paid.body.order).toMatchObject({ status: 'PAID' })
    expect(paid.body.order.paidAt).toEqual(expect.any(String))
    expect((await orderAction(buyer, placed.id, 'pay')).status).toBe(409)
    expect((await orderAction(buyer, placed.id, 'ship')).status).toBe(403)
    const shipped = await orderAction(seller, placed.id, 'ship')
    expect(shipped.body.order.status).toBe('SHIPPED')
    // Shipped units are gone for good: cancelling is no longer possible.
    expect((await orderAction(buyer, placed.id, 'cancel')).status).toBe(409)
    const delivered = await orderAction(seller, placed.id, 'deliver')
    expect(delivered.body.order.status).toBe('DELIVERED')
    expect((await orderAction(seller, placed.id, 'ship')).status).toBe(409)
    expect(await stockOf(products[0]!.id)).toBe(1)
    const product = await (
      await testDb()
    )
      .collection('products')
      .findOne({ _id: new ObjectId(products[0]!.id) })
    expect(product!.reservations).toEqual([])
  })

  it('returns the stock on cancel, exactly once, and refuses a second cancel', async () => {
    const { seller, products } = await sellerWithProducts(1, { stock: 4 })
    const buyer = await signUpUser()
    const placed = await placedOrder(buyer, products[0]!.id, 3)
    expect(await stockOf(products[0]!.id)).toBe(1)
    const remove = () =>
      api(`/api/marketplace/products/${products[0]!.id}`, {
        method: 'DELETE',
        token: seller.accessToken,
      })
    // Stock held by an open order keeps the product from being deleted under it.
    expect((await remove()).status).toBe(409)
    const cancels = await Promise.all([1, 2, 3].map(() => orderAction(buyer, placed.id, 'cancel')))
    expect(cancels.map((r) => r.status).sort()).toEqual([200, 409, 409])
    expect(await stockOf(products[0]!.id)).toBe(4)
    expect((await orderAction(buyer, placed.id, 'cancel')).status).toBe(409)
    expect((await orderAction(buyer, placed.id, 'pay')).status).toBe(409)
    expect(await stockOf(products[0]!.id)).toBe(4)
    const got = await getOrder(buyer.accessToken, placed.id)
    expect(got.body.order).toMatchObject({ status: 'CANCELLED', cancelledAt: expect.any(String) })

    const paidOrder = await placedOrder(buyer, products[0]!.id, 2)
    await orderAction(buyer, paidOrder.id, 'pay')
    expect(await stockOf(products[0]!.id)).toBe(2)
    expect((await orderAction(buyer, paidOrder.id, 'cancel')).status).toBe(200)
    expect(await stockOf(products[0]!.id)).toBe(4)
    expect((await remove()).status).toBe(200)
  })

  it('lets only the seller of every item (or an admin) ship an order', async () => {
    const one = await sellerWithProducts(1)
    const two = await sellerWithProducts(1)
    const buyer = await signUpUser()
    await addToCart(buyer, one.products[0]!.id)
    await addToCart(buyer, two.products[0]!.id)
    const placed = (await order(buyer)).body.order
    await orderAction(buyer, placed.id, 'pay')
    expect((await orderAction(one.seller, placed.id, 'ship')).status).toBe(403)
    const seen = await getOrder(one.seller.accessToken, placed.id)
    expect(seen.body.order).toMatchObject({ view: 'seller', canFulfil: false })
    const admin = await adminUser()
    expect((await orderAction(admin, placed.id, 'ship')).status).toBe(200)
    expect((await orderAction(admin, placed.id, 'deliver')).status).toBe(200)
  })
})

describe('order visibility', () => {
  it('shows buyers their own orders, sellers their lines, admins everything, others nothing', async () => {
    const { seller, products } = await sellerWithProducts(1, { priceMinor: 300 })
    const other = await sellerWithProducts(1, { priceMinor: 5000 })
    const buyer = await signUpUser()
    await addToCart(buyer, products[0]!.id, 2)
    await addToCart(buyer, other.products[0]!.id, 1)
    const placed = (await order(buyer)).body.order
    expect(placed.totalMinor).toBe(5600)

    const asSeller = await getOrder(seller.accessToken, placed.id)
    expect(asSeller.status).toBe(200)
    expect(asSeller.body.order.items).toHaveLength(1)
    expect(asSeller.body.order).toMatchObject({ view: 'seller', sellerTotalMinor: 600 })
    expect(asSeller.body.order.totalMinor).toBeUndefined()
    expect(await listIds(seller.accessToken, '&as=seller')).toEqual([placed.id])
    expect(await listIds(seller.accessToken)).toEqual([])

    const stranger = await signUpUser()
    const unrelatedSeller = await approvedSeller()
    for (const who of [stranger, unrelatedSeller]) {
      expect((await getOrder(who.accessToken, placed.id)).status).toBe(404)
      expect((await orderAction(who, placed.id, 'cancel')).status).toBe(404)
      expect(await listIds(who.accessToken, '&as=seller')).toEqual([])
    }
    const otherBuyer = await signUpUser()
    expect(await listIds(otherBuyer.accessToken)).toEqual([])
    expect(
      (await api('/api/marketplace/orders?as=admin', { token: otherBuyer.accessToken })).status,
    ).toBe(403)

    const admin = await adminUser()
    const asAdmin = await getOrder(admin.accessToken, placed.id)
    expect(asAdmin.body.order).toMatchObject({ view: 'admin', totalMinor: 5600 })
    expect(asAdmin.body.order.items).toHaveLength(2)
    expect(await listIds(admin.accessToken, '&as=admin')).toContain(placed.id)
    expect((await orderAction(admin, placed.id, 'pay')).status).toBe(403)
    expect((await getOrder(buyer.accessToken, 'bad-id')).status).toBe(400)
    expect((await api('/api/marketplace/orders')).status).toBe(401)
  })

  it('pages orders newest first and filters them by status', async () => {
    const { products } = await sellerWithProducts(1)
    const buyer = await signUpUser()
    const made = []
    for (let i = 0; i < 3; i++) made.push((await placedOrder(buyer, products[0]!.id)).id)
    await orderAction(buyer, made[1]!, 'pay')
    const first = await api('/api/marketplace/orders?limit=2', { token: buyer.accessToken })
    expect(first.body.orders.map((o: { id: string }) => o.id)).toEqual([made[2], made[1]])
    const second = await api(`/api/marketplace/orders?limit=2&cursor=${first.body.nextCursor}`, {
      token: buyer.accessToken,
    })
    expect(second.body.orders.map((o: { id: string }) => o.id)).toEqual([made[0]])
    expect(second.body.nextCursor).toBeNull()
    expect(await listIds(buyer.accessToken, '&status=PAID')).toEqual([made[1]])
  })
})
