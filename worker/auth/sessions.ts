// Refresh-token sessions. One session family per signed-in device; each refresh rotates the token.
// Presenting an already-rotated token means it was stolen or replayed: the whole family is revoked.
// At most MAX_DEVICES live families per user: a new sign-in drops the oldest.
import { ObjectId, type Collection, type Db } from 'mongodb'
import type { Config } from '../../shared/config'
import type { UserDoc } from './users-store'
import { randomToken, sha256, signAccessToken } from './tokens'

export interface SessionDoc {
  _id: ObjectId
  tokenHash: string
  familyId: ObjectId
  userId: ObjectId
  device: { userAgent?: string; name?: string }
  familyCreatedAt: Date
  createdAt: Date
  expiresAt: Date
  rotatedAt?: Date
  /** Not one of the account's devices: a handle for an old system's token (legacy-access.ts). */
  outsideDeviceLimit?: true
  revokedAt?: Date
  revokedReason?:
    | 'logout'
    | 'logout-all'
    | 'reuse'
    | 'device-limit'
    | 'password-change'
    | 'deactivated'
    | 'identity-proven'
}

export interface IssuedTokens {
  accessToken: string
  refreshToken: string
  expiresIn: number
  sessionId: string
}

/** A new device's tokens, and the older devices' sessions the device limit ended. */
export interface StartedSession extends IssuedTokens {
  dropped: ObjectId[]
}

export class RefreshTokenError extends Error {
  override readonly name = 'RefreshTokenError'
  constructor(
    readonly reason: 'invalid' | 'reused',
    /** For reuse: the family revoked, whose sockets must close too. */
    readonly revoked?: { userId: ObjectId; familyId: ObjectId },
  ) {
    super(
      reason === 'reused'
        ? 'Refresh token was already used; the session has been revoked'
        : 'Invalid refresh token',
    )
  }
}

const sessions = (db: Db): Collection<SessionDoc> => db.collection<SessionDoc>('sessions')

async function issue(
  db: Db,
  config: Config,
  user: Pick<UserDoc, '_id' | 'role'>,
  family: { id: ObjectId; createdAt: Date; device: SessionDoc['device'] },
  now: Date,
  opts: Pick<SessionOptions, 'expiresAt' | 'outsideDeviceLimit'> = {},
): Promise<IssuedTokens> {
  const refreshToken = randomToken()
  await sessions(db).insertOne({
    _id: new ObjectId(),
    tokenHash: await sha256(refreshToken),
    familyId: family.id,
    userId: user._id,
    device: family.device,
    familyCreatedAt: family.createdAt,
    createdAt: now,
    expiresAt:
      opts.expiresAt ?? new Date(now.getTime() + config.REFRESH_TOKEN_TTL_DAYS * 86_400_000),
    ...(opts.outsideDeviceLimit ? { outsideDeviceLimit: true as const } : {}),
  })
  const accessToken = await signAccessToken(
    config.JWT_SECRET,
    { userId: user._id.toHexString(), role: user.role, sessionId: family.id.toHexString() },
    config.ACCESS_TOKEN_TTL_SECONDS,
  )
  return {
    accessToken,
    refreshToken,
    expiresIn: config.ACCESS_TOKEN_TTL_SECONDS,
    sessionId: family.id.toHexString(),
  }
}

/** How a session is opened; the defaults are a sign-in's. */
export interface SessionOptions {
  /** The family id, when the caller must record it before the session exists. */
  familyId?: ObjectId
  /** A session that ends before the refresh-token lifetime (an old system's token it stands for). */
  expiresAt?: Date
  /**
   * Neither counted against the device limit nor ending others under it: the session stands for
   * a device that will count once it holds tokens of ours.
   */
  outsideDeviceLimit?: boolean
}

/** A new device session; the oldest live ones beyond the device limit are revoked. */
export async function startSession(
  db: Db,
  config: Config,
  user: Pick<UserDoc, '_id' | 'role'>,
  device: SessionDoc['device'],
  now: Date,
  opts: SessionOptions = {},
): Promise<StartedSession> {
  const family = { id: opts.familyId ?? new ObjectId(), createdAt: now, device }
  if (opts.outsideDeviceLimit) {
    return { ...(await issue(db, config, user, family, now, opts)), dropped: [] }
  }
  const live = await sessions(db)
    .find(
      {
        userId: user._id,
        rotatedAt: { $exists: false },
        revokedAt: { $exists: false },
        outsideDeviceLimit: { $exists: false },
        expiresAt: { $gt: now },
      },
      { projection: { familyId: 1 } },
    )
    .sort({ familyCreatedAt: 1 })
    .toArray()
  const dropped = live.slice(0, Math.max(0, live.length - (config.MAX_DEVICES - 1)))
  if (dropped.length > 0) {
    await sessions(db).updateMany(
      { familyId: { $in: dropped.map((s) => s.familyId) }, revokedAt: { $exists: false } },
      { $set: { revokedAt: now, revokedReason: 'device-limit' } },
    )
  }
  const tokens = await issue(db, config, user, family, now, opts)
  return { ...tokens, dropped: dropped.map((s) => s.familyId) }
}

