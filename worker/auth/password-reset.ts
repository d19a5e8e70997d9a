// Password change and reset for the Videodesk client: single-use reset tokens (only their SHA-256
// is stored), the reset email, and the session revocations a new password brings.
import type { Context } from 'hono'
import { ObjectId, type Collection, type Db } from 'mongodb'
import type { Config } from '../../shared/config'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { randomToken, sha256 } from './tokens'

export interface PasswordResetDoc {
  _id: ObjectId
  tokenHash: string
  userId: ObjectId
  /** The address the link was mailed to: using the link proves it (absent on older links). */
  email?: string
  createdAt: Date
  /** The TTL index removes the record some time after this; the query checks it exactly. */
  expiresAt: Date
  usedAt?: Date
}

const passwordResets = (db: Db): Collection<PasswordResetDoc> =>
  db.collection<PasswordResetDoc>('password_resets')

/** A new reset token for `userId`; any earlier unused one stops working. Answers the raw token. */
export async function createPasswordReset(
  db: Db,
  config: Config,
  userId: ObjectId,
  email: string,
  now: Date,
): Promise<string> {
  // Only the newest link mailed to a user may work, so an old email left in an inbox is harmless.
  await passwordResets(db).deleteMany({ userId, usedAt: { $exists: false } })
  const token = randomToken()
  await passwordResets(db).insertOne({
    _id: new ObjectId(),
    tokenHash: await sha256(token),
    userId,
    email,
    createdAt: now,
    expiresAt: new Date(now.getTime() + config.PASSWORD_RESET_TTL_MINUTES * 60_000),
  })
  return token
}

/**
 * Marks a reset token used and answers its user and the address it was mailed to; throws 400
 * when unknown, used or expired.
 */
export async function consumePasswordReset(
  db: Db,
  token: string,
  now: Date,
): Promise<{ userId: ObjectId; email?: string }> {
  const tokenHash = await sha256(token)
  // One atomic claim: of two concurrent requests with the same token, only one gets the record.
  const claimed = await passwordResets(db).findOneAndUpdate(
    { tokenHash, usedAt: { $exists: false }, expiresAt: { $gt: now } },
    { $set: { usedAt: now } },
  )
  if (claimed) return { userId: claimed.userId, email: claimed.email }
  const known = await passwordResets(db).findOne({ tokenHash })
  throw new AppError(
    'BAD_REQUEST',
    known?.usedAt
      ? 'This reset link has already been used; request a new one'
      : known
        ? 'This reset link has expired; request a new one'
        : 'This reset link is invalid or has expired; request a new one',
  )
}

/**
 * Where the reset page lives: FRONTEND_URL, else the calling page's origin when it is an allowed
 * CORS origin, else this API's own origin. An arbitrary Origin header is never trusted: it would
 * let anyone mail a victim a genuine token inside a link to their own site.
 */
export function resetLink(c: Context<AppEnv>, token: string): string {
  const { FRONTEND_URL, CORS_ORIGINS } = c.get('config')
  const origin = c.req.header('origin')
  const base =
    FRONTEND_URL ?? (origin && CORS_ORIGINS.includes(origin) ? origin : new URL(c.req.url).origin)
  return `${base.replace(/\/+$/, '')}/reset-password?token=${encodeURIComponent(token)}`
}

export async function sendPasswordResetMail(c: Context<AppEnv>, to: string, link: string) {
  const minutes = c.get('config').PASSWORD_RESET_TTL_MINUTES
  await c.get('services').mail.send({
    to,
    subject: 'Reset your Videodesk password',
    text: `Someone asked to reset the password of your Videodesk account. To choose a new one, open ${link} within ${minutes} minutes. The link works once. If it was not you, ignore this email; your password stays as it is.`,
    html: `<p>Someone asked to reset the password of your Videodesk account.</p><p><a href="${link}">Choose a new password</a></p><p>The link works once and expires in ${minutes} minutes. If it was not you, ignore this email; your password stays as it is.</p>`,
  })
}
