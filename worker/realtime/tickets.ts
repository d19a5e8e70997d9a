// Short-lived signed tickets that admit one identity to one room's WebSocket. The Worker checks
// them before the upgrade; the Durable Object only ever sees the identity the Worker forwards.
import { SignJWT, jwtVerify } from 'jose'
import { RealtimeIdentitySchema, type RealtimeIdentity, type RoomKind } from '../../shared/realtime'
import { hmacKey } from '../auth/hmac-key'

const AUDIENCE = 'realtime'
const TICKET_TTL_SECONDS = 60

export class InvalidTicketError extends Error {
  override readonly name = 'InvalidTicketError'
}

/** Signs a ticket for `identity` to join the room `kind/id`; valid for one minute. */
export async function signRealtimeTicket(
  secret: string,
  room: { kind: RoomKind; id: string },
  identity: RealtimeIdentity,
  ttlSeconds = TICKET_TTL_SECONDS,
): Promise<string> {
  return new SignJWT({ room: `${room.kind}:${room.id}`, identity })
    .setProtectedHeader({ alg: 'HS256' })
    .setAudience(AUDIENCE)
    .setSubject(identity.subject)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(await hmacKey(secret))
}

/** Verifies a ticket for exactly this room; throws InvalidTicketError otherwise. */
export async function verifyRealtimeTicket(
  secret: string,
  room: { kind: RoomKind; id: string },
  ticket: string,
): Promise<RealtimeIdentity> {
  try {
    const { payload } = await jwtVerify(ticket, await hmacKey(secret), {
      audience: AUDIENCE,
      algorithms: ['HS256'],
    })
    if (payload.room !== `${room.kind}:${room.id}`)
      throw new InvalidTicketError('ticket is for another room')
    return RealtimeIdentitySchema.parse(payload.identity)
  } catch (error) {
    if (error instanceof InvalidTicketError) throw error
    throw new InvalidTicketError('invalid or expired ticket', { cause: error })
  }
}