/** Exchanges a refresh token for a new pair; detects reuse of a rotated token. */
export async function rotateSession(
  db: Db,
  config: Config,
  refreshToken: string,
  loadUser: (id: ObjectId) => Promise<Pick<UserDoc, '_id' | 'role' | 'isActive'> | null>,
  now: Date,
): Promise<IssuedTokens> {
  const tokenHash = await sha256(refreshToken)
  const current = await sessions(db).findOneAndUpdate(
    {
      tokenHash,
      rotatedAt: { $exists: false },
      revokedAt: { $exists: false },
      expiresAt: { $gt: now },
    },
    { $set: { rotatedAt: now } },
  )
  if (!current) {
    const known = await sessions(db).findOne({ tokenHash })
    if (known?.rotatedAt && !known.revokedAt) {
      await revokeFamily(db, known.familyId, 'reuse', now)
      throw new RefreshTokenError('reused', { userId: known.userId, familyId: known.familyId })
    }
    throw new RefreshTokenError('invalid')
  }
  const user = await loadUser(current.userId)
  if (!user?.isActive) {
    await revokeFamily(db, current.familyId, 'deactivated', now)
    throw new RefreshTokenError('invalid')
  }
  return issue(
    db,
    config,
    user,
    { id: current.familyId, createdAt: current.familyCreatedAt, device: current.device },
    now,
  )
}

/** Ends one session family (every token of it), recording why. */
export async function revokeFamily(
  db: Db,
  familyId: ObjectId,
  reason: SessionDoc['revokedReason'],
  now: Date,
) {
  await sessions(db).updateMany(
    { familyId, revokedAt: { $exists: false } },
    { $set: { revokedAt: now, revokedReason: reason } },
  )
}

/**
 * Logout of one device: by its refresh token when given, else the session of the access token.
 * Answers the session family ended, if any.
 */
export async function endSession(
  db: Db,
  userId: ObjectId,
  by: { refreshToken?: string; sessionId?: string },
  now: Date,
): Promise<ObjectId | undefined> {
  let familyId: ObjectId | undefined
  if (by.refreshToken) {
    const found = await sessions(db).findOne({ tokenHash: await sha256(by.refreshToken), userId })
    familyId = found?.familyId
  } else if (by.sessionId && ObjectId.isValid(by.sessionId)) {
    familyId = new ObjectId(by.sessionId)
  }
  if (familyId) {
    await sessions(db).updateMany(
      { familyId, userId, revokedAt: { $exists: false } },
      { $set: { revokedAt: now, revokedReason: 'logout' } },
    )
  }
  return familyId
}

/** Revokes every session of a user (password change or reset). */
export async function endAllSessions(
  db: Db,
  userId: ObjectId,
  reason: SessionDoc['revokedReason'],
  now: Date,
) {
  await sessions(db).updateMany(
    { userId, revokedAt: { $exists: false } },
    { $set: { revokedAt: now, revokedReason: reason } },
  )
}

/** Whether a session family is still live (not logged out, not revoked for reuse). */
export async function isSessionLive(db: Db, sessionId: string): Promise<boolean> {
  if (!ObjectId.isValid(sessionId)) return false
  const live = await sessions(db).findOne(
    { familyId: new ObjectId(sessionId), revokedAt: { $exists: false } },
    { projection: { _id: 1 } },
  )
  return live !== null
}

/** Whether a session family was ever opened here, live or ended. */
export async function familyOpened(db: Db, familyId: ObjectId): Promise<boolean> {
  return (await sessions(db).findOne({ familyId }, { projection: { _id: 1 } })) !== null
}

/** After a password change: every device but the current one is signed out. */
export async function endOtherSessions(db: Db, userId: ObjectId, keepSessionId: string, now: Date) {
  const keep = ObjectId.isValid(keepSessionId) ? new ObjectId(keepSessionId) : undefined
  await sessions(db).updateMany(
    {
      userId,
      revokedAt: { $exists: false },
      ...(keep ? { familyId: { $ne: keep } } : {}),
    },
    { $set: { revokedAt: now, revokedReason: 'password-change' } },
  )
}

/** The owner of a refresh token's session, whether or not it is still live. */
export async function refreshTokenOwner(
  db: Db,
  refreshToken: string,
): Promise<ObjectId | undefined> {
  const session = await sessions(db).findOne(
    { tokenHash: await sha256(refreshToken) },
    { projection: { userId: 1 } },
  )
  return session?.userId
}
