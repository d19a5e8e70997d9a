// The legacy importer's marketplace group (seller applications, products with their inventories'
// stock, carts, orders) and the conference hosts and speakers, against fixture databases in the
// dev Mongo server, read back through the running Worker by the old accounts.
import { randomBytes } from 'node:crypto'
import { MongoClient, type Db } from 'mongodb'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { ensureIndexes } from '../../worker/db/indexes'
import { runImport } from '../../worker/legacy-import/engine'
import { legacySource, type LegacySource } from '../../worker/legacy-import/legacy-source'
import type { StepReport } from '../../worker/legacy-import/report'
import { selectSteps } from '../../worker/legacy-import/steps'
import { buildLegacyFixtures, type LegacyFixtures } from '../harness/legacy-fixtures'
import { api } from '../harness/http'
import { freshIp, testDb } from '../harness/users'

const SCALE = 300
const tag = randomBytes(3).toString('hex')
let client: MongoClient
let source: LegacySource
let fixtures: LegacyFixtures
let target: Db
let report: Awaited<ReturnType<typeof runImport>>
const scratch: Db[] = []

const GROUPS = ['users', 'conferences', 'marketplace']
const importAll = () => runImport({ source, target, steps: selectSteps(GROUPS), batchSize: 200 })
const step = (name: string) => report.steps.find((s) => s.step === name) as StepReport

async function signIn(path: string, who: { email: string; password: string }) {
  const login = await api(path, {
    method: 'POST',
    json: { email: who.email, password: who.password },
    headers: { 'cf-connecting-ip': freshIp() },
  })
  expect(login.status, JSON.stringify(login.body)).toBe(200)
  return login.body.accessToken as string
}

beforeAll(async () => {
  client = await new MongoClient(inject('workerVars').MONGODB_URI!).connect()
  const sanora = client.db(`legacy_sanora_${tag}`)
  const videodesk = client.db(`legacy_videodesk_${tag}`)
  scratch.push(sanora, videodesk)
  fixtures = await buildLegacyFixtures(sanora, videodesk, { scale: SCALE, tag })
  source = legacySource({ sanora, videodesk })
  target = await testDb()
  await ensureIndexes(target)
  report = await importAll()
}, 120_000)

afterAll(async () => {
  for (const db of scratch) await db.dropDatabase()
  await client?.close()
})

describe('legacy import of the marketplace', () => {
  it('reports per collection what it read, wrote, skipped and found dangling', () => {
    const m = fixtures.groups.marketplace
    for (const s of report.steps) expect(s.failed.count, s.step).toBe(0)
    expect(step('sanora.sellerapplications')).toMatchObject({
      read: m.applications,
      written: m.applications - m.supersededApplications,
      skipped: { 'another open application of the same user is imported': 1 },
    })
    expect(
      step('sanora.sellerapplications').notes['unknown status, imported as pending']!.count,
    ).toBe(m.unknownApplicationStatuses)
    const products = step('sanora.products')
    expect(products).toMatchObject({ read: m.products, written: m.products })
    expect(products.dangling.seller!.count).toBe(m.productsOfMissingSellers)
    expect(products.notes['counter stock: old value differs, recomputed one imported']!.count).toBe(
      m.stockDifferences,
    )
    expect(products.notes['no inventory: the stored quantity imported as stock']!.count).toBe(
      m.productsWithoutInventory,
    )
    expect(products.notes['unknown status, imported as INACTIVE']!.count).toBe(
      m.unknownProductStatuses,
    )
    const inventories = step('sanora.inventories')
    expect(inventories).toMatchObject({
      read: m.inventories,
      written: 0,
      skipped: { "folded into its product's stock": m.inventories },
    })
    expect(inventories.dangling.product!.count).toBe(m.orphanInventories)
    const carts = step('sanora.carts')
    expect(carts).toMatchObject({
      read: m.carts,
      written: m.carts - m.olderCarts,
      skipped: { 'an older cart of a user with a newer one': m.olderCarts },
    })
    expect(carts.dangling['items.product']!.count).toBe(m.danglingCartLines)
    const orders = step('sanora.orders')
    expect(orders).toMatchObject({ read: m.orders, written: m.orders })
    expect(orders.dangling['items.product']!.count).toBe(m.danglingOrderProducts)
    expect(orders.notes['order lines of an unknown seller']!.count).toBe(m.danglingOrderProducts)
    expect(orders.notes['unknown status, imported as PENDING']!.count).toBe(m.unknownOrderStatuses)
    expect(
      orders.notes['counter order total (minor units): old value differs, recomputed one imported']!
        .count,
    ).toBe(m.totalDifferences)
  })

  it('shows an imported buyer their old order at the prices paid then, and their old cart', async () => {
    const { buyer } = fixtures.groups.marketplace
    const token = await signIn('/api/auth/login', buyer)
    const mine = await api('/api/marketplace/orders?limit=100', { token })
    expect(mine.status).toBe(200)
    expect(mine.body.orders.map((o: { id: string }) => o.id)).toContain(String(buyer.orderId))
    const order = await api(`/api/marketplace/orders/${buyer.orderId}`, { token })
    expect(order.status).toBe(200)
    expect(order.body.order).toMatchObject({ view: 'buyer', buyerId: String(buyer.id) })
    expect(order.body.order.items[0].unitPriceMinor).toBe(buyer.unitPriceMinor)
    const cart = await api('/api/marketplace/cart', { token })
    expect(cart.status).toBe(200)
    // The line naming a deleted product was dropped; the older cart was not imported.
    expect(cart.body.cart.items.map((i: { productId: string }) => i.productId)).toEqual(
      buyer.cartProductIds,
    )
    expect(cart.body.cart.items[0].product).toMatchObject({ status: 'ACTIVE' })
  })

  it('lets an imported seller see and edit their product with the recomputed stock; a stranger may not', async () => {
    const { seller, stranger } = fixtures.groups.marketplace
    expect(seller.storedStock).not.toBe(seller.stock)
    const token = await signIn('/api/auth/login', seller)
    const me = await api('/api/marketplace/seller/me', { token })
    expect(me.body.isSeller).toBe(true)
    const read = await api(`/api/marketplace/products/${seller.productId}`, { token })
    expect(read.status).toBe(200)
    expect(read.body.product).toMatchObject({ owner: true, stock: seller.stock })
    const edited = await api(`/api/marketplace/products/${seller.productId}`, {
      method: 'PUT',
      token,
      json: { title: 'Renamed after the move' },
    })
    expect(edited.status, JSON.stringify(edited.body)).toBe(200)
    expect(edited.body.product.title).toBe('Renamed after the move')
    const strangerToken = await signIn('/api/auth/login', stranger)
    const refused = await api(`/api/marketplace/products/${seller.productId}`, {
      method: 'PUT',
      token: strangerToken,
      json: { title: 'Not mine' },
    })
    expect(refused.status).toBe(403)
  })
})

