// The cart: adding, raising, setting and removing lines, current prices and availability, totals
// per currency, and what may not go in.
import { ObjectId } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { api } from '../harness/http'
import { addToCart, createProduct, sellerWithProducts } from '../harness/marketplace'
import { signUpUser, testDb } from '../harness/users'

const cartApi = (token: string, method: string, path = '', json?: unknown) =>
  api(`/api/marketplace/cart${path}`, { method, token, ...(json === undefined ? {} : { json }) })

describe('cart', () => {
  it('adds, raises, sets and removes lines, always showing current product data', async () => {
    const { seller, products } = await sellerWithProducts(2, { priceMinor: 250, stock: 5 })
    const [a, b] = [products[0]!, products[1]!]
    const buyer = await signUpUser()
    const empty = await cartApi(buyer.accessToken, 'GET')
    expect(empty.body.cart).toMatchObject({ items: [], totals: [], orderable: false })

    await addToCart(buyer, a.id, 2)
    const raised = await addToCart(buyer, a.id, 1)
    expect(raised.items).toHaveLength(1)
    expect(raised.items[0]).toMatchObject({
      productId: a.id,
      quantity: 3,
      product: { title: 'Widget 1', priceMinor: 250, currency: 'EUR', status: 'ACTIVE', stock: 5 },
      available: true,
      lineTotalMinor: 750,
    })
    await addToCart(buyer, b.id)
    // A price change shows at once: the cart keeps no prices.
    await api(`/api/marketplace/products/${b.id}`, {
      method: 'PUT',
      token: seller.accessToken,
      json: { priceMinor: 1000 },
    })
    const cart = (await cartApi(buyer.accessToken, 'GET')).body.cart
    expect(cart.totals).toEqual([{ currency: 'EUR', totalMinor: 1750, quantity: 4 }])
    expect(cart.orderable).toBe(true)
    const stored = await (
      await testDb()
    )
      .collection('carts')
      .findOne({ _id: new ObjectId(buyer.id) })
    expect(Object.keys(stored!.items[0]).sort()).toEqual(['addedAt', 'productId', 'quantity'])

    const set = await cartApi(buyer.accessToken, 'PUT', `/items/${a.id}`, { quantity: 1 })
    expect(set.body.cart.items[0].quantity).toBe(1)
    const zero = await cartApi(buyer.accessToken, 'PUT', `/items/${a.id}`, { quantity: 0 })
    expect(zero.body.cart.items.map((i: { productId: string }) => i.productId)).toEqual([b.id])
    expect(
      (await cartApi(buyer.accessToken, 'PUT', `/items/${a.id}`, { quantity: 2 })).status,
    ).toBe(404)
    const removed = await cartApi(buyer.accessToken, 'DELETE', `/items/${b.id}`)
    expect(removed.body.cart.items).toEqual([])
    expect((await cartApi(buyer.accessToken, 'DELETE', `/items/${b.id}`)).status).toBe(404)

    await addToCart(buyer, a.id)
    await addToCart(buyer, b.id)
    const cleared = await cartApi(buyer.accessToken, 'DELETE')
    expect(cleared.status).toBe(200)
    expect(cleared.body.cart.items).toEqual([])
  })

  it('marks lines unavailable and totals each currency separately', async () => {
    const { seller, products } = await sellerWithProducts(2, { stock: 2 })
    const usd = await createProduct(seller, { currency: 'USD', priceMinor: 500 })
    const buyer = await signUpUser()
    await addToCart(buyer, products[0]!.id, 3)
    await addToCart(buyer, products[1]!.id, 1)
    await addToCart(buyer, usd.id, 2)
    await api(`/api/marketplace/products/${products[1]!.id}`, {
      method: 'PUT',
      token: seller.accessToken,
      json: { status: 'INACTIVE' },
    })
    const cart = (await cartApi(buyer.accessToken, 'GET')).body.cart
    expect(
      cart.items.map((i: { unavailableReason: string | null }) => i.unavailableReason),
    ).toEqual(['insufficient_stock', 'inactive', null])
    expect(cart.totals).toEqual([{ currency: 'USD', totalMinor: 1000, quantity: 2 }])
    expect(cart.orderable).toBe(false)
  })

  it('refuses what cannot be bought and input that is not a plain quantity', async () => {
    const { seller, products } = await sellerWithProducts(1)
    const id = products[0]!.id
    const hidden = await createProduct(seller, { status: 'INACTIVE' })
    const buyer = await signUpUser()
    const add = (json: unknown) => cartApi(buyer.accessToken, 'POST', '', json)
    expect((await add({ productId: hidden.id })).status).toBe(404)
    expect((await add({ productId: new ObjectId().toHexString() })).status).toBe(404)
    expect((await cartApi(seller.accessToken, 'POST', '', { productId: id })).status).toBe(409)
    for (const json of [
      { productId: id, quantity: 0 },
      { productId: id, quantity: 1.5 },
      { productId: id, quantity: 101 },
      { productId: id, quantity: 1, priceMinor: 1 },
      { productId: { $ne: null } },
      { productId: 'abc' },
    ]) {
      expect((await add(json)).status, JSON.stringify(json)).toBe(400)
    }
    await addToCart(buyer, id, 100)
    expect((await add({ productId: id, quantity: 1 })).status).toBe(409)
    expect((await cartApi(buyer.accessToken, 'PUT', '/items/xyz', { quantity: 1 })).status).toBe(
      400,
    )
    expect((await api('/api/marketplace/cart')).status).toBe(401)
  })

  it('keeps one line per product when the same product is added concurrently', async () => {
    const { products } = await sellerWithProducts(1)
    const buyer = await signUpUser()
    await Promise.all(Array.from({ length: 6 }, () => addToCart(buyer, products[0]!.id, 2)))
    const cart = (await cartApi(buyer.accessToken, 'GET')).body.cart
    expect(cart.items).toHaveLength(1)
    expect(cart.items[0].quantity).toBe(12)
  })
})
