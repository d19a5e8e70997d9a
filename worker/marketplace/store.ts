// Marketplace records in MongoDB: seller applications (an approved one makes its user a seller),
// products with their stock, one cart per user, and orders.
import type { Collection, Db, ObjectId } from 'mongodb'

export const APPLICATION_STATUSES = ['pending', 'approved', 'rejected'] as const
export type ApplicationStatus = (typeof APPLICATION_STATUSES)[number]

export const PRODUCT_STATUSES = ['ACTIVE', 'INACTIVE'] as const
export type ProductStatus = (typeof PRODUCT_STATUSES)[number]

/** What clients see; RESERVING is the order's internal first state while stock is taken. */
export const ORDER_STATUSES = ['PENDING', 'PAID', 'SHIPPED', 'DELIVERED', 'CANCELLED'] as const
export type OrderStatus = (typeof ORDER_STATUSES)[number] | 'RESERVING'

/** An approved application is the seller record: one source of truth, written in one update. */
export interface SellerApplicationDoc {
  _id: ObjectId
  userId: ObjectId
  storeName: string
  description?: string
  contact: { email?: string; phone?: string; website?: string }
  status: ApplicationStatus
  /** True while pending or approved; a unique partial index on it allows one such per user. */
  open: boolean
  reason?: string
  reviewedBy?: ObjectId
  reviewedAt?: Date
  createdAt: Date
  updatedAt: Date
}

/** Stock held for an order that is not yet shipped or cancelled. */
export interface Reservation {
  orderId: ObjectId
  quantity: number
}

export interface ProductDoc {
  _id: ObjectId
  sellerId: ObjectId
  title: string
  description?: string
  priceMinor: number
  currency: string
  stock: number
  status: ProductStatus
  imageIds: ObjectId[]
  /**
   * Written in the same update as each stock decrement, so giving stock back is conditional on
   * the entry (exactly once) and stock held by an interrupted order can always be found again.
   */
  reservations: Reservation[]
  /** Set when an admin deactivated the product; the seller cannot reactivate it. */
  moderation?: { deactivatedBy: ObjectId; at: Date }
  createdAt: Date
  updatedAt: Date
}

export interface CartItem {
  productId: ObjectId
  quantity: number
  addedAt: Date
}

/** Keyed by the user's id: one cart per user. Product ids and quantities only, never prices. */
export interface CartDoc {
  _id: ObjectId
  items: CartItem[]
  updatedAt: Date
}

export interface OrderItem {
  productId: ObjectId
  sellerId: ObjectId
  title: string
  unitPriceMinor: number
  quantity: number
}

export interface OrderDoc {
  _id: ObjectId
  buyerId: ObjectId
  idempotencyKey: string
  /** Fingerprint of the cart the order was built from: a reused key must mean the same cart. */
  cartHash: string
  status: OrderStatus
  items: OrderItem[]
  sellerIds: ObjectId[]
  currency: string
  totalMinor: number
  createdAt: Date
  updatedAt: Date
  placedAt?: Date
  paidAt?: Date
  shippedAt?: Date
  deliveredAt?: Date
  cancelledAt?: Date
  cancelledBy?: ObjectId
  stockReleasedAt?: Date
}

export const sellerApplications = (db: Db): Collection<SellerApplicationDoc> =>
  db.collection<SellerApplicationDoc>('seller_applications')
export const products = (db: Db): Collection<ProductDoc> => db.collection<ProductDoc>('products')
export const carts = (db: Db): Collection<CartDoc> => db.collection<CartDoc>('carts')
export const orders = (db: Db): Collection<OrderDoc> => db.collection<OrderDoc>('orders')

/** The caller's approved application, i.e. their seller record, if they are a seller. */
export function approvedSeller(db: Db, userId: ObjectId) {
  return sellerApplications(db).findOne({ userId, status: 'approved' })
}
