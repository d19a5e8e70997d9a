// The gateway's credential checks, each the one REST makes: an access token's claims, then its
// account and session live in MongoDB (worker/middleware/auth.ts); an invite link's signature
// (worker/meetings/link-token.ts; the room it names is checked at `join-room`).
import { decodeJwt } from 'jose'
import type { Db, WithId } from 'mongodb'
import { isSessionLive } from '../worker/auth/sessions'
import { acceptLegacyAccess } from '../worker/auth/legacy-access'
import {
  InvalidAccessTokenError,
  verifyAccessToken,
  type AccessClaims,
} from '../worker/auth/tokens'
import { findUserById, type UserDoc } from '../worker/auth/users-store'
import { configFor } from '../worker/config'
import { verifyLinkToken } from '../worker/meetings/link-token'
import { createDatabase } from '../worker/services/db'

/** The claims of a valid access token (signature and expiry only), or null. */
export async function accessClaims(secret: string, token: string): Promise<AccessClaims | null> {
  try {
    return await verifyAccessToken(secret, token)
  } catch {
    return null
  }
}

/** During a cut-over, an old system's access token: the session it stands for here, or null. */
export async function legacyAccessClaims(env: object, token: string): Promise<AccessClaims | null> {
  const config = configFor(env)
  if (!config.LEGACY_JWT_SECRET) return null
  try {
    return await withDatabase(env, async (db) => {
      const device = { name: 'old access token (socket)' }
      const opts = { device, now: new Date(), replace: false }
      return (await acceptLegacyAccess(db, config, token, opts)).claims
    })
  } catch (error) {
    if (error instanceof InvalidAccessTokenError) return null
    throw error
  }
}

/** Whether `token` is an unexpired invite link signed by us, for whichever room it names. */
export async function isInviteToken(secret: string, token: string): Promise<boolean> {
  try {
    const room = decodeJwt(token).sub
    if (typeof room !== 'string') return false
    await verifyLinkToken(secret, room, token)
    return true
  } catch {
    return false
  }
}

/** The account of `claims` if it is active and the session live; else REST's refusal message. */
export async function liveAccount(
  db: Db,
  claims: Pick<AccessClaims, 'userId' | 'sessionId'>,
): Promise<WithId<UserDoc> | string> {
  const [user, live] = await Promise.all([
    findUserById(db, claims.userId),
    isSessionLive(db, claims.sessionId),
  ])
  if (!user?.isActive || !live) return 'Session is no longer valid'
  return user
}

/**
 * Runs `fn` with a MongoDB client that connects on first use and is closed after, as the stateless
 * Worker does per request: the gateway checks credentials a few times per connection, and an open
 * connection would keep it from hibernating between them.
 */
export async function withDatabase<T>(
  env: object,
  fn: (db: () => Promise<Db>) => Promise<T>,
): Promise<T> {
  const config = configFor(env)
  const database = createDatabase({ uri: config.MONGODB_URI, dbName: config.MONGODB_DB })
  try {
    return await fn(() => database.db())
  } finally {
    await database.close()
  }
}
