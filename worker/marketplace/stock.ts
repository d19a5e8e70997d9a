// Stock reservations. Each decrement pushes a ledger entry (order id, quantity) in the same
// single-document update, so giving stock back is conditional on that entry: exactly once, even
// when compensation, a cancellation and a retry race.
import type { Db, ObjectId } from 'mongodb'
import { products, type OrderItem } from './store'

/**
 * Takes `item.quantity` units for the order, only while the product is ACTIVE, still at the price
 * and currency the order recorded, has the stock, and holds nothing for this order yet.
 */
export async function reserve(db: Db, orderId: ObjectId, item: OrderItem, currency: string) {
  const taken = await products(db).findOneAndUpdate(
    {
      _id: item.productId,
      status: 'ACTIVE',
      priceMinor: item.unitPriceMinor,
      currency,
      stock: { $gte: item.quantity },
      'reservations.orderId': { $ne: orderId },
    },
    {
      $inc: { stock: -item.quantity },
      $push: { reservations: { orderId, quantity: item.quantity } },
    },
    { projection: { _id: 1 } },
  )
  return taken !== null
}

/** Gives back whatever the order still holds; items it never reserved are left untouched. */
export async function release(db: Db, orderId: ObjectId, items: OrderItem[]) {
  await Promise.all(
    items.map((item) =>
      products(db).updateOne(
        { _id: item.productId, 'reservations.orderId': orderId },
        {
          $inc: { stock: item.quantity },
          $pull: { reservations: { orderId } },
        },
      ),
    ),
  )
}

/** Drops the ledger entries once the units have left (shipped): they can no longer come back. */
export async function commit(db: Db, orderId: ObjectId, items: OrderItem[]) {
  await products(db).updateMany(
    { _id: { $in: items.map((i) => i.productId) } },
    { $pull: { reservations: { orderId } } },
  )
}
