// Products: CRUD by their seller, images, money fields, stock, admin deactivation, the listing's
// search, filters and cursor pages, and who may change what.
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { api } from '../harness/http'
import {
  adminUser,
  applyToSell,
  approvedSeller,
  createProduct,
  insertImage,
  sellerWithProducts,
  stockOf,
} from '../harness/marketplace'
import { signUpUser } from '../harness/users'

const ids = (list: { id: string }[]) => list.map((p) => p.id)
const put = (token: string, path: string, json: unknown) =>
  api(`/api/marketplace${path}`, { method: 'PUT', token, json })

describe('product CRUD', () => {
  it('creates, reads, edits and deletes a product with its own ready images', async () => {
    const seller = await approvedSeller()
    const [img1, img2] = [await insertImage(seller.id), await insertImage(seller.id)]
    const created = await createProduct(seller, {
      title: 'Blue mug',
      description: 'Holds coffee',
      priceMinor: 1250,
      currency: 'USD',
      stock: 3,
      imageIds: [img1, img2],
    })
    expect(created).toMatchObject({
      title: 'Blue mug',
      description: 'Holds coffee',
      priceMinor: 1250,
      currency: 'USD',
      stock: 3,
      status: 'ACTIVE',
      sellerId: seller.id,
      owner: true,
    })
    expect((created.images as { id: string; url: string }[]).map((i) => i.id)).toEqual([img1, img2])
    expect((created.images as { url: string }[])[0]!.url).toMatch(/^https?:\/\/.+X-Amz-Signature=/)

    const anon = await api(`/api/marketplace/products/${created.id}`)
    expect(anon.status).toBe(200)
    expect(anon.body.product).toMatchObject({ title: 'Blue mug', owner: false })
    expect(anon.body.product.deactivatedByAdmin).toBeUndefined()

    const edited = await put(seller.accessToken, `/products/${created.id}`, {
      title: 'Red mug',
      description: null,
      priceMinor: 990,
      imageIds: [img2],
      status: 'INACTIVE',
    })
    expect(edited.status).toBe(200)
    expect(edited.body.product).toMatchObject({
      title: 'Red mug',
      description: null,
      priceMinor: 990,
      status: 'INACTIVE',
      stock: 3,
    })
    expect(edited.body.product.images).toHaveLength(1)
    // INACTIVE: only its seller (and admins) still see it.
    expect((await api(`/api/marketplace/products/${created.id}`)).status).toBe(404)
    const stranger = await signUpUser()
    expect(
      (await api(`/api/marketplace/products/${created.id}`, { token: stranger.accessToken }))
        .status,
    ).toBe(404)
    expect(
      (await api(`/api/marketplace/products/${created.id}`, { token: seller.accessToken })).status,
    ).toBe(200)
    expect(
      (
        await api(`/api/marketplace/products/${created.id}`, {
          token: (await adminUser()).accessToken,
        })
      ).status,
    ).toBe(200)

    const deleted = await api(`/api/marketplace/products/${created.id}`, {
      method: 'DELETE',
      token: seller.accessToken,
    })
    expect(deleted.status).toBe(200)
    expect(
      (await api(`/api/marketplace/products/${created.id}`, { token: seller.accessToken })).status,
    ).toBe(404)
  })

  it('accepts only the seller’s own ready product-image media, at most 10', async () => {
    const seller = await approvedSeller()
    const other = await signUpUser()
    const cases = [
      [await insertImage(other.id)],
      [await insertImage(seller.id, { status: 'pending' })],
      [await insertImage(seller.id, { purpose: 'avatar' })],
      ['0123456789abcdef01234567'],
    ]
    for (const imageIds of cases) {
      const res = await api('/api/marketplace/products', {
        method: 'POST',
        token: seller.accessToken,
        json: { title: 'X', priceMinor: 1, currency: 'EUR', imageIds },
      })
      expect(res.status).toBe(400)
      expect(res.body.details[0].path).toBe('imageIds.0')
    }
    const eleven = await Promise.all(Array.from({ length: 11 }, () => insertImage(seller.id)))
    const tooMany = await api('/api/marketplace/products', {
      method: 'POST',
      token: seller.accessToken,
      json: { title: 'X', priceMinor: 1, currency: 'EUR', imageIds: eleven },
    })
    expect(tooMany.status).toBe(400)
    const img = eleven[0]!
    const dup = await api('/api/marketplace/products', {
      method: 'POST',
      token: seller.accessToken,
      json: { title: 'X', priceMinor: 1, currency: 'EUR', imageIds: [img, img] },
    })
    expect(dup.status).toBe(400)
    expect((await createProduct(seller, { imageIds: eleven.slice(0, 10) })).images).toHaveLength(10)
  })

  it('takes prices as integer minor units in an ISO 4217 currency, and nothing else', async () => {
    const seller = await approvedSeller()
    const base = { title: 'Priced', priceMinor: 100, currency: 'EUR' }
    const bad: Record<string, unknown>[] = [
      { priceMinor: 12.5 },
      { priceMinor: '100' },
      { priceMinor: -1 },
      { priceMinor: 1e15 },
      { currency: 'eur' },
      { currency: 'EURO' },
      { currency: 'XYZ' },
      { stock: 1.5 },
      { stock: -1 },
      { status: 'DELETED' },
      { sellerId: seller.id },
      { title: { $ne: '' } },
      { reservations: [] },
    ]
    for (const patch of bad) {
      const res = await api('/api/marketplace/products', {
        method: 'POST',
        token: seller.accessToken,
        json: { ...base, ...patch },
      })
      expect(res.status, JSON.stringify(patch)).toBe(400)
    }
    const p = await createProduct(seller, { priceMinor: 0, currency: 'JPY' })
    expect(p).toMatchObject({ priceMinor: 0, currency: 'JPY', stock: 10 })
    expect((await put(seller.accessToken, `/products/${p.id}`, { priceMinor: 9.99 })).status).toBe(
      400,
    )
    expect((await put(seller.accessToken, `/products/${p.id}`, {})).status).toBe(400)
    expect((await put(seller.accessToken, `/products/${p.id}`, { stock: 5 })).status).toBe(400)
    expect((await api('/api/marketplace/products/nope')).status).toBe(400)
  })
})

