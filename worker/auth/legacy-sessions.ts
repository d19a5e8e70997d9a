// The old systems' tokens as this system keeps them: refresh tokens imported from their users
// (stored hashed like ours, each exchangeable once) and a record of every old access token
// exchanged for a session here (so ending that session ends the old token too). The importer
// builds the stored form with `legacyRefreshTokenDoc`; nothing else reads or writes the collection.
import { ObjectId, type Collection, type Db } from 'mongodb'
import { sha256 } from './tokens'
import { users, type UserDoc } from './users-store'

export interface LegacyTokenDoc {
  /** SHA-256 (hex) of the token, as sessions.ts stores ours: a leaked database yields no token. */
  _id: string
  kind: 'refresh' | 'access'
  userId: ObjectId
  /** The session family here the token was exchanged for. */
  familyId?: ObjectId
  /** Refresh: when it was imported. Access: when it was first presented. */
  createdAt: Date
  /** Refresh: when it was exchanged; it is single use. */
  usedAt?: Date
  revokedAt?: Date
  /** Access: the old token's `exp`; the record is dropped (TTL index) once the token is dead. */
  expiresAt?: Date
}

export const LEGACY_TOKENS_COLLECTION = 'legacy_tokens'

const legacyTokens = (db: Db): Collection<LegacyTokenDoc> =>
  db.collection<LegacyTokenDoc>(LEGACY_TOKENS_COLLECTION)

/**
 * The account an old token's user id names: the one with that `_id` (the importer keeps ids), or
 * the account that the importer merged it into (listed in its `legacyIds`).
 */
export async function findLegacyAccount(db: Db, userId: string): Promise<UserDoc | null> {
  const _id = new ObjectId(userId)
  return (await users(db).findOne({ _id })) ?? (await users(db).findOne({ legacyIds: _id }))
}

/**
 * The stored form of one refresh token an old system kept on its user (`userId`: the account here,
 * the surviving one when the importer merged two). The importer writes it
 * with `updateOne({ _id }, { $setOnInsert: doc }, { upsert: true })`, so a re-run never revives a
 * token already used or revoked.
 *
 * @example await legacyRefreshTokenDoc(user._id, oldUser.refreshTokens[0].token, new Date())
 */
export async function legacyRefreshTokenDoc(
  userId: ObjectId,
  refreshToken: string,
  importedAt: Date,
): Promise<LegacyTokenDoc> {
  return { _id: await sha256(refreshToken), kind: 'refresh', userId, createdAt: importedAt }
}

/**
 * For the importer's delta run: the user's imported refresh tokens that the old database no longer
 * holds (logged out there since the last run) stop working here too. `held`: the old user's
 * current refresh tokens. Answers how many were revoked.
 */
export async function revokeDroppedLegacyRefreshTokens(
  db: Db,
  userId: ObjectId,
  held: string[],
  now: Date,
): Promise<number> {
  const kept = await Promise.all(held.map((token) => sha256(token)))
  const { modifiedCount } = await legacyTokens(db).updateMany(
    { userId, kind: 'refresh', _id: { $nin: kept }, revokedAt: { $exists: false } },
    { $set: { revokedAt: now } },
  )
  return modifiedCount
}

export type LegacyRefreshClaim =
  | { outcome: 'claimed'; userId: ObjectId; familyId: ObjectId }
  | { outcome: 'reused'; userId: ObjectId; familyId?: ObjectId }
  | { outcome: 'unknown' }

/**
 * Uses up an imported refresh token: the first caller gets the family id its new session must
 * take; a second presentation is reuse (the family it opened is to be revoked, as for ours). A
 * token unused for `maxAgeMs` after the import has expired, as an idle one of ours would.
 */
