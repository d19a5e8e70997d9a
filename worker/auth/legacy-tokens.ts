// Access tokens the old systems signed (Sanora's Bearer JWT, Videodesk's `token` cookie): HS256 with
// their `JWT_SECRET`, checked against `LEGACY_JWT_SECRET` during a cut-over. Only who the token is
// for and when it was issued are taken from it; roles always come from the account here.
import { errors as joseErrors, jwtVerify } from 'jose'
import { hmacKey } from './hmac-key'
import { InvalidAccessTokenError } from './tokens'

/**
 * The user id claim, under the names the old code may have used: the seeds do not name it, and
 * `jwt.sign({ id: user._id })` / `{ userId }` / `{ _id }` / `sub` are the common Mongoose-era shapes.
 */
const USER_ID_CLAIMS = ['id', 'userId', '_id', 'sub'] as const

const OBJECT_ID_HEX = /^[0-9a-f]{24}$/i

export interface LegacyAccessClaims {
  userId: string
  /** `iat` and `exp`, in seconds. */
  issuedAt: number
  expiresAt: number
}

/**
 * Verifies an old system's access token; throws `InvalidAccessTokenError` when it is not one
 * (no legacy secret configured, another key, expired, no `iat`/`exp`, no user id, or one of ours).
 */
export async function verifyLegacyAccessToken(
  secret: string | undefined,
  token: string,
): Promise<LegacyAccessClaims> {
  if (!secret) throw new InvalidAccessTokenError('invalid')
  try {
    const { payload } = await jwtVerify(token, await hmacKey(secret), {
      algorithms: ['HS256'],
      // A token without `exp` would outlive every cut-over, and one without `iat` could not be
      // compared with a revocation: neither is accepted.
      requiredClaims: ['exp', 'iat'],
    })
    // Ours carry a session id; they are never "legacy", whatever the secrets are.
    if (payload.sid !== undefined || payload.typ === 'access')
      throw new InvalidAccessTokenError('invalid')
    const userId = USER_ID_CLAIMS.map((claim) => payload[claim]).find(
      (value): value is string => typeof value === 'string' && OBJECT_ID_HEX.test(value),
    )
    if (!userId) throw new InvalidAccessTokenError('invalid')
    return { userId: userId.toLowerCase(), issuedAt: payload.iat!, expiresAt: payload.exp! }
  } catch (error) {
    if (error instanceof InvalidAccessTokenError) throw error
    throw new InvalidAccessTokenError(
      error instanceof joseErrors.JWTExpired ? 'expired' : 'invalid',
      { cause: error },
    )
  }
}