describe('stock', () => {
  it('is set, or adjusted by a delta that can never take it below zero', async () => {
    const { seller, products } = await sellerWithProducts(1, { stock: 5 })
    const id = products[0]!.id
    const set = await put(seller.accessToken, `/products/${id}/stock`, { stock: 7 })
    expect(set.status).toBe(200)
    expect(set.body.product.stock).toBe(7)
    const up = await put(seller.accessToken, `/products/${id}/stock`, { delta: 3 })
    expect(up.body.product.stock).toBe(10)
    const down = await put(seller.accessToken, `/products/${id}/stock`, { delta: -10 })
    expect(down.body.product.stock).toBe(0)
    const below = await put(seller.accessToken, `/products/${id}/stock`, { delta: -1 })
    expect(below.status).toBe(409)
    expect(await stockOf(id)).toBe(0)
    for (const json of [{}, { stock: -1 }, { stock: 1.5 }, { stock: 1, delta: 1 }, { delta: 0 }]) {
      expect((await put(seller.accessToken, `/products/${id}/stock`, json)).status).toBe(400)
    }
  })

  it('never goes negative under concurrent decrements', async () => {
    const { seller, products } = await sellerWithProducts(1, { stock: 5 })
    const id = products[0]!.id
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        put(seller.accessToken, `/products/${id}/stock`, { delta: -1 }),
      ),
    )
    expect(results.filter((r) => r.status === 200)).toHaveLength(5)
    expect(results.filter((r) => r.status === 409)).toHaveLength(3)
    expect(await stockOf(id)).toBe(0)
  })
})

