// Push device tokens (`device_tokens`): one document per token, owned by the account that last
// registered it, so a phone handed to another account stops receiving the first one's pushes.
import { MongoServerError, ObjectId, type Collection, type Db } from 'mongodb'

export const PLATFORMS = ['ios', 'android', 'web'] as const
export type Platform = (typeof PLATFORMS)[number]

export interface DeviceTokenDoc {
  _id: ObjectId
  token: string
  userId: ObjectId
  platform: Platform
  createdAt: Date
  updatedAt: Date
}

/** More than this many devices per account is stale registrations; the oldest are dropped. */
const MAX_DEVICES_PER_USER = 20

const deviceTokens = (db: Db): Collection<DeviceTokenDoc> =>
  db.collection<DeviceTokenDoc>('device_tokens')

/** Registers `token` for `userId`, moving it from whichever account had it. */
export async function registerDevice(
  db: Db,
  userId: ObjectId,
  token: string,
  platform: Platform,
  now: Date,
): Promise<DeviceTokenDoc> {
  const upsert = () =>
    deviceTokens(db).findOneAndUpdate(
      { token },
      { $set: { userId, platform, updatedAt: now }, $setOnInsert: { createdAt: now } },
      { upsert: true, returnDocument: 'after' },
    )
  let doc
  try {
    doc = await upsert()
  } catch (error) {
    // Two registrations of a new token at once: the loser's insert hits the unique index and its
    // retry finds the winner's document to update.
    if (!(error instanceof MongoServerError) || error.code !== 11000) throw error
    doc = await upsert()
  }
  const stale = await deviceTokens(db)
    .find({ userId }, { projection: { _id: 1 } })
    .sort({ updatedAt: -1 })
    .skip(MAX_DEVICES_PER_USER)
    .toArray()
  if (stale.length > 0) await deviceTokens(db).deleteMany({ _id: { $in: stale.map((d) => d._id) } })
  return doc!
}

export async function removeDevice(db: Db, userId: ObjectId, token: string): Promise<boolean> {
  return (await deviceTokens(db).deleteOne({ token, userId })).deletedCount === 1
}

export async function tokensOf(db: Db, userId: ObjectId): Promise<string[]> {
  const docs = await deviceTokens(db)
    .find({ userId }, { projection: { token: 1 } })
    .toArray()
  return docs.map((d) => d.token)
}

/** Drops tokens FCM said are no longer registered (only while still owned by this user). */
export async function removeInvalidTokens(db: Db, userId: ObjectId, tokens: string[]) {
  if (tokens.length > 0) await deviceTokens(db).deleteMany({ userId, token: { $in: tokens } })
}
