// Who enters a meeting room's signaling, decided one way for the REST tickets
// (routes/rooms.ts) and for a Socket.IO `join-room` (durable-objects/socket-io-gateway.ts): the
// account that owns the room (claiming it if nobody has) is its admin; a guest needs the invite
// link's token, signed for this room by the account that still owns it. Never the room id alone.
import type { Db, ObjectId } from 'mongodb'
import type { RealtimeIdentity } from '../../shared/realtime'
import { AppError } from '../errors'
import { accountIdentityOf } from '../realtime/tickets'
import { InvalidLinkTokenError, verifyLinkToken } from './link-token'
import { claimRoom, roomOwner } from './rooms-store'

/**
 * The room's admin: `user`, if they own `roomId` or are the first to claim it; FORBIDDEN otherwise.
 * @example await meetingAdminIdentity(db, 'room-1', user, sessionId, new Date()) // { kind: 'user', role: 'admin', … }
 */
export async function meetingAdminIdentity(
  db: Db,
  roomId: string,
  user: { _id: ObjectId; name: string },
  session: string,
  now: Date,
): Promise<RealtimeIdentity> {
  if (!(await claimRoom(db, roomId, user._id, now)))
    throw new AppError('FORBIDDEN', 'This meeting room belongs to another account')
  return accountIdentityOf(user, session, 'admin')
}

/**
 * The room's guest, for the invite link's `token`: UNAUTHORIZED when the token is not valid for
 * `roomId` or its inviter no longer owns the room. `db` is only opened for a valid token.
 */
export async function meetingGuestIdentity(
  db: () => Promise<Db>,
  secret: string,
  roomId: string,
  token: string,
): Promise<RealtimeIdentity> {
  let link
  try {
    link = await verifyLinkToken(secret, roomId, token)
  } catch (error) {
    if (error instanceof InvalidLinkTokenError) throw new AppError('UNAUTHORIZED', error.message)
    throw error
  }
  // The link's inviter must still own the room (rooms are never transferred, so this holds
  // unless the token was signed for a room id someone else claimed first).
  const owner = await roomOwner(await db(), roomId)
  if (!owner || owner.toHexString() !== link.ownerId)
    throw new AppError('UNAUTHORIZED', 'This invite link is no longer valid')
  return {
    subject: `link:${link.linkId}`,
    kind: 'guest',
    role: 'guest',
    ...(link.guestName ? { name: link.guestName } : {}),
  }
}