describe('product security', () => {
  it('lets only approved sellers create products', async () => {
    const plain = await signUpUser()
    await expect(createProduct(plain)).rejects.toThrow(/403/)
    const pending = await signUpUser()
    await applyToSell(pending)
    await expect(createProduct(pending)).rejects.toThrow(/403/)
    const rejected = await signUpUser()
    const appId = await applyToSell(rejected)
    await api(`/api/marketplace/admin/seller-applications/${appId}/reject`, {
      method: 'POST',
      token: (await adminUser()).accessToken,
      json: { reason: 'No' },
    })
    await expect(createProduct(rejected)).rejects.toThrow(/403/)
    // Admins run the marketplace; they are not sellers unless they apply.
    await expect(createProduct(await adminUser())).rejects.toThrow(/403/)
    const anon = await api('/api/marketplace/products', {
      method: 'POST',
      json: { title: 'X', priceMinor: 1, currency: 'EUR' },
    })
    expect(anon.status).toBe(401)
  })

  it('keeps another seller from editing, restocking or deleting a product', async () => {
    const { products } = await sellerWithProducts(1)
    const id = products[0]!.id
    const rival = await approvedSeller()
    expect((await put(rival.accessToken, `/products/${id}`, { priceMinor: 1 })).status).toBe(403)
    expect((await put(rival.accessToken, `/products/${id}/stock`, { stock: 0 })).status).toBe(403)
    expect((await put(rival.accessToken, `/products/${id}/stock`, { delta: -1 })).status).toBe(403)
    const del = await api(`/api/marketplace/products/${id}`, {
      method: 'DELETE',
      token: rival.accessToken,
    })
    expect(del.status).toBe(403)
    const buyer = await signUpUser()
    expect((await put(buyer.accessToken, `/products/${id}`, { title: 'Mine' })).status).toBe(403)
    // A seller cannot attach someone else's images either.
    const theirs = await insertImage(rival.id)
    const own = await approvedSeller()
    const mine = await createProduct(own)
    expect(
      (await put(own.accessToken, `/products/${mine.id}`, { imageIds: [theirs] })).status,
    ).toBe(400)
    const after = await api(`/api/marketplace/products/${id}`)
    expect(after.body.product).toMatchObject({ priceMinor: 1999, stock: 10, title: 'Widget 1' })
  })

  it('lets only admins deactivate any product, which its seller then cannot reactivate', async () => {
    const { seller, products } = await sellerWithProducts(1)
    const id = products[0]!.id
    const path = `/api/marketplace/admin/products/${id}/deactivate`
    expect((await api(path, { method: 'POST', token: seller.accessToken })).status).toBe(403)
    expect((await api(path, { method: 'POST' })).status).toBe(401)
    const done = await api(path, { method: 'POST', token: (await adminUser()).accessToken })
    expect(done.status).toBe(200)
    expect(done.body.product).toMatchObject({ status: 'INACTIVE', deactivatedByAdmin: true })
    expect((await api(`/api/marketplace/products/${id}`)).status).toBe(404)
    const revive = await put(seller.accessToken, `/products/${id}`, { status: 'ACTIVE' })
    expect(revive.status).toBe(403)
    const own = await api(`/api/marketplace/products/${id}`, { token: seller.accessToken })
    expect(own.body.product).toMatchObject({ status: 'INACTIVE', deactivatedByAdmin: true })
  })
})

