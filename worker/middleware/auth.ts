// Authentication for both client families — `Authorization: Bearer` (Sanora apps) or the `token`
// cookie (Videodesk web, silently renewed from `refresh_token`) — and role checks on top of it.
import type { Context, MiddlewareHandler } from 'hono'
import type { Db } from 'mongodb'
import { getCookie } from 'hono/cookie'
import type { Role } from '../../shared/roles'
import { ACCESS_COOKIE, REFRESH_COOKIE, setSessionCookies } from '../auth/cookies'
import { closeSessionSockets } from '../auth/revoke'
import { acceptLegacyAccessToken } from '../auth/legacy-exchange'
import { RefreshTokenError, isSessionLive, rotateSession } from '../auth/sessions'
import { InvalidAccessTokenError, verifyAccessToken, type AccessClaims } from '../auth/tokens'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { findUserById, type UserDoc } from '../auth/users-store'

declare module 'hono' {
  interface ContextVariableMap {
    user: UserDoc
    auth: AccessClaims
  }
}

/** The one accepted form of the Authorization header; its first group is the token. */
export const BEARER_HEADER = /^Bearer\s+(\S+)$/i

function bearer(c: Context<AppEnv>): string | undefined {
  const header = c.req.header('authorization')
  if (!header) return undefined
  const match = BEARER_HEADER.exec(header)
  if (!match) throw new AppError('UNAUTHORIZED', 'Authorization header must be `Bearer <token>`')
  return match[1]
}

async function claimsFromCookies(c: Context<AppEnv>): Promise<AccessClaims | undefined> {
  const { JWT_SECRET } = c.get('config')
  const access = getCookie(c, ACCESS_COOKIE)
  if (access) {
    try {
      return await verifyAccessToken(JWT_SECRET, access)
    } catch (error) {
      if (!(error instanceof InvalidAccessTokenError)) throw error
    }
    // An old Videodesk cookie, during a cut-over: exchanged for our pair on this response.
    try {
      return await acceptLegacyAccessToken(c, access, { setCookies: true })
    } catch (error) {
      if (!(error instanceof InvalidAccessTokenError)) throw error
    }
  }
  const refresh = getCookie(c, REFRESH_COOKIE)
  if (!refresh) return undefined
  const db = await c.get('services').database.db()
  try {
    const tokens = await rotateSession(
      db,
      c.get('config'),
      refresh,
      (id) => findUserById(db, id),
      c.get('services').now(),
    )
    setSessionCookies(c, tokens)
    return await verifyAccessToken(JWT_SECRET, tokens.accessToken)
  } catch (error) {
    if (!(error instanceof RefreshTokenError)) throw error
    if (error.revoked)
      await closeSessionSockets(c, error.revoked.userId, [error.revoked.familyId], 'reuse')
    return undefined
  }
}

/**
 * Reads a handler needs about the caller, started beside the session check instead of after it:
 * one database round trip fewer per request. Its result is only used once the caller is proven.
 */
export type Prefetch = (c: Context<AppEnv>, db: Db, userId: string) => void

/** Resolves the caller, or throws 401. Sets `user` and `auth` on the context. */
async function authenticateRequest(c: Context<AppEnv>, prefetch?: Prefetch): Promise<void> {
  const token = bearer(c)
  let claims: AccessClaims | undefined
  if (token) {
    try {
      claims = await verifyAccessToken(c.get('config').JWT_SECRET, token)
    } catch (error) {
      if (!(error instanceof InvalidAccessTokenError)) throw error
      claims = await acceptLegacyAccessToken(c, token, { setCookies: false }).catch(
        (legacyError: unknown) => {
          if (!(legacyError instanceof InvalidAccessTokenError)) throw legacyError
          // "expired" from either key tells the app to refresh; otherwise our own verdict.
          throw new AppError(
            'UNAUTHORIZED',
            (legacyError.reason === 'expired' ? legacyError : error).message,
          )
        },
      )
    }
  } else {
    claims = await claimsFromCookies(c)
  }
  if (!claims) throw new AppError('UNAUTHORIZED', 'Authentication required')
  const db = await c.get('services').database.db()
  prefetch?.(c, db, claims.userId)
  const [user, live] = await Promise.all([
    findUserById(db, claims.userId),
    isSessionLive(db, claims.sessionId),
  ])
  // A deactivated account, a logged-out device or a family revoked for token reuse: all refused.
  if (!user || !user.isActive || !live)
    throw new AppError('UNAUTHORIZED', 'Session is no longer valid')
  c.set('user', user)
  c.set('auth', { ...claims, role: user.role })
}

/** Any signed-in account (the old systems' `protect`). */
export const protect = (opts: { prefetch?: Prefetch } = {}): MiddlewareHandler<AppEnv> => {
  return async function protect(c, next) {
    await authenticateRequest(c, opts.prefetch)
    await next()
  }
}

/** A signed-in account whose role is one of `roles` (ADMIN always passes). */
export const requireRole = (...roles: Role[]): MiddlewareHandler<AppEnv> => {
  return async function requireRole(c, next) {
    await authenticateRequest(c)
    const role = c.get('user').role
    if (role !== 'ADMIN' && !roles.includes(role)) {
      throw new AppError('FORBIDDEN', `This requires one of the roles: ${roles.join(', ')}`)
    }
    await next()
  }
}

export const admin = () => requireRole('ADMIN')
export const host = () => requireRole('HOST')
export const speaker = () => requireRole('SPEAKER')
export const university = () => requireRole('UNIVERSITY')
/** The old `multiAuth`: any of the given token types. */
export const anyOf = (...roles: Role[]) => requireRole(...roles)

/** Sets `user` when the request is signed in, and lets anonymous requests through. */
export const optionalAuth = (): MiddlewareHandler<AppEnv> => {
  return async function optionalAuth(c, next) {
    if (
      c.req.header('authorization') ||
      getCookie(c, ACCESS_COOKIE) ||
      getCookie(c, REFRESH_COOKIE)
    ) {
      await authenticateRequest(c)
    }
    await next()
  }
}
