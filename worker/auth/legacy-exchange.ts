// Exchanging the old systems' tokens for sessions here, so nobody is signed out by the cut-over.
// An old access token (Bearer or Videodesk `token` cookie) stands for one session here from its
// first use: a cookie is replaced at once by our pair; a Bearer token goes on working until it
// expires, when the old app refreshes as it always did and its imported refresh token is exchanged
// once for our pair. Who the caller is comes from the token; what they may do, from the account.
import type { Context } from 'hono'
import type { Db, ObjectId } from 'mongodb'
import type { AppEnv } from '../env'
import { setSessionCookies } from './cookies'
import {
  claimLegacyAccessExchange,
  claimLegacyRefreshToken,
  findLegacyAccount,
  legacyTokenRevoked,
} from './legacy-sessions'
import { verifyLegacyAccessToken } from './legacy-tokens'
import { closeSessionSockets } from './revoke'
import {
  RefreshTokenError,
  familyOpened,
  revokeFamily,
  startSession,
  type IssuedTokens,
} from './sessions'
import { InvalidAccessTokenError, type AccessClaims } from './tokens'
import { findUserById, type UserDoc } from './users-store'

const deviceOf = (c: Context<AppEnv>, name: string) => ({
  userAgent: c.req.header('user-agent')?.slice(0, 200),
  name,
})

/**
 * Accepts an old system's access token for an active account whose sessions were not ended since
 * it was issued; answers claims naming the session it stands for (whose liveness the caller checks
 * as for ours). Throws `InvalidAccessTokenError` otherwise, and always when `LEGACY_JWT_SECRET` is
 * unset. `setCookies`: on its first use the token is replaced by our cookie pair on this response
 * (a browser's old `token` cookie); otherwise the session is only a handle for revocation.
 */
export async function acceptLegacyAccessToken(
  c: Context<AppEnv>,
  token: string,
  { setCookies }: { setCookies: boolean },
): Promise<AccessClaims> {
  const config = c.get('config')
  const legacy = await verifyLegacyAccessToken(config.LEGACY_JWT_SECRET, token)
  const db = await c.get('services').database.db()
  const user = await findLegacyAccount(db, legacy.userId)
  if (!user?.isActive || legacyTokenRevoked(user, legacy.issuedAt))
    throw new InvalidAccessTokenError('invalid')
  const now = c.get('services').now()
  const expiresAt = new Date(legacy.expiresAt * 1000)
  const { familyId, fresh } = await claimLegacyAccessExchange(db, token, user._id, expiresAt, now)
  if (!fresh) {
    await exchangedSessionOpened(db, familyId)
  } else if (setCookies) {
    // The browser's old cookie is replaced by our pair: a new device session like a sign-in.
    const device = deviceOf(c, 'Videodesk (old cookie)')
    const tokens = await startSession(db, config, user, device, now, { familyId })
    await closeSessionSockets(c, user._id, tokens.dropped, 'device-limit')
    setSessionCookies(c, tokens)
  } else {
    // Only a handle for revocation, living as long as the old token: a Bearer app gets our tokens
    // through its old refresh token, and this device must not push a real one off the limit.
    const device = deviceOf(c, 'old access token')
    await startSession(db, config, user, device, now, {
      familyId,
      expiresAt,
      keepOtherDevices: true,
    })
  }
  return { userId: user._id.toHexString(), role: user.role, sessionId: familyId.toHexString() }
}

/**
 * The first use of an old token claims its session and opens it a moment later: requests sent
 * beside it (a web app's first page load) wait that moment rather than find no session and sign
 * the user out. A claim whose session never opened is refused by the session check after this.
 */
async function exchangedSessionOpened(db: Db, familyId: ObjectId): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    if (await familyOpened(db, familyId)) return
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
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
