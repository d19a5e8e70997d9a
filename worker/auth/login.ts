// The sign-in steps every route shares: password check (with bcrypt upgrade), session start, and
// the token response. Errors never reveal whether an account exists.
import type { Context } from 'hono'
import type { Role } from '../../shared/roles'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { clientIp, enforceRateLimit } from '../middleware/rate-limit'
import { identifierHolders, publicUser, users, type UserDoc } from './users-store'
import { LIMITS } from './limits'
import { burnPasswordCheck, hashPassword, needsRehash, verifyPassword } from './passwords'
import { closeSessionSockets } from './revoke'
import { startSession, type StartedSession } from './sessions'

const INVALID_CREDENTIALS = 'Invalid email or password'

export interface PasswordLogin {
  email?: string
  phone?: string
  password: string
  /** Only accounts of this role may sign in here (host and speaker portals). */
  role?: Role
}

/** Verifies credentials under the login rate limit; answers the user or throws 401/403. */
export async function checkPassword(c: Context<AppEnv>, input: PasswordLogin): Promise<UserDoc> {
  const identifier = input.email ?? input.phone
  if (!identifier)
    throw new AppError('VALIDATION_ERROR', 'Email or phone is required', [
      { path: 'email', message: 'Required' },
    ])
  await enforceRateLimit(c, LIMITS.login, [`ip:${clientIp(c)}`, `account:${identifier}`])
  const db = await c.get('services').database.db()
  // The proven owner alone when there is one; else every account that claims the identifier
  // unproven (several may): the one whose password this is.
  const candidates = (
    await identifierHolders(db, input.email ? 'email' : 'phone', identifier)
  ).filter(
    (u) => (u.passwordHash || u.mergedPasswordHash) && (!input.role || u.role === input.role),
  )
  let user: UserDoc | undefined
  let matched: 'passwordHash' | 'mergedPasswordHash' = 'passwordHash'
  for (const candidate of candidates) {
    const which = await passwordMatches(input.password, candidate)
    if (which) {
      user = candidate
      matched = which
      break
    }
  }
  if (!user) {
    if (candidates.length === 0) await burnPasswordCheck(input.password)
    throw new AppError('UNAUTHORIZED', INVALID_CREDENTIALS)
  }
  if (!user.isActive) throw new AppError('FORBIDDEN', 'This account has been deactivated')
  if (needsRehash(user[matched]!)) {
    const upgraded = await hashPassword(input.password)
    await users(db).updateOne(
      { _id: user._id },
      { $set: { [matched]: upgraded, updatedAt: c.get('services').now() } },
    )
    user[matched] = upgraded
  }
  return user
}

/** Which of the account's password hashes `password` matches, if any. */
export async function passwordMatches(
  password: string,
  user: UserDoc,
): Promise<'passwordHash' | 'mergedPasswordHash' | undefined> {
  if (user.passwordHash && (await verifyPassword(password, user.passwordHash)))
    return 'passwordHash'
  if (user.mergedPasswordHash && (await verifyPassword(password, user.mergedPasswordHash)))
    return 'mergedPasswordHash'
  return undefined
}

/**
 * Starts a device session for `user` (recording the sign-in); the oldest devices beyond the limit
 * are signed out, their sockets included.
 */
export async function startDeviceSession(
  c: Context<AppEnv>,
  user: UserDoc,
): Promise<StartedSession> {
  const db = await c.get('services').database.db()
  const now = c.get('services').now()
  await users(db).updateOne({ _id: user._id }, { $set: { lastLoginAt: now } })
  const tokens = await startSession(
    db,
    c.get('config'),
    user,
    { userAgent: c.req.header('user-agent')?.slice(0, 200) },
    now,
  )
  await closeSessionSockets(c, user._id, tokens.dropped, 'device-limit')
  return tokens
}

/** Starts a device session for `user` and renders the token response. */
export async function signIn<S extends 200 | 201 = 200>(
  c: Context<AppEnv>,
  user: UserDoc,
  message: string,
  status: S = 200 as S,
) {
  const tokens = await startDeviceSession(c, user)
  return c.json(
    {
      success: true as const,
      message,
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresIn: tokens.expiresIn,
      user: publicUser(user),
    },
    status,
  )
}
