// Google sign-in's two halves that both flows share: verifying a Google ID token against Google's
// published keys, and finding, linking or creating the account the token speaks for.
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose'
import type { Db } from 'mongodb'
import { z } from 'zod'
import type { Context } from 'hono'
import type { Config } from '../../shared/config'
import type { AppEnv } from '../env'
import { HttpUrlSchema } from '../../shared/http-url'
import { AppError } from '../errors'
import { createUser, findUserByProvenEmail, users, type UserDoc } from './users-store'
import { proveIdentifier, provenFields } from './identity'

const GOOGLE_ISSUERS = ['https://accounts.google.com', 'accounts.google.com']
const INVALID_TOKEN = 'Invalid Google token'
const DEFAULT_JWKS_TTL_MS = 60 * 60 * 1000
const MAX_JWKS_TTL_MS = 24 * 60 * 60 * 1000
const JWKS_FETCH_TIMEOUT_MS = 5000
// Google's and the edge's clocks may disagree by a few seconds.
const CLOCK_TOLERANCE_SECONDS = 30

export interface GoogleIdentity {
  /** Google's stable account id (`sub`); an email can change hands, this cannot. */
  sub: string
  email?: string
  emailVerified: boolean
  name?: string
  picture?: string
}

/** The client ids an ID token may be addressed to: the web client only, or any of ours. */
export function googleAudiences(config: Config, which: 'web' | 'any'): string[] {
  const ids =
    which === 'web'
      ? [config.GOOGLE_CLIENT_ID]
      : [config.GOOGLE_CLIENT_ID, config.GOOGLE_ANDROID_CLIENT_ID, config.GOOGLE_IOS_CLIENT_ID]
  return ids.filter((id): id is string => Boolean(id))
}

export const googleNotConfigured = () =>
  new AppError('SERVICE_UNAVAILABLE', 'Google sign-in is not configured on this server')

export const googleUnavailable = (cause?: unknown) =>
  new AppError(
    'SERVICE_UNAVAILABLE',
    'Google sign-in is unavailable, try again shortly',
    undefined,
    {
      cause,
    },
  )

interface CachedJwks {
  jwks: JSONWebKeySet
  expiresAt: number
}

// Plain JSON, never a createRemoteJWKSet: that would carry one request's fetch promise into the
// next, which workerd refuses. The key set object is rebuilt per verification from this copy.
const jwksCache = new Map<string, CachedJwks>()

async function fetchJwks(url: string): Promise<CachedJwks> {
  let res: Response
  try {
    res = await fetch(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(JWKS_FETCH_TIMEOUT_MS),
    })
  } catch (error) {
    throw googleUnavailable(error)
  }
  if (!res.ok) {
    await res.body?.cancel()
    throw googleUnavailable(new Error(`Google's key set answered ${res.status}`))
  }
  let jwks: unknown
  try {
    jwks = await res.json()
  } catch (error) {
    throw googleUnavailable(error)
  }
  if (!isJwks(jwks)) throw googleUnavailable(new Error("Google's key set is not a JWKS"))
  const entry = { jwks, expiresAt: Date.now() + cacheLifetime(res.headers.get('cache-control')) }
  jwksCache.set(url, entry)
  return entry
}

function isJwks(value: unknown): value is JSONWebKeySet {
  const keys = (value as { keys?: unknown } | null)?.keys
  return Array.isArray(keys) && keys.every((k) => typeof k === 'object' && k !== null)
}

function cacheLifetime(cacheControl: string | null): number {
  const maxAge = /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?/i.exec(cacheControl ?? '')?.[1]
  if (maxAge === undefined) return DEFAULT_JWKS_TTL_MS
  return Math.min(Number(maxAge) * 1000, MAX_JWKS_TTL_MS)
}

/** Google's keys, from the cache while fresh; refetched once when the token names an unknown key. */
async function keysFor(url: string, kid: string): Promise<JSONWebKeySet> {
  const cached = jwksCache.get(url)
  if (!cached || cached.expiresAt <= Date.now()) return (await fetchJwks(url)).jwks
  // Google rotates keys ahead of their use, so an unknown kid usually means our copy is old.
  if (!cached.jwks.keys.some((key) => key.kid === kid)) return (await fetchJwks(url)).jwks
  return cached.jwks
}

const ClaimsSchema = z.object({
  sub: z.string().min(1).max(255),
  email: z.email().max(254).optional(),
  // Older Google tokens carried the flag as a string.
  email_verified: z
    .union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')])
    .optional(),
  name: z.string().optional(),
  picture: z.string().optional(),
})

