// Marketplace fixtures: an admin, sellers approved through the real API, products, product-image
// media inserted directly (as a finished upload would leave them), carts and orders.
import { randomUUID } from 'node:crypto'
import { ObjectId } from 'mongodb'
import { api, type ApiResponse } from './http'
import { setRole, signUpUser, testDb, type TestUser } from './users'

let sharedAdmin: Promise<TestUser> | undefined

/** One admin per test file is enough: admins only decide, they own nothing. */
export function adminUser(): Promise<TestUser> {
  sharedAdmin ??= signUpUser({ name: 'Market Admin' }).then(async (u) => {
    await setRole(u.id, 'ADMIN')
    return u
  })
  return sharedAdmin
}

export async function applyToSell(user: TestUser, storeName = 'Test Store') {
  const res = await api('/api/marketplace/seller/apply', {
    method: 'POST',
    token: user.accessToken,
    json: { storeName, description: 'We sell things', contact: { email: user.email } },
  })
  if (res.status !== 201) throw new Error(`apply: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.application.id as string
}

/** A user whose seller application an admin approved. */
export async function approvedSeller(): Promise<TestUser> {
  const seller = await signUpUser({ name: 'Seller' })
  const applicationId = await applyToSell(seller)
  const res = await api(`/api/marketplace/admin/seller-applications/${applicationId}/approve`, {
    method: 'POST',
    token: (await adminUser()).accessToken,
  })
  if (res.status !== 200) throw new Error(`approve: ${res.status} ${JSON.stringify(res.body)}`)
  return seller
}

export interface Product {
  id: string
  title: string
  priceMinor: number
  currency: string
  stock: number
  status: string
  [k: string]: unknown
}

export async function createProduct(
  seller: TestUser,
  fields: Record<string, unknown> = {},
): Promise<Product> {
  const res = await api('/api/marketplace/products', {
    method: 'POST',
    token: seller.accessToken,
    json: { title: 'Widget', priceMinor: 1999, currency: 'EUR', stock: 10, ...fields },
  })
  if (res.status !== 201)
    throw new Error(`create product: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.product
}

/** An approved seller with `count` ACTIVE products. */
export async function sellerWithProducts(count = 1, fields: Record<string, unknown> = {}) {
  const seller = await approvedSeller()
  const products: Product[] = []
  for (let i = 0; i < count; i++)
    products.push(await createProduct(seller, { title: `Widget ${i + 1}`, ...fields }))
  return { seller, products }
}

/** A media record owned by `ownerId`, as a finished upload leaves it. */
export async function insertImage(
  ownerId: string,
  opts: { purpose?: string; status?: string } = {},
): Promise<string> {
  const _id = new ObjectId()
  const purpose = opts.purpose ?? 'product-image'
  await (await testDb()).collection('media').insertOne({
    _id,
    ownerId: new ObjectId(ownerId),
    purpose,
    kind: 'image',
    contentType: 'image/png',
    declaredSize: 1000,
    key: `media/${purpose}/${_id.toHexString()}/original`,
    status: opts.status ?? 'ready',
    upload: { mode: 'single' },
    createdAt: new Date(),
    updatedAt: new Date(),
  })
  return _id.toHexString()
}

export async function addToCart(user: TestUser, productId: string, quantity = 1) {
  const res = await api('/api/marketplace/cart', {
    method: 'POST',
    token: user.accessToken,
    json: { productId, quantity },
  })
  if (res.status !== 200) throw new Error(`add to cart: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.cart
}

export function order(user: TestUser, key: string = randomUUID(), json?: unknown) {
  return api('/api/marketplace/orders', {
    method: 'POST',
    token: user.accessToken,
    headers: { 'idempotency-key': key },
    ...(json === undefined ? {} : { json }),
  })
}

export function orderAction(user: TestUser, orderId: string, action: string) {
  return api(`/api/marketplace/orders/${orderId}/${action}`, {
    method: 'POST',
    token: user.accessToken,
  })
}

/** A placed (PENDING) order of `quantity` units of the product. */
export async function placedOrder(buyer: TestUser, productId: string, quantity = 1) {
  await addToCart(buyer, productId, quantity)
  const res: ApiResponse = await order(buyer)
  if (res.status !== 201) throw new Error(`order: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.order as { id: string; status: string; totalMinor: number; items: any[] }
}

export async function stockOf(productId: string): Promise<number> {
  const doc = await (
    await testDb()
  )
    .collection('products')
    .findOne({ _id: new ObjectId(productId) }, { projection: { stock: 1 } })
  return doc!.stock
}
