import { Hono } from 'hono'
import { requestId } from 'hono/request-id'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../shared/config'
import type { AppEnv } from '../env'
import { renderError } from '../error-handler'
import {
  STATE_CHANGING_GETS,
  csrf,
  isStateChanging,
  isTrustedSource,
  refusedAsForgery,
  trustedOrigins,
  type CsrfRequest,
} from './csrf'

const SELF = 'https://api.example'
const APP = 'https://app.example'
const TRUSTED = [SELF, APP]

describe('isStateChanging', () => {
  it.each([
    ['POST', '/api/friend/request', true],
    ['PUT', '/api/v1/user/update', true],
    ['PATCH', '/api/admin/users/1', true],
    ['DELETE', '/api/posts/1', true],
    ['GET', '/api/v1/me', false],
    ['HEAD', '/api/v1/me', false],
    ['OPTIONS', '/api/v1/user/update', false],
    ['GET', '/api/v1/logout', true],
    ['HEAD', '/api/v1/logout', true],
    ['GET', '/api/v1/send-token', true],
    ['GET', '/api/v1/resend-token', true],
    ['OPTIONS', '/api/v1/logout', false],
    // Paths match exactly, as the router matches them.
    ['GET', '/api/v1/logout/', false],
    ['GET', '/api/v1/LOGOUT', false],
  ])('%s %s → %s', (method, path, expected) => {
    expect(isStateChanging(method, path)).toBe(expected)
  })

  it('lists the three state-changing GETs of the seed', () => {
    expect([...STATE_CHANGING_GETS].sort()).toEqual([
      '/api/v1/logout',
      '/api/v1/resend-token',
      '/api/v1/send-token',
    ])
  })
})

describe('isTrustedSource', () => {
  it.each([
    // Origin decides when present.
    [SELF, undefined, true],
    [APP, undefined, true],
    ['https://evil.example', undefined, false],
    ['null', undefined, false],
    ['https://app.example.evil.example', undefined, false],
    ['https://app.example/', undefined, false],
    ['http://api.example', undefined, false],
    [APP, 'cross-site', true],
    [APP, 'same-site', true],
    [SELF, 'same-origin', true],
    ['https://evil.example', 'cross-site', false],
    ['https://evil.example', 'same-site', false],
    ['https://evil.example', 'same-origin', false],
    ['https://evil.example', 'none', false],
    ['', undefined, false],
    // Without Origin, Sec-Fetch-Site decides.
    [undefined, 'same-origin', true],
    [undefined, 'none', true],
    [undefined, 'same-site', false],
    [undefined, 'cross-site', false],
    [undefined, 'Same-Origin', false],
    [undefined, 'bogus', false],
    [undefined, '', false],
    // Neither: not a browser.
    [undefined, undefined, true],
  ])('Origin %j, Sec-Fetch-Site %j → %s', (origin, site, expected) => {
    expect(isTrustedSource(origin, site, TRUSTED)).toBe(expected)
  })
})

describe('refusedAsForgery', () => {
  const request = (over: Partial<CsrfRequest>): CsrfRequest => ({
    method: 'POST',
    path: '/api/friend/request',
    origin: 'https://evil.example',
    secFetchSite: 'cross-site',
    bearer: false,
    sessionCookie: true,
    ...over,
  })

  it.each<[string, Partial<CsrfRequest>, boolean]>([
    ['a cookie write from a foreign origin', {}, true],
    ['a cookie write from the API itself', { origin: SELF, secFetchSite: 'same-origin' }, false],
    ['a cookie write from an allowed origin', { origin: APP }, false],
    ['a cookie write with only Sec-Fetch-Site: cross-site', { origin: undefined }, true],
    [
      'a cookie write with only Sec-Fetch-Site: same-site',
      { origin: undefined, secFetchSite: 'same-site' },
      true,
    ],
    [
      'a cookie write with only Sec-Fetch-Site: same-origin',
      { origin: undefined, secFetchSite: 'same-origin' },
      false,
    ],
    ['a cookie write with neither header', { origin: undefined, secFetchSite: undefined }, false],
    ['a Bearer write from a foreign origin', { bearer: true }, false],
    ['a Bearer write that also carries the cookie', { bearer: true, sessionCookie: true }, false],
    ['a write without a cookie from a foreign origin', { sessionCookie: false }, false],
    ['a cookie read from a foreign origin', { method: 'GET', path: '/api/v1/me' }, false],
    ['a preflight from a foreign origin', { method: 'OPTIONS' }, false],
    [
      'a cross-site logout without a cookie',
      { method: 'GET', path: '/api/v1/logout', sessionCookie: false },
      true,
    ],
    ['a cross-site HEAD logout', { method: 'HEAD', path: '/api/v1/logout' }, true],
    [
      'a send-token navigation from another site',
      { method: 'GET', path: '/api/v1/send-token', origin: undefined },
      true,
    ],
    [
      'a resend-token fetch from an allowed origin',
      { method: 'GET', path: '/api/v1/resend-token', origin: APP },
      false,
    ],
    [
      'a logout typed into the address bar',
      { method: 'GET', path: '/api/v1/logout', origin: undefined, secFetchSite: 'none' },
      false,
    ],
    [
      'a Bearer send-token from a foreign origin',
      { method: 'GET', path: '/api/v1/send-token', bearer: true },
      false,
    ],
    [
      'a logout by a non-browser client',
      { method: 'GET', path: '/api/v1/logout', origin: undefined, secFetchSite: undefined },
      false,
    ],
  ])('%s → refused: %s', (_, over, expected) => {
    expect(refusedAsForgery(request(over), TRUSTED)).toBe(expected)
  })
})

