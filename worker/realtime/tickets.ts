// Short-lived signed tickets that admit one identity to one room's WebSocket, once. The Worker
// checks them before the upgrade; the Durable Object only ever sees the identity the Worker forwards.
import type { Context } from 'hono'
import { SignJWT, jwtVerify } from 'jose'
import { RealtimeIdentitySchema, type RealtimeIdentity, type RoomKind } from '../../shared/realtime'
import { hmacKey } from '../auth/hmac-key'
import type { AppEnv } from '../env'

const AUDIENCE = 'realtime'
export const TICKET_TTL_SECONDS = 60

export class InvalidTicketError extends Error {
  override readonly name = 'InvalidTicketError'
}

export interface VerifiedTicket {
  identity: RealtimeIdentity
  /** The ticket's id: a ticket admits one upgrade. */
  jti: string
  /** When it was minted (ms): revocations refuse tickets minted before them. */
  issuedAtMs: number
}

/** Signs a ticket for `identity` to join the room `kind/id`; valid for one minute, once. */
export async function signRealtimeTicket(
  secret: string,
  room: { kind: RoomKind; id: string },
  identity: RealtimeIdentity,
  ttlSeconds = TICKET_TTL_SECONDS,
): Promise<string> {
  return new SignJWT({ room: `${room.kind}:${room.id}`, identity, iatMs: Date.now() })
    .setProtectedHeader({ alg: 'HS256' })
    .setAudience(AUDIENCE)
    .setSubject(identity.subject)
    .setJti(crypto.randomUUID())
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(await hmacKey(secret))
}

/** Verifies a ticket for exactly this room; throws InvalidTicketError otherwise. */
export async function verifyRealtimeTicket(
  secret: string,
  room: { kind: RoomKind; id: string },
  ticket: string,
): Promise<VerifiedTicket> {
  try {
    const { payload } = await jwtVerify(ticket, await hmacKey(secret), {
      audience: AUDIENCE,
      algorithms: ['HS256'],
    })
    if (payload.room !== `${room.kind}:${room.id}`)
      throw new InvalidTicketError('ticket is for another room')
    if (typeof payload.jti !== 'string' || typeof payload.iatMs !== 'number')
      throw new InvalidTicketError('invalid or expired ticket')
    return {
      identity: RealtimeIdentitySchema.parse(payload.identity),
      jti: payload.jti,
      issuedAtMs: payload.iatMs,
    }
  } catch (error) {
    if (error instanceof InvalidTicketError) throw error
    throw new InvalidTicketError('invalid or expired ticket', { cause: error })
  }
}

/** The signed-in caller as a room sees them, with the session their sockets belong to. */
export function accountIdentity(c: Context<AppEnv>, role: string): RealtimeIdentity {
  return accountIdentityOf(c.get('user'), c.get('auth').sessionId, role)
}

/** An account as a room sees it, under `role`, with the session its sockets belong to. */
export function accountIdentityOf(
  user: { _id: { toHexString(): string }; name: string },
  session: string,
  role: string,
): RealtimeIdentity {
  return {
    subject: user._id.toHexString(),
    kind: 'user',
    role,
    name: user.name.slice(0, 200),
    session,
  }
}
