// Legacy Sanora marketplace collections (`sellerapplications`, `products`, `inventories`, `carts`,
// `orders`) shaped as Mongoose stored them, with the awkward cases: stored stock that disagrees
// with the inventory, products without an inventory, a seller or product that no longer exists,
// a user with two carts or two open applications, old order totals that disagree with their
// lines, unknown statuses.
import { ObjectId } from 'mongodb'
import type { GroupFixtureContext, LegacyAccount } from './groups'

export interface LegacyMarketplace {
  applications: number
  /** An older pending application of a user whose approved one is imported. */
  supersededApplications: number
  unknownApplicationStatuses: number
  products: number
  productsOfMissingSellers: number
  productsWithoutInventory: number
  stockDifferences: number
  unknownProductStatuses: number
  inventories: number
  orphanInventories: number
  carts: number
  olderCarts: number
  danglingCartLines: number
  orders: number
  danglingOrderProducts: number
  unknownOrderStatuses: number
  totalDifferences: number
  buyer: LegacyAccount & { orderId: ObjectId; unitPriceMinor: number; cartProductIds: string[] }
  seller: LegacyAccount & { productId: ObjectId; stock: number; storedStock: number }
  stranger: LegacyAccount
}

const ORDER_STATUSES = ['pending', 'processing', 'shipped', 'delivered', 'cancelled', 'Delivered']