/**
 * Verifies a Google ID token: RS256 with one of Google's published keys, Google as issuer, one of
 * `audiences` as audience, not expired. Any failure is 401; Google's keys out of reach is 503.
 */
export async function verifyGoogleIdToken(
  config: Config,
  idToken: string,
  audiences: string[],
): Promise<GoogleIdentity> {
  if (audiences.length === 0) throw googleNotConfigured()
  let kid: string | undefined
  try {
    const header = decodeProtectedHeader(idToken)
    if (header.alg === 'RS256' && typeof header.kid === 'string') kid = header.kid
  } catch {
    kid = undefined
  }
  // Refused before any fetch, so junk tokens cannot make us refetch Google's keys.
  if (!kid) throw new AppError('UNAUTHORIZED', INVALID_TOKEN)
  const jwks = await keysFor(config.GOOGLE_JWKS_URL, kid)
  let payload: unknown
  try {
    ;({ payload } = await jwtVerify(idToken, createLocalJWKSet(jwks), {
      algorithms: ['RS256'],
      issuer: GOOGLE_ISSUERS,
      audience: audiences,
      requiredClaims: ['iss', 'aud', 'sub', 'exp', 'iat'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    }))
  } catch (error) {
    throw new AppError('UNAUTHORIZED', INVALID_TOKEN, undefined, { cause: error })
  }
  const claims = ClaimsSchema.safeParse(payload)
  if (!claims.success) throw new AppError('UNAUTHORIZED', INVALID_TOKEN)
  const { sub, email, email_verified: emailVerified, name, picture } = claims.data
  return {
    sub,
    email: email?.toLowerCase(),
    emailVerified: emailVerified === true,
    name: name?.trim().slice(0, 100) || undefined,
    // Stored as the profile image others see: the one URL schema, or no picture at all.
    picture: HttpUrlSchema.safeParse(picture).data,
  }
}

/**
 * The account `identity` signs in to: the one already linked to this Google account; else, when
 * Google vouches for the email, the account that email proves (worker/auth/identity.ts: its proven
 * owner, or an account that only claimed it, taken over), linked now; else a new one. An email
 * Google has not verified proves nothing and reaches no existing account.
 */
export async function findOrCreateGoogleUser(
  c: Context<AppEnv>,
  identity: GoogleIdentity,
): Promise<{ user: UserDoc; created: boolean }> {
  const db = await c.get('services').database.db()
  const now = c.get('services').now()
  const linked = await users(db).findOne({ googleId: identity.sub })
  if (linked) return { user: active(linked), created: false }

  let fields: Partial<UserDoc> = {}
  if (identity.email && identity.emailVerified) {
    const { user } = await proveIdentifier(c, 'email', identity.email, 'google')
    if (user) return { user: await link(db, user, identity, now), created: false }
    fields = provenFields('email', identity.email, 'google', now)
  } else if (identity.email) {
    if (await findUserByProvenEmail(db, identity.email)) {
      throw new AppError(
        'CONFLICT',
        'An account with this email already exists. Sign in with your password: Google has not verified this email address',
      )
    }
    // Kept as an unproven claim, like a registration's: it reserves and grants nothing.
    fields = { email: identity.email, emailVerified: false }
  }

  try {
    const user = await createUser(
      db,
      {
        name: identity.name ?? identity.email?.split('@')[0]?.slice(0, 100) ?? 'Google user',
        role: 'USER',
        ...fields,
        googleId: identity.sub,
        profile: identity.picture ? { profileImage: identity.picture } : {},
      },
      now,
    )
    return { user, created: true }
  } catch (error) {
    if ((error as { code?: unknown }).code !== 11000) throw error
    // Two first sign-ins of one Google account raced and the other one created the account.
    const winner = await users(db).findOne({ googleId: identity.sub })
    if (winner) return { user: active(winner), created: false }
    throw error
  }
}

async function link(db: Db, user: UserDoc, identity: GoogleIdentity, now: Date): Promise<UserDoc> {
  if (user.googleId) {
    throw new AppError(
      'CONFLICT',
      'This email belongs to an account linked to another Google account',
    )
  }
  active(user)
  const updated = await users(db).findOneAndUpdate(
    { _id: user._id, googleId: { $exists: false } },
    { $set: { googleId: identity.sub, updatedAt: now } },
    { returnDocument: 'after' },
  )
  if (!updated) {
    throw new AppError(
      'CONFLICT',
      'This email belongs to an account linked to another Google account',
    )
  }
  return updated
}

function active(user: UserDoc): UserDoc {
  if (!user.isActive) throw new AppError('FORBIDDEN', 'This account has been deactivated')
  return user
}
