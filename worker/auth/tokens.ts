// Access tokens (HS256 JWTs, short-lived) and refresh tokens (random, only their hash is stored).
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose'
import { ROLES, type Role } from '../../shared/roles'
import { hmacKey } from './hmac-key'

const ISSUER = 'sanora'
const AUDIENCE = 'sanora-api'

export interface AccessClaims {
  userId: string
  role: Role
  /** The session (refresh-token family) the token was issued for. */
  sessionId: string
}

export class InvalidAccessTokenError extends Error {
  override readonly name = 'InvalidAccessTokenError'
  constructor(
    readonly reason: 'expired' | 'invalid',
    options?: { cause?: unknown },
  ) {
    super(reason === 'expired' ? 'Access token expired' : 'Invalid access token', options)
  }
}

export async function signAccessToken(
  secret: string,
  claims: AccessClaims,
  ttlSeconds: number,
): Promise<string> {
  return new SignJWT({ role: claims.role, sid: claims.sessionId, typ: 'access' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.userId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(await hmacKey(secret))
}

export async function verifyAccessToken(secret: string, token: string): Promise<AccessClaims> {
  try {
    const { payload } = await jwtVerify(token, await hmacKey(secret), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
    })
    const role = payload.role as Role
    if (
      payload.typ !== 'access' ||
      !payload.sub ||
      typeof payload.sid !== 'string' ||
      !ROLES.includes(role)
    ) {
      throw new InvalidAccessTokenError('invalid')
    }
    return { userId: payload.sub, role, sessionId: payload.sid }
  } catch (error) {
    if (error instanceof InvalidAccessTokenError) throw error
    throw new InvalidAccessTokenError(
      error instanceof joseErrors.JWTExpired ? 'expired' : 'invalid',
      { cause: error },
    )
  }
}

const hex = (bytes: ArrayBuffer | Uint8Array) =>
  [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('')

/** 256 random bits, URL-safe. */
export function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32))
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')
}

/** Refresh and reset tokens are stored as SHA-256: a leaked database yields no usable token. */
export async function sha256(text: string): Promise<string> {
  return hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))
}

/** Keyed hash for short secrets (OTP codes) that a plain hash would not protect. */
export async function hmacSha256(secret: string, text: string): Promise<string> {
  const k = await hmacKey(secret)
  return hex(await crypto.subtle.sign('HMAC', k, new TextEncoder().encode(text)))
}