export async function legacyMarketplace(ctx: GroupFixtureContext): Promise<LegacyMarketplace> {
  const { sanora, base } = ctx
  const at = (k: number) => new Date(base + 86_400_000 * 30 + k * 60_000)
  const id = (offset: number, k: number) => ObjectId.createFromTime(base / 1000 + offset + k)
  const eligible = ctx.accounts.filter((a) => a.isActive && a.isVerified && a.role === 'USER')
  const sellers = eligible.filter((_, k) => k % 10 === 0)
  const buyers = eligible.filter((_, k) => k % 10 !== 0)

  // Seller applications: every seller approved (the first one also has an older pending one).
  const applications: Record<string, unknown>[] = []
  let unknownApplicationStatuses = 0
  sellers.forEach((s, k) => {
    applications.push({
      _id: id(50_000_000, k),
      [k % 2 ? 'userId' : 'user']: s.id,
      businessName: `Shop ${k}`,
      description: 'Old shop',
      businessEmail: s.email,
      phone: '+447000000000',
      status: 'approved',
      reviewedAt: at(k),
      createdAt: at(k),
      updatedAt: at(k),
      __v: 0,
    })
  })
  applications.push({
    _id: id(50_000_000, sellers.length),
    user: sellers[0]!.id,
    businessName: 'Second try',
    status: 'pending',
    createdAt: at(0),
    updatedAt: at(0),
    __v: 0,
  })
  buyers.forEach((b, k) => {
    if (k % 7 !== 0) return
    const unknown = k % 49 === 0
    if (unknown) unknownApplicationStatuses++
    applications.push({
      _id: id(50_100_000, k),
      user: b.id,
      storeName: `Hopeful ${k}`,
      contact: { email: b.email },
      status: unknown ? 'on_hold' : k % 2 ? 'rejected' : 'pending',
      ...(k % 2 && !unknown ? { rejectionReason: 'Incomplete' } : {}),
      createdAt: at(k),
      updatedAt: at(k),
      __v: 0,
    })
  })

  // Products and their inventories.
  const productCount = ctx.scale * 2
  const products: Record<string, unknown>[] = []
  const inventories: Record<string, unknown>[] = []
  let productsOfMissingSellers = 0
  let productsWithoutInventory = 0
  let stockDifferences = 0
  let unknownProductStatuses = 0
  for (let k = 0; k < productCount; k++) {
    const _id = id(51_000_000, k)
    const missingSeller = k % 50 === 17
    if (missingSeller) productsOfMissingSellers++
    const unknown = k % 250 === 7
    if (unknown) unknownProductStatuses++
    const quantity = 10 + (k % 20)
    const reserved = k % 4 === 0 ? 2 : 0
    const hasInventory = k % 30 !== 29
    const differs = hasInventory && (k === 0 || k % 10 === 1)
    if (differs) stockDifferences++
    if (!hasInventory) productsWithoutInventory++
    const inventoryId = id(52_000_000, k)
    const product: Record<string, unknown> = {
      _id,
      seller: missingSeller ? new ObjectId() : sellers[k % sellers.length]!.id,
      [k % 3 ? 'title' : 'name']: `Product ${k}`,
      description: `Old product ${k}`,
      price: 5 + (k % 40) + 0.99,
      images: [`https://cdn.legacy.test/products/${k}.jpg`],
      category: 'misc',
      stock: quantity - reserved + (differs ? 3 : 0),
      status: unknown
        ? 'pending_review'
        : k % 9 === 4
          ? 'INACTIVE'
          : k % 13 === 6
            ? 'active'
            : 'ACTIVE',
      createdAt: at(k),
      updatedAt: at(k),
      __v: 0,
    }
    if (hasInventory && k % 2 === 0) product.inventory = inventoryId
    products.push(product)
    if (hasInventory)
      inventories.push({
        _id: inventoryId,
        [k % 2 ? 'productId' : 'product']: _id,
        quantity,
        reserved,
        sku: `SKU-${k}`,
        lowStockThreshold: 3,
        createdAt: at(k),
        updatedAt: at(k),
        __v: 0,
      })
  }
  const orphanInventories = 2
  for (let k = 0; k < orphanInventories; k++)
    inventories.push({
      _id: id(52_900_000, k),
      product: new ObjectId(),
      quantity: 4,
      createdAt: at(k),
      updatedAt: at(k),
      __v: 0,
    })
  const forSale = products.filter(
    (p) => p.status === 'ACTIVE' && sellers.some((s) => s.id.equals(p.seller as ObjectId)),
  )

  // Carts: every third buyer; the first buyer also has an older one.
  const carts: Record<string, unknown>[] = []
  let danglingCartLines = 0
  buyers.forEach((b, k) => {
    if (k % 3 !== 0) return
    const items = [forSale[k % forSale.length]!, forSale[(k + 5) % forSale.length]!].map(
      (p, j) => ({
        _id: new ObjectId(),
        product: p._id,
        quantity: 1 + j,
        price: p.price,
      }),
    )
    if (k % 20 === 0) {
      danglingCartLines++
      items.push({ _id: new ObjectId(), product: new ObjectId(), quantity: 1, price: 1 })
    }
    carts.push({
      _id: id(53_000_000, k),
      [k % 2 ? 'userId' : 'user']: b.id,
      items,
      createdAt: at(k),
      updatedAt: at(k + 1),
      __v: 0,
    })
  })
  carts.push({
    _id: id(53_900_000, 0),
    user: buyers[0]!.id,
    items: [{ product: forSale[9]!._id, quantity: 4 }],
    createdAt: new Date(base),
    updatedAt: new Date(base),
    __v: 0,
  })

  // Orders: each line at the price paid then; some name a product deleted since.
  const orderCount = ctx.scale * 2
  const orders: Record<string, unknown>[] = []
  let danglingOrderProducts = 0
  let unknownOrderStatuses = 0
  let totalDifferences = 0
  for (let k = 0; k < orderCount; k++) {
    const picked = [forSale[(k * 3) % forSale.length]!, forSale[(k * 3 + 1) % forSale.length]!]
    const items: Record<string, unknown>[] = picked.map((p, j) => ({
      _id: new ObjectId(),
      product: p._id,
      quantity: 1 + ((k + j) % 3),
      // The price changed since the sale for some.
      price: (p.price as number) - (k % 5 === 0 ? 1 : 0),
    }))
    if (k % 40 === 11) {
      danglingOrderProducts++
      items.push({
        _id: new ObjectId(),
        product: new ObjectId(),
        name: 'Gone',
        quantity: 1,
        price: 2.5,
      })
    }
    const unknown = k % 200 === 13
    if (unknown) unknownOrderStatuses++
    const total = items.reduce(
      (s, i) => s + Math.round((i.price as number) * 100) * (i.quantity as number),
      0,
    )
    const differs = k % 25 === 3
    if (differs) totalDifferences++
    orders.push({
      _id: id(54_000_000, k),
      [k % 2 ? 'userId' : 'user']: buyers[(k * 7) % buyers.length]!.id,
      orderNumber: `ORD-${k}`,
      items,
      totalAmount: (total + (differs ? 100 : 0)) / 100,
      status: unknown ? 'on_hold' : ORDER_STATUSES[k % ORDER_STATUSES.length],
      shippingAddress: { line1: `${k} Market Street` },
      paymentMethod: 'card',
      createdAt: at(k),
      updatedAt: at(k + 2),
      __v: 0,
    })
  }

  for (const [name, docs] of [
    ['sellerapplications', applications],
    ['products', products],
    ['inventories', inventories],
    ['carts', carts],
    ['orders', orders],
  ] as const)
    for (let i = 0; i < docs.length; i += 1000)
      await sanora.collection(name).insertMany(docs.slice(i, i + 1000))

  const first = orders[0]!
  const buyerCart = carts[0]!.items as { product: ObjectId }[]
  const sellerProduct = products[0]!
  return {
    applications: applications.length,
    supersededApplications: 1,
    unknownApplicationStatuses,
    products: products.length,
    productsOfMissingSellers,
    productsWithoutInventory,
    stockDifferences,
    unknownProductStatuses,
    inventories: inventories.length,
    orphanInventories,
    carts: carts.length,
    olderCarts: 1,
    danglingCartLines,
    orders: orders.length,
    danglingOrderProducts,
    unknownOrderStatuses,
    totalDifferences,
    buyer: {
      ...buyers[0]!,
      orderId: first._id as ObjectId,
      unitPriceMinor: Math.round((first.items as { price: number }[])[0]!.price * 100),
      cartProductIds: buyerCart.slice(0, 2).map((i) => String(i.product)),
    },
    seller: {
      ...sellers[0]!,
      productId: sellerProduct._id as ObjectId,
      stock: 8,
      storedStock: sellerProduct.stock as number,
    },
    stranger: buyers[1]!,
  }
}
