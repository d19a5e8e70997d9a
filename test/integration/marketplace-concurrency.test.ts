// Stock under pressure: a hundred buyers racing for ten units, and orders whose request died
// half-way (recovered through the reservation ledger on the product).
import { randomUUID } from 'node:crypto'
import { ObjectId } from 'mongodb'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  addToCart,
  order,
  orderAction,
  placedOrder,
  sellerWithProducts,
  stockOf,
} from '../harness/marketplace'
import { signUpUser, testDb, type TestUser } from '../harness/users'

async function buyers(count: number): Promise<TestUser[]> {
  const made: TestUser[] = []
  // In batches: sign-up hashes a password, and a hundred at once only queues up in workerd.
  for (let i = 0; i < count; i += 25)
    made.push(
      ...(await Promise.all(Array.from({ length: Math.min(25, count - i) }, () => signUpUser()))),
    )
  return made
}

describe('concurrent orders', () => {
  let crowd: TestUser[] = []
  let id = ''
  // Setting up a hundred accounts is the slow part; it is not what the test measures.
  beforeAll(async () => {
    id = (await sellerWithProducts(1, { stock: 10, priceMinor: 500 })).products[0]!.id
    crowd = await buyers(100)
    await Promise.all(crowd.map((b) => addToCart(b, id, 1)))
  })

  it('sells exactly the stock: 100 buyers at once for 10 units → 10 orders, 90 refusals', async () => {
    const results = await Promise.all(crowd.map((b) => order(b)))
    const won = results.filter((r) => r.status === 201)
    const lost = results.filter((r) => r.status === 409)
    expect(won).toHaveLength(10)
    expect(lost).toHaveLength(90)
    expect(lost.every((r) => /Widget 1/.test(r.body.message))).toBe(true)
    expect(await stockOf(id)).toBe(0)

    const placed = await (
      await testDb()
    )
      .collection('orders')
      .find({ 'items.productId': new ObjectId(id) })
      .toArray()
    expect(placed.every((o) => o.status === 'PENDING')).toBe(true)
    expect(placed.flatMap((o) => o.items).reduce((s, i) => s + i.quantity, 0)).toBe(10)
    const product = await (await testDb()).collection('products').findOne({ _id: new ObjectId(id) })
    expect(product!.reservations).toHaveLength(10)
  })
})

describe('interrupted requests', () => {
  it('a retry recovers an order whose first request died while reserving', async () => {
    const { products } = await sellerWithProducts(1, { stock: 5 })
    const id = new ObjectId(products[0]!.id)
    const buyer = await signUpUser()
    await addToCart(buyer, products[0]!.id, 2)
    const key = randomUUID()
    // What a request that died after its first decrement leaves behind, a few minutes ago.
    const db = await testDb()
    const deadOrderId = new ObjectId()
    const longAgo = new Date(Date.now() - 5 * 60_000)
    await db.collection('orders').insertOne({
      _id: deadOrderId,
      buyerId: new ObjectId(buyer.id),
      idempotencyKey: key,
      cartHash: 'whatever',
      status: 'RESERVING',
      items: [
        {
          productId: id,
          sellerId: new ObjectId(),
          title: 'Widget 1',
          unitPriceMinor: 1999,
          quantity: 2,
        },
      ],
      sellerIds: [],
      currency: 'EUR',
      totalMinor: 3998,
      createdAt: longAgo,
      updatedAt: longAgo,
    })
    await db.collection('products').updateOne({ _id: id }, {
      $inc: { stock: -2 },
      $push: { reservations: { orderId: deadOrderId, quantity: 2 } },
    } as never)
    expect(await stockOf(products[0]!.id)).toBe(3)

    const retry = await order(buyer, key)
    expect(retry.status).toBe(201)
    expect(retry.body.order.id).not.toBe(deadOrderId.toHexString())
    expect(await stockOf(products[0]!.id)).toBe(3)
    const product = await db.collection('products').findOne({ _id: id })
    expect(
      product!.reservations.map((r: { orderId: ObjectId }) => r.orderId.toHexString()),
    ).toEqual([retry.body.order.id])
  })

  it('a second cancel finishes giving back stock that a dead first cancel did not', async () => {
    const { products } = await sellerWithProducts(1, { stock: 5 })
    const buyer = await signUpUser()
    const placed = await placedOrder(buyer, products[0]!.id, 2)
    expect(await stockOf(products[0]!.id)).toBe(3)
    // The first cancel moved the status and died before returning the stock.
    await (
      await testDb()
    )
      .collection('orders')
      .updateOne({ _id: new ObjectId(placed.id) }, { $set: { status: 'CANCELLED' } })
    const again = await orderAction(buyer, placed.id, 'cancel')
    expect(again.status).toBe(409)
    expect(await stockOf(products[0]!.id)).toBe(5)
    expect((await orderAction(buyer, placed.id, 'cancel')).status).toBe(409)
    expect(await stockOf(products[0]!.id)).toBe(5)
  })
})
