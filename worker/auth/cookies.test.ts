import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../shared/config'
import type { AppEnv } from '../env'
import { clearSessionCookies, setSessionCookies } from './cookies'

const env = {
  JWT_SECRET: 'c'.repeat(32),
  MONGODB_URI: 'mongodb://127.0.0.1:9',
  UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9',
  UPSTASH_REDIS_REST_TOKEN: 't',
  S3_BUCKET: 'media',
  S3_ACCESS_KEY_ID: 'a',
  S3_SECRET_ACCESS_KEY: 'b',
  SMTP_HOST: '127.0.0.1',
}

/** The Set-Cookie headers of signing in, then of signing out, under this configuration. */
async function cookiesWith(vars: Record<string, string>) {
  const config = parseConfig({ ...env, ...vars })
  const app = new Hono<AppEnv>()
  app.use(async (c, next) => {
    c.set('config', config)
    await next()
  })
  app.get('/in', (c) => {
    setSessionCookies(c, { accessToken: 'a', refreshToken: 'r', expiresIn: 60, sessionId: 's' })
    return c.body(null, 204)
  })
  app.get('/out', (c) => {
    clearSessionCookies(c)
    return c.body(null, 204)
  })
  const [signIn, signOut] = await Promise.all(['/in', '/out'].map((p) => app.request(p)))
  return [...signIn!.headers.getSetCookie(), ...signOut!.headers.getSetCookie()]
}

describe('session cookies', () => {
  it.each([
    [{ APP_ENV: 'test' }, 'SameSite=Lax', false],
    [{ APP_ENV: 'production' }, 'SameSite=Lax', true],
    [{ APP_ENV: 'production', SESSION_COOKIE_SAMESITE: 'Strict' }, 'SameSite=Strict', true],
    [{ APP_ENV: 'production', SESSION_COOKIE_SAMESITE: 'None' }, 'SameSite=None', true],
    // None is dropped by browsers without Secure, so it forces Secure outside production too.
    [{ APP_ENV: 'development', SESSION_COOKIE_SAMESITE: 'None' }, 'SameSite=None', true],
  ])('%j → %s, Secure %s, on setting and clearing', async (vars, sameSite, secure) => {
    const cookies = await cookiesWith(vars)
    expect(cookies.map((c) => c.split('=')[0])).toEqual([
      'token',
      'refresh_token',
      'token',
      'refresh_token',
    ])
    for (const cookie of cookies) {
      expect(cookie).toContain(`; ${sameSite}`)
      expect(cookie).toContain('; HttpOnly')
      expect(cookie.includes('; Secure')).toBe(secure)
    }
  })
})
