// Exchanging the old systems' tokens for sessions here on a request, so nobody is signed out by the
// cut-over. An old access token (Bearer or Videodesk `token` cookie) stands for one session here
// from its first use: a cookie is replaced at once by our pair; a Bearer token goes on working until
// it expires, when the old app refreshes as it always did and its imported refresh token is
// exchanged once for our pair.
import type { Context } from 'hono'
import { ObjectId } from 'mongodb'
import type { AppEnv } from '../env'
import { setSessionCookies } from './cookies'
import { acceptLegacyAccess } from './legacy-access'
import { claimLegacyRefreshToken } from './legacy-sessions'
import { closeSessionSockets } from './revoke'
import { RefreshTokenError, revokeFamily, startSession, type IssuedTokens } from './sessions'
import type { AccessClaims } from './tokens'
import { findUserById, type UserDoc } from './users-store'

const deviceOf = (c: Context<AppEnv>, name: string) => ({
  userAgent: c.req.header('user-agent')?.slice(0, 200),
  name,
})

/**
 * An old access token on a request (worker/auth/legacy-access.ts); `setCookies`: on its first use
 * it is replaced by our cookie pair on this response (a browser's old `token` cookie).
 */
export async function acceptLegacyAccessToken(
  c: Context<AppEnv>,
  token: string,
  { setCookies }: { setCookies: boolean },
): Promise<AccessClaims> {
  const { database } = c.get('services')
  const device = deviceOf(c, setCookies ? 'Videodesk (old cookie)' : 'old access token')
  const { claims, replacement } = await acceptLegacyAccess(
    () => database.db(),
    c.get('config'),
    token,
    {
      device,
      now: c.get('services').now(),
      replace: setCookies,
    },
  )
  if (replacement) {
    await closeSessionSockets(c, new ObjectId(claims.userId), replacement.dropped, 'device-limit')
    setSessionCookies(c, replacement)
  }
  return claims
}

/**
 * `POST /api/auth/refresh-token` with an imported old refresh token: once, a new session here.
 * Answers undefined for a token that is not one; throws `RefreshTokenError` on reuse (the session
 * it opened is revoked) and for a deactivated account.
 */
export async function exchangeLegacyRefreshToken(
  c: Context<AppEnv>,
  refreshToken: string,
): Promise<{ tokens: IssuedTokens; user: UserDoc } | undefined> {
  const config = c.get('config')
  const db = await c.get('services').database.db()
  const now = c.get('services').now()
  const claim = await claimLegacyRefreshToken(
    db,
    refreshToken,
    now,
    config.REFRESH_TOKEN_TTL_DAYS * 86_400_000,
  )
  if (claim.outcome === 'unknown') return undefined
  if (claim.outcome === 'reused') {
    if (!claim.familyId) throw new RefreshTokenError('invalid')
    await revokeFamily(db, claim.familyId, 'reuse', now)
    throw new RefreshTokenError('reused', { userId: claim.userId, familyId: claim.familyId })
  }
  const user = await findUserById(db, claim.userId)
  if (!user?.isActive) throw new RefreshTokenError('invalid')
  const tokens = await startSession(
    db,
    config,
    user,
    deviceOf(c, 'Sanora (old refresh token)'),
    now,
    {
      familyId: claim.familyId,
    },
  )
  await closeSessionSockets(c, user._id, tokens.dropped, 'device-limit')
  return { tokens, user }
}
