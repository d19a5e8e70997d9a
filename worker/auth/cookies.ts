// The Videodesk web client's session cookies: `token` (the access token, as the old system named
// it) and `refresh_token` (rotated silently by the auth middleware when the access token expires).
import type { Context } from 'hono'
import { deleteCookie, setCookie } from 'hono/cookie'
import type { AppEnv } from '../env'
import type { IssuedTokens } from './sessions'

export const ACCESS_COOKIE = 'token'
export const REFRESH_COOKIE = 'refresh_token'

function cookieOptions(c: Context<AppEnv>) {
  const { APP_ENV, SESSION_COOKIE_SAMESITE } = c.get('config')
  return {
    httpOnly: true,
    // Browsers drop a SameSite=None cookie that is not Secure (HTTPS only).
    secure: APP_ENV === 'production' || SESSION_COOKIE_SAMESITE === 'None',
    sameSite: SESSION_COOKIE_SAMESITE,
    path: '/',
  }
}

export function setSessionCookies(c: Context<AppEnv>, tokens: IssuedTokens) {
  const opts = cookieOptions(c)
  setCookie(c, ACCESS_COOKIE, tokens.accessToken, { ...opts, maxAge: tokens.expiresIn })
  setCookie(c, REFRESH_COOKIE, tokens.refreshToken, {
    ...opts,
    maxAge: c.get('config').REFRESH_TOKEN_TTL_DAYS * 86_400,
  })
}

export function clearSessionCookies(c: Context<AppEnv>) {
  const opts = cookieOptions(c)
  deleteCookie(c, ACCESS_COOKIE, opts)
  deleteCookie(c, REFRESH_COOKIE, opts)
}