describe('product listing', () => {
  it('searches title and description case-insensitively, with regex input taken literally', async () => {
    const tag = randomBytes(4).toString('hex')
    const seller = await approvedSeller()
    const a = await createProduct(seller, { title: `Lamp ${tag} (brass)` })
    const b = await createProduct(seller, { title: 'Chair', description: `solid OAK ${tag}` })
    await createProduct(seller, { title: `Hidden ${tag}`, status: 'INACTIVE' })
    const byTag = await api(`/api/marketplace/products?q=${tag.toUpperCase()}`)
    expect(ids(byTag.body.products).sort()).toEqual([a.id, b.id].sort())
    const oak = await api(`/api/marketplace/products?q=${encodeURIComponent(`oak ${tag}`)}`)
    expect(ids(oak.body.products)).toEqual([b.id])
    const literal = await api(`/api/marketplace/products?q=${encodeURIComponent(`${tag} (brass)`)}`)
    expect(ids(literal.body.products)).toEqual([a.id])
    const regex = await api(`/api/marketplace/products?q=${encodeURIComponent(`${tag}.*`)}`)
    expect(regex.body.products).toEqual([])
    expect((await api('/api/marketplace/products?q=' + 'x'.repeat(101))).status).toBe(400)
  })

  it('filters by price range, currency, seller and status (INACTIVE only for the seller)', async () => {
    const seller = await approvedSeller()
    const cheap = await createProduct(seller, { priceMinor: 100 })
    const mid = await createProduct(seller, { priceMinor: 500 })
    const dear = await createProduct(seller, { priceMinor: 900 })
    const usd = await createProduct(seller, { priceMinor: 500, currency: 'USD' })
    const off = await createProduct(seller, { priceMinor: 500, status: 'INACTIVE' })
    const base = `/api/marketplace/products?sellerId=${seller.id}&limit=100`
    const range = await api(`${base}&minPrice=200&maxPrice=900`)
    expect(ids(range.body.products)).toEqual([usd.id, dear.id, mid.id])
    const eur = await api(`${base}&currency=EUR&maxPrice=500`)
    expect(ids(eur.body.products)).toEqual([mid.id, cheap.id])
    const all = await api(base)
    expect(ids(all.body.products)).not.toContain(off.id)

    const inactive = `${base}&status=INACTIVE`
    expect((await api(inactive)).body.products).toEqual([])
    const stranger = await signUpUser()
    expect((await api(inactive, { token: stranger.accessToken })).body.products).toEqual([])
    expect(ids((await api(inactive, { token: seller.accessToken })).body.products)).toEqual([
      off.id,
    ])
    const asAdmin = await api(inactive, { token: (await adminUser()).accessToken })
    expect(ids(asAdmin.body.products)).toEqual([off.id])

    for (const q of [
      'minPrice=10.5',
      'minPrice=-1',
      'minPrice=9&maxPrice=1',
      'sellerId=x',
      'limit=101',
      'status=GONE',
      'currency=eur',
    ]) {
      expect((await api(`/api/marketplace/products?${q}`)).status, q).toBe(400)
    }
  })

  it('pages with an opaque cursor, stable while new products are inserted between pages', async () => {
    const seller = await approvedSeller()
    const made = []
    for (let i = 0; i < 7; i++)
      made.push(await createProduct(seller, { priceMinor: (i % 3) * 100 }))
    const base = `/api/marketplace/products?sellerId=${seller.id}&limit=3`

    const seen: string[] = []
    let cursor: string | null = null
    let page = 0
    do {
      const res: { body: { products: { id: string }[]; nextCursor: string | null } } = await api(
        `${base}${cursor ? `&cursor=${cursor}` : ''}`,
      )
      seen.push(...ids(res.body.products))
      cursor = res.body.nextCursor
      // Inserted after the first page: newer than everything, so never on a later page.
      if (page++ === 0) await createProduct(seller, { priceMinor: 100 })
    } while (cursor)
    expect(seen).toEqual(made.map((p) => p.id).reverse())

    // By price (ties broken by id): every product once, in order, across pages and inserts.
    for (const sort of ['price_asc', 'price_desc'] as const) {
      const order: { id: string; priceMinor: number }[] = []
      let next: string | null = null
      let n = 0
      do {
        const res: {
          body: { products: { id: string; priceMinor: number }[]; nextCursor: string | null }
        } = await api(`${base}&sort=${sort}${next ? `&cursor=${next}` : ''}`)
        order.push(...res.body.products)
        next = res.body.nextCursor
        if (n++ === 0) await createProduct(seller, { priceMinor: sort === 'price_asc' ? 0 : 200 })
      } while (next)
      const prices = order.map((p) => p.priceMinor)
      expect(prices).toEqual([...prices].sort((x, y) => (sort === 'price_asc' ? x - y : y - x)))
      expect(new Set(ids(order)).size).toBe(order.length)
    }
    const first = await api(base)
    const wrongSort = await api(`${base}&sort=price_asc&cursor=${first.body.nextCursor}`)
    expect(wrongSort.status).toBe(400)
    expect((await api(`${base}&cursor=garbage`)).status).toBe(400)
  })
})
