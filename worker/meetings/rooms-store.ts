// Meeting rooms: which account owns each room id. The first account to use a room id (inviting a
// guest, opening the room or saving a meeting under it) claims it; nobody else can after that.
import type { Collection, Db, ObjectId } from 'mongodb'

export interface MeetingRoomDoc {
  /** The room id, also the meeting's `meeting_id`. */
  _id: string
  ownerId: ObjectId
  createdAt: Date
}

const meetingRooms = (db: Db): Collection<MeetingRoomDoc> =>
  db.collection<MeetingRoomDoc>('meeting_rooms')

export const isDuplicateKey = (error: unknown) => (error as { code?: number }).code === 11000

/** Claims `roomId` for `ownerId` unless it is taken; answers whether `ownerId` owns it now. */
export async function claimRoom(
  db: Db,
  roomId: string,
  ownerId: ObjectId,
  now: Date,
): Promise<boolean> {
  try {
    await meetingRooms(db).updateOne(
      { _id: roomId },
      { $setOnInsert: { ownerId, createdAt: now } },
      { upsert: true },
    )
  } catch (error) {
    // Two first claims raced; the loser reads the winner below.
    if (!isDuplicateKey(error)) throw error
  }
  const room = await meetingRooms(db).findOne({ _id: roomId })
  return room?.ownerId.equals(ownerId) ?? false
}

export async function roomOwner(db: Db, roomId: string): Promise<ObjectId | undefined> {
  return (await meetingRooms(db).findOne({ _id: roomId }))?.ownerId
}