const env = {
  APP_ENV: 'test',
  LOG_LEVEL: 'error',
  JWT_SECRET: 'c'.repeat(32),
  MONGODB_URI: 'mongodb://127.0.0.1:9',
  UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9',
  UPSTASH_REDIS_REST_TOKEN: 't',
  S3_BUCKET: 'media',
  S3_ACCESS_KEY_ID: 'a',
  S3_SECRET_ACCESS_KEY: 'b',
  SMTP_HOST: '127.0.0.1',
}

describe('trustedOrigins', () => {
  it('is the request URL’s origin, PUBLIC_BASE_URL’s, and the named CORS origins', () => {
    const config = parseConfig({
      ...env,
      PUBLIC_BASE_URL: 'https://public.example/base/',
      CORS_ORIGINS: 'https://app.example,https://admin.example',
    })
    expect(trustedOrigins('http://127.0.0.1:8787/api/v1/logout?x=1', config)).toEqual([
      'http://127.0.0.1:8787',
      'https://public.example',
      'https://app.example',
      'https://admin.example',
    ])
  })

  it("trusts no origin for CORS_ORIGINS '*' (CORS without credentials)", () => {
    const config = parseConfig({ ...env, CORS_ORIGINS: '*' })
    expect(trustedOrigins('https://api.example/x', config)).toEqual(['https://api.example'])
  })
})

describe('csrf middleware', () => {
  const config = parseConfig({ ...env, CORS_ORIGINS: APP })
  let ran = 0
  const app = new Hono<AppEnv>()
  app.use(requestId())
  app.use(async (c, next) => {
    c.set('config', config)
    await next()
  })
  app.use(csrf())
  app.post('/api/friend/request', (c) => (ran++, c.json({ success: true })))
  app.get('/api/v1/logout', (c) => (ran++, c.json({ success: true })))
  app.onError(renderError)

  const call = (method: string, path: string, headers: Record<string, string>) =>
    app.request(`${SELF}${path}`, { method, headers })

  it('refuses a foreign cookie write with 403 CSRF_REJECTED in the envelope, before the handler', async () => {
    const before = ran
    const res = await call('POST', '/api/friend/request', {
      cookie: 'token=abc',
      origin: 'https://evil.example',
      'content-type': 'application/json',
    })
    expect(res.status).toBe(403)
    expect(await res.json()).toEqual({
      success: false,
      code: 'CSRF_REJECTED',
      message: expect.any(String),
      requestId: res.headers.get('x-request-id'),
    })
    expect(ran).toBe(before)
  })

  it('reads the refresh cookie alone as a session', async () => {
    const res = await call('POST', '/api/friend/request', {
      cookie: 'refresh_token=r',
      'sec-fetch-site': 'cross-site',
    })
    expect(res.status).toBe(403)
  })

  it('refuses a cross-site HEAD or GET logout, cookie or not', async () => {
    const before = ran
    for (const method of ['GET', 'HEAD']) {
      const res = await call(method, '/api/v1/logout', { 'sec-fetch-site': 'cross-site' })
      expect(res.status).toBe(403)
    }
    expect(ran).toBe(before)
  })

  it('lets the same origin, an allowed origin, Bearer callers and non-browsers through', async () => {
    const before = ran
    const cases: Record<string, string>[] = [
      { cookie: 'token=abc', origin: SELF },
      { cookie: 'token=abc', origin: APP },
      { cookie: 'token=abc', 'sec-fetch-site': 'same-origin' },
      { cookie: 'token=abc', origin: 'https://evil.example', authorization: 'Bearer t' },
      { cookie: 'token=abc' },
      { origin: 'https://evil.example' },
    ]
    for (const headers of cases) {
      expect((await call('POST', '/api/friend/request', headers)).status).toBe(200)
    }
    expect(ran).toBe(before + cases.length)
  })

  it.each<[string, Record<string, string>, number]>([
    [
      'a malformed Authorization header is a cookie request',
      { cookie: 'token=abc', authorization: 'Basic abc', origin: 'https://evil.example' },
      403,
    ],
    [
      'a cookie value with broken percent-encoding is still a session',
      { cookie: 'token=%E0%A4%A; refresh_token', origin: 'https://evil.example' },
      403,
    ],
    [
      'an empty token cookie is no session',
      { cookie: ';;;==token=', 'sec-fetch-site': 'cross-site' },
      200,
    ],
  ])('%s', async (_, headers, status) => {
    const res = await call('POST', '/api/friend/request', headers)
    expect(res.status).toBe(status)
    if (status === 403) expect(await res.json()).toMatchObject({ code: 'CSRF_REJECTED' })
  })
})
