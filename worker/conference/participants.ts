// Audience identity: anonymous participants get a signed token bound to one conference, so one
// person has one vote per question without an account; signed-in users vote as themselves.
import { SignJWT, jwtVerify } from 'jose'
import { hmacKey } from '../auth/hmac-key'

const AUDIENCE = 'conference-participant'
const TTL = '24h'

export interface Participant {
  id: string
  conferenceId: string
  name?: string
  /** The audience shard given when the token was minted (worker/conference/shards.ts). */
  shard?: number
}

export async function signParticipantToken(
  secret: string,
  participant: Participant,
): Promise<string> {
  return new SignJWT({
    conf: participant.conferenceId,
    ...(participant.name ? { name: participant.name } : {}),
    ...(participant.shard !== undefined ? { shd: participant.shard } : {}),
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setAudience(AUDIENCE)
    .setSubject(participant.id)
    .setIssuedAt()
    .setExpirationTime(TTL)
    .sign(await hmacKey(secret))
}

/** The participant, or null when the token is invalid, expired, or for another conference. */
export async function verifyParticipantToken(
  secret: string,
  conferenceId: string,
  token: string,
): Promise<Participant | null> {
  try {
    const { payload } = await jwtVerify(token, await hmacKey(secret), {
      audience: AUDIENCE,
      algorithms: ['HS256'],
    })
    if (payload.conf !== conferenceId || !payload.sub) return null
    return {
      id: payload.sub,
      conferenceId,
      name: typeof payload.name === 'string' ? payload.name : undefined,
      shard:
        typeof payload.shd === 'number' && Number.isInteger(payload.shd) && payload.shd >= 0
          ? payload.shd
          : undefined,
    }
  } catch {
    return null
  }
}
