// An old system's access token, accepted as the session it stands for here: the same checks for
// REST (worker/auth/legacy-exchange.ts) and for the realtime handshakes, which have no request
// context. Who the caller is comes from the token; what they may do, from the account.
import type { Db, ObjectId } from 'mongodb'
import type { Config } from '../../shared/config'
import { claimLegacyAccessExchange, findLegacyAccount, legacyTokenRevoked } from './legacy-sessions'
import { verifyLegacyAccessToken } from './legacy-tokens'
import { familyOpened, startSession, type SessionDoc, type StartedSession } from './sessions'
import { InvalidAccessTokenError, type AccessClaims } from './tokens'

export interface LegacyAccess {
  claims: AccessClaims
  /** Our pair, when this first use opened a session meant to replace the old token (a cookie). */
  replacement?: StartedSession
}

/**
 * Accepts an old system's access token for an active account whose sessions were not ended since
 * it was issued; answers claims naming the session it stands for, whose liveness the caller checks
 * as for ours. Throws `InvalidAccessTokenError` otherwise, and always when `LEGACY_JWT_SECRET` is
 * unset. `replace`: on first use, open a full session whose pair replaces the token (a browser's
 * old cookie); otherwise the session is only a handle for revocation, living as long as the token.
 */
export async function acceptLegacyAccess(
  database: () => Promise<Db>,
  config: Config,
  token: string,
  opts: { device: SessionDoc['device']; now: Date; replace: boolean },
): Promise<LegacyAccess> {
  const legacy = await verifyLegacyAccessToken(config.LEGACY_JWT_SECRET, token)
  // Only now: a token that is not an old one costs no database round trip.
  const db = await database()
  const user = await findLegacyAccount(db, legacy.userId)
  if (!user?.isActive || legacyTokenRevoked(user, legacy.issuedAt))
    throw new InvalidAccessTokenError('invalid')
  const expiresAt = new Date(legacy.expiresAt * 1000)
  const { now, device } = opts
  const { familyId, fresh } = await claimLegacyAccessExchange(db, token, user._id, expiresAt, now)
  const claims = {
    userId: user._id.toHexString(),
    role: user.role,
    sessionId: familyId.toHexString(),
  }
  if (!fresh) {
    await exchangedSessionOpened(db, familyId)
    return { claims }
  }
  if (opts.replace) {
    // A new device session like a sign-in: its pair takes the old token's place.
    return { claims, replacement: await startSession(db, config, user, device, now, { familyId }) }
  }
  // A Bearer app gets our tokens through its old refresh token; this handle is not a device of its
  // own (that device counts once it holds our tokens), so it neither counts nor pushes one out.
  await startSession(db, config, user, device, now, {
    familyId,
    expiresAt,
    outsideDeviceLimit: true,
  })
  return { claims }
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
