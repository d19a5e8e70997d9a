// The `notifications` collection: one document per notification a user received, kept 90 days
// (TTL index), and the view a client sees of it.
import { ObjectId, type Collection, type Db } from 'mongodb'
import { newestFirst } from '../paging'

export interface NotificationDoc {
  _id: ObjectId
  userId: ObjectId
  type: string
  title: string
  body: string
  data: Record<string, unknown>
  readAt?: Date | null
  createdAt: Date
}

export const NOTIFICATION_TTL_SECONDS = 90 * 24 * 60 * 60

export const notifications = (db: Db): Collection<NotificationDoc> =>
  db.collection<NotificationDoc>('notifications')

export function publicNotification(n: NotificationDoc) {
  return {
    id: n._id.toHexString(),
    _id: n._id.toHexString(),
    type: n.type,
    title: n.title,
    body: n.body,
    data: n.data,
    read: Boolean(n.readAt),
    readAt: n.readAt?.toISOString() ?? null,
    createdAt: n.createdAt.toISOString(),
  }
}
/** @public A notification as clients receive it (REST and the user channel). */
export type PublicNotification = ReturnType<typeof publicNotification>

// `readAt: null` matches documents without the field, so unread ones need no explicit flag.
export const unreadCount = (db: Db, userId: ObjectId) =>
  notifications(db).countDocuments({ userId, readAt: null })

/** The user's notifications, newest first, strictly older than `before` when given. */
export function listNotifications(
  db: Db,
  userId: ObjectId,
  opts: { before?: ObjectId; limit: number },
) {
  return newestFirst(notifications(db), { userId }, opts)
}

/** Marks one of the user's notifications read (keeping the first readAt); null if not theirs. */
export async function markRead(db: Db, userId: ObjectId, id: ObjectId, now: Date) {
  const updated = await notifications(db).findOneAndUpdate(
    { _id: id, userId, readAt: null },
    { $set: { readAt: now } },
    { returnDocument: 'after' },
  )
  return updated ?? notifications(db).findOne({ _id: id, userId })
}

export async function markAllRead(db: Db, userId: ObjectId, now: Date): Promise<number> {
  const result = await notifications(db).updateMany(
    { userId, readAt: null },
    { $set: { readAt: now } },
  )
  return result.modifiedCount
}

export async function deleteNotification(db: Db, userId: ObjectId, id: ObjectId) {
  const result = await notifications(db).deleteOne({ _id: id, userId })
  return result.deletedCount === 1
}