describe('legacy import of conference hosts and speakers', () => {
  it('imports hosts and speakers, merging only on proof on both sides, and lists the pairs', async () => {
    const h = fixtures.groups.hosts
    const hosts = step('sanora.hosts')
    expect(hosts).toMatchObject({
      read: h.hosts,
      written: h.hosts - h.mergedHosts,
      skipped: { 'merged into the Sanora user with the same proven email': h.mergedHosts },
    })
    expect(
      hosts.notes['same email as a Sanora user, not merged (not proven on both sides)']!.count,
    ).toBe(h.unmergedPairs)
    const speakers = step('sanora.speakers')
    expect(speakers.read).toBe(h.speakers)
    expect(speakers.written).toBe(h.speakers - h.mergedSpeakers)
    expect(step('sanora.conferences').dangling.speakers!.count).toBe(h.danglingSpeakerRefs)
    const merged = await target.collection('users').findOne({ _id: h.mergedHost.accountId })
    expect(merged!.role).toBe('HOST')
    expect(await target.collection('users').findOne({ _id: h.mergedHost.id })).toBeNull()
    const conference = await target
      .collection('conferences')
      .findOne({ _id: h.mergedHost.conferenceId })
    expect(conference!.hostId).toEqual(h.mergedHost.accountId)
  })

  it('lets a host sign in with the old password and open their old conference as host', async () => {
    const { host } = fixtures.groups.hosts
    const token = await signIn('/api/host/auth/login', host)
    const read = await api(`/api/conference/${host.conferenceId}`, { token })
    expect(read.status, JSON.stringify(read.body)).toBe(200)
    expect(read.body.conference).toMatchObject({ hostId: String(host.id), yourRole: 'host' })
    expect(read.body.conference.speakers).toContainEqual(
      expect.objectContaining({ userId: String(host.speakerId) }),
    )
  })
})

describe('a merged host', () => {
  it("refreshes with the old host's refresh token into the account it was merged into", async () => {
    const { mergedHost } = fixtures.groups.hosts
    const refreshed = await api('/api/auth/refresh-token', {
      method: 'POST',
      json: { refreshToken: mergedHost.refreshToken },
      headers: { 'cf-connecting-ip': freshIp() },
    })
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200)
    const me = await api('/api/auth/profile', { token: refreshed.body.accessToken })
    expect(me.status).toBe(200)
    expect(JSON.stringify(me.body)).toContain(String(mergedHost.accountId))
  })
})

describe('a second run', () => {
  it('writes nothing', async () => {
    const again = await importAll()
    for (const s of again.steps) expect(s.written, s.step).toBe(0)
    expect(again.steps.every((s) => s.failed.count === 0)).toBe(true)
  }, 120_000)
})
