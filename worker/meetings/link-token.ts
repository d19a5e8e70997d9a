// Guest invite link tokens: a JWT naming one meeting room, signed with a key derived from
// JWT_SECRET, expiring after MEETING_LINK_TTL_HOURS. Each link has its own id (jti), which becomes
// the guest's identity in the room.
import { SignJWT, jwtVerify } from 'jose'
import { linkTokenKey } from './keys'

const AUDIENCE = 'meeting-link'

export class InvalidLinkTokenError extends Error {
  override readonly name = 'InvalidLinkTokenError'
}

export interface LinkClaims {
  roomId: string
  ownerId: string
  linkId: string
  guestName?: string
}

export async function signLinkToken(
  secret: string,
  claims: Omit<LinkClaims, 'linkId'>,
  ttlHours: number,
): Promise<{ token: string; linkId: string; expiresAt: Date }> {
  const linkId = crypto.randomUUID()
  const expiresAt = new Date(Date.now() + ttlHours * 3_600_000)
  const token = await new SignJWT({
    owner: claims.ownerId,
    ...(claims.guestName ? { name: claims.guestName } : {}),
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setAudience(AUDIENCE)
    .setSubject(claims.roomId)
    .setJti(linkId)
    .setIssuedAt()
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(await linkTokenKey(secret))
  return { token, linkId, expiresAt }
}

/** Verifies a link token for exactly `roomId`; throws InvalidLinkTokenError otherwise. */
export async function verifyLinkToken(
  secret: string,
  roomId: string,
  token: string,
): Promise<LinkClaims> {
  let payload
  try {
    ;({ payload } = await jwtVerify(token, await linkTokenKey(secret), {
      audience: AUDIENCE,
      algorithms: ['HS256'],
    }))
  } catch (error) {
    throw new InvalidLinkTokenError('invalid or expired invite link', { cause: error })
  }
  if (payload.sub !== roomId) throw new InvalidLinkTokenError('invite link is for another room')
  if (typeof payload.owner !== 'string' || typeof payload.jti !== 'string')
    throw new InvalidLinkTokenError('invalid invite link')
  return {
    roomId,
    ownerId: payload.owner,
    linkId: payload.jti,
    ...(typeof payload.name === 'string' ? { guestName: payload.name } : {}),
  }
}