export async function claimLegacyRefreshToken(
  db: Db,
  refreshToken: string,
  now: Date,
  maxAgeMs: number,
): Promise<LegacyRefreshClaim> {
  const _id = await sha256(refreshToken)
  const claimed = await legacyTokens(db).findOneAndUpdate(
    {
      _id,
      kind: 'refresh',
      usedAt: { $exists: false },
      revokedAt: { $exists: false },
      createdAt: { $gt: new Date(now.getTime() - maxAgeMs) },
    },
    { $set: { usedAt: now, familyId: new ObjectId() } },
    { returnDocument: 'after' },
  )
  if (claimed) return { outcome: 'claimed', userId: claimed.userId, familyId: claimed.familyId! }
  // Reported once: the replayed token is revoked with its family, so a further replay is unknown.
  const reused = await legacyTokens(db).findOneAndUpdate(
    { _id, kind: 'refresh', usedAt: { $exists: true }, revokedAt: { $exists: false } },
    { $set: { revokedAt: now } },
  )
  return reused
    ? { outcome: 'reused', userId: reused.userId, familyId: reused.familyId }
    : { outcome: 'unknown' }
}

/**
 * The session family an old access token stands for here: claimed on its first presentation
 * (`fresh`: the caller opens the session under that id), the same one afterwards.
 */
export async function claimLegacyAccessExchange(
  db: Db,
  accessToken: string,
  userId: ObjectId,
  expiresAt: Date,
  now: Date,
): Promise<{ familyId: ObjectId; fresh: boolean }> {
  const _id = await sha256(accessToken)
  const familyId = new ObjectId()
  try {
    await legacyTokens(db).insertOne({
      _id,
      kind: 'access',
      userId,
      familyId,
      createdAt: now,
      expiresAt,
    })
    return { familyId, fresh: true }
  } catch (error) {
    if ((error as { code?: unknown }).code !== 11000) throw error
  }
  // Presented before (or by a concurrent request): the session already claimed for it.
  const existing = await legacyTokens(db).findOne({ _id, kind: 'access', userId })
  if (!existing?.familyId) throw new Error('legacy access exchange vanished after its claim')
  return { familyId: existing.familyId, fresh: false }
}

/** Whether the account's sessions were all ended after the old token was issued (`iat`, s). */
export function legacyTokenRevoked(
  user: Pick<UserDoc, 'legacyTokensRevokedAt'>,
  issuedAt: number,
): boolean {
  return Boolean(
    user.legacyTokensRevokedAt && issuedAt * 1000 <= user.legacyTokensRevokedAt.getTime(),
  )
}

/**
 * Every old token of the account stops working: access tokens issued until now (they carry no
 * session to revoke, so the account records the moment) and every imported refresh token.
 */
export async function revokeLegacyTokens(db: Db, userId: ObjectId, now: Date): Promise<void> {
  await Promise.all([
    users(db).updateOne({ _id: userId }, { $set: { legacyTokensRevokedAt: now } }),
    legacyTokens(db).updateMany(
      { userId, kind: 'refresh', revokedAt: { $exists: false } },
      { $set: { revokedAt: now } },
    ),
  ])
}

/** Logout with an old refresh token in the body: it stops working. Answers whether it was one. */
export async function revokeLegacyRefreshToken(
  db: Db,
  userId: ObjectId,
  refreshToken: string,
  now: Date,
): Promise<boolean> {
  const found = await legacyTokens(db).findOneAndUpdate(
    { _id: await sha256(refreshToken), kind: 'refresh', userId, revokedAt: { $exists: false } },
    { $set: { revokedAt: now } },
  )
  return found !== null
}

/**
 * A session opened from an old refresh token was logged out. The old access token of that device
 * cannot be told apart from the account's others (neither names the other), so every old access
 * token issued until now stops; the account's other devices go on with their own refresh tokens.
 */
export async function endLegacyAccessOfFamily(
  db: Db,
  userId: ObjectId,
  familyId: ObjectId,
  now: Date,
): Promise<void> {
  const fromRefresh = await legacyTokens(db).findOne(
    { userId, familyId, kind: 'refresh' },
    { projection: { _id: 1 } },
  )
  if (fromRefresh) {
    await users(db).updateOne({ _id: userId }, { $set: { legacyTokensRevokedAt: now } })
  }
}
