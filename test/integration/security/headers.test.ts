// Security headers on what the running Worker answers: a sample of JSON routes, errors, 404s, a
// redirect and a refused WebSocket upgrade carry nosniff, a Referrer-Policy, no X-Powered-By and
// (APP_ENV=test) no HSTS; each HTML page of public/ and the API reference come through the Worker
// with their own Content-Security-Policy and frame-ancestors; the static scripts and styles carry
// nosniff. The
// production HSTS and PRESENTER_FRAME_ANCESTORS are held by the unit tests beside the builders
// (worker/middleware/security-headers.test.ts, worker/system/page-headers.test.ts).
import { readFileSync, readdirSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { api, workerUrl } from '../../harness/http'
import { freshIp, signUpUser } from '../../harness/users'
import { emptyCounts, writeCounts } from './lib/report'

const counts = emptyCounts()
counts.tried = { headerResponses: 0 }
afterAll(() => writeCounts('headers', counts))

const PUBLIC = fileURLToPath(new URL('../../../public/', import.meta.url))

function expectCommonHeaders(headers: Headers, what: string) {
  counts.tried.headerResponses! += 1
  expect(headers.get('x-content-type-options'), what).toBe('nosniff')
  expect(headers.get('referrer-policy'), what).toBe('strict-origin-when-cross-origin')
  expect(headers.get('x-powered-by'), what).toBeNull()
  // The test Worker runs with APP_ENV=test: no HSTS pinning a plain-HTTP host.
  expect(headers.get('strict-transport-security'), what).toBeNull()
}

/** A WebSocket upgrade request over raw HTTP, answering the refusal's status and headers. */
function upgrade(path: string): Promise<{ status: number; headers: Headers }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(path, workerUrl()), {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': Buffer.from('0123456789abcdef').toString('base64'),
      },
    })
    req.on('response', (res) => {
      res.resume()
      const headers = new Headers()
      for (const [name, value] of Object.entries(res.headers))
        if (typeof value === 'string') headers.set(name, value)
      resolve({ status: res.statusCode!, headers })
    })
    req.on('upgrade', () => reject(new Error('the upgrade was accepted')))
    req.on('error', reject)
    req.end()
  })
}

describe('API responses', () => {
  it('JSON answers, errors and 404s carry the headers', async () => {
    const user = await signUpUser()
    const cases: [string, Promise<{ status: number; headers: Headers }>, number][] = [
      ['root', api('/'), 200],
      ['profile', api('/api/auth/profile', { token: user.accessToken }), 200],
      ['conversations', api('/api/chat/conversations', { token: user.accessToken }), 200],
      ['anonymous', api('/api/chat/conversations'), 401],
      [
        'validation',
        api('/api/auth/login', {
          method: 'POST',
          json: { email: 'not an email' },
          headers: { 'cf-connecting-ip': freshIp() },
        }),
        400,
      ],
      ['unknown API route', api('/api/no-such-route'), 404],
      ['unknown path', api('/no-such-page'), 404],
    ]
    for (const [what, pending, status] of cases) {
      const res = await pending
      expect(res.status, what).toBe(status)
      expectCommonHeaders(res.headers, what)
    }
  })

  it('a redirect carries them (Google sign-in start)', async () => {
    const res = await api('/api/auth/google', { headers: { 'cf-connecting-ip': freshIp() } })
    expect(res.status).toBe(302)
    expectCommonHeaders(res.headers, 'google redirect')
  })

  it('a refused WebSocket upgrade carries them', async () => {
    const res = await upgrade('/api/realtime/chat/some-room?ticket=forged')
    expect(res.status).toBe(401)
    expectCommonHeaders(res.headers, 'refused upgrade')
  })
})

const PAGES = {
  host: { path: '/host', frameAncestors: ["'none'"], frameOptions: 'DENY' },
  join: { path: '/join?code=ABC123', frameAncestors: ["'none'"], frameOptions: 'DENY' },
  meeting: { path: '/meeting?room=r1', frameAncestors: ["'none'"], frameOptions: 'DENY' },
  // No PRESENTER_FRAME_ANCESTORS in the test Worker: this site only.
  present: { path: '/present?id=x', frameAncestors: ["'self'"], frameOptions: 'SAMEORIGIN' },
}

function directives(csp: string | null) {
  expect(csp).toBeTruthy()
  return new Map(
    csp!.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/)
      return [name!, values] as const
    }),
  )
}

describe('HTML pages', () => {
  it.each(Object.entries(PAGES))(
    '%s comes with its CSP and frame-ancestors',
    async (_page, page) => {
      const res = await fetch(new URL(page.path, workerUrl()), { redirect: 'manual' })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toMatch(/^text\/html/)
      expect(await res.text()).toContain('<!doctype html>')
      expectCommonHeaders(res.headers, page.path)
      const csp = directives(res.headers.get('content-security-policy'))
      expect(csp.get('frame-ancestors')).toEqual(page.frameAncestors)
      expect(res.headers.get('x-frame-options')).toBe(page.frameOptions)
      expect(csp.get('default-src')).toEqual(["'none'"])
      expect(csp.get('script-src')).toEqual(["'self'"])
      expect(csp.get('style-src')).toEqual(["'self'"])
      // The API and the room sockets on this same host.
      expect(csp.get('connect-src')).toEqual(["'self'", workerUrl().replace(/^http/, 'ws')])
    },
  )

  it.each(Object.keys(PAGES))(
    '/%s.html redirects to the page, with the same headers',
    async (page) => {
      const res = await fetch(new URL(`/${page}.html?a=1`, workerUrl()), { redirect: 'manual' })
      expect(res.status).toBe(307)
      expect(res.headers.get('location')).toBe(`/${page}?a=1`)
      expectCommonHeaders(res.headers, `/${page}.html`)
      expect(directives(res.headers.get('content-security-policy')).get('frame-ancestors')).toEqual(
        PAGES[page as keyof typeof PAGES].frameAncestors,
      )
    },
  )

  it('the pages have no inline script or style for the CSP to refuse', () => {
    const pages = readdirSync(PUBLIC).filter((f) => f.endsWith('.html'))
    expect(pages.map((f) => f.replace('.html', '')).sort()).toEqual(Object.keys(PAGES).sort())
    for (const file of pages) {
      const html = readFileSync(PUBLIC + file, 'utf8')
      for (const script of html.match(/<script\b[^>]*>/g) ?? [])
        expect(script, file).toMatch(/\ssrc="\/assets\//)
      expect(html, file).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i)
    }
  })

  it("the API reference loads only this site's assets, nothing inline, under its own CSP", async () => {
    const res = await fetch(new URL('/api/docs', workerUrl()))
    expect(res.status).toBe(200)
    const html = await res.text()
    expectCommonHeaders(res.headers, '/api/docs')
    const csp = directives(res.headers.get('content-security-policy'))
    expect(csp.get('default-src')).toEqual(["'none'"])
    expect(csp.get('script-src')).toEqual(["'self'"])
    expect(csp.get('style-src')).toEqual(["'self'"])
    // Swagger UI's icons are data: URIs in its stylesheet.
    expect(csp.get('img-src')).toEqual(["'self'", 'data:'])
    expect(csp.get('frame-ancestors')).toEqual(["'none'"])
    const tags = html.match(/<(script|link)\b[^>]*>/g) ?? []
    expect(tags.length).toBeGreaterThan(0)
    for (const tag of tags) expect(tag).toMatch(/\s(src|href)="\/assets\//)
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i)
  })

  it("the realtime reference loads only this site's assets, nothing inline; only its scripts may eval", async () => {
    const res = await fetch(new URL('/api/asyncapi', workerUrl()))
    expect(res.status).toBe(200)
    const html = await res.text()
    expectCommonHeaders(res.headers, '/api/asyncapi')
    const csp = directives(res.headers.get('content-security-policy'))
    expect(csp.get('default-src')).toEqual(["'none'"])
    // The renderer's bundled parser compiles its JSON Schema validators (worker/system/page-headers.ts).
    expect(csp.get('script-src')).toEqual(["'self'", "'unsafe-eval'"])
    expect(csp.get('style-src')).toEqual(["'self'"])
    expect(csp.get('frame-ancestors')).toEqual(["'none'"])
    const tags = html.match(/<(script|link)\b[^>]*>/g) ?? []
    expect(tags.length).toBeGreaterThan(0)
    for (const tag of tags) expect(tag).toMatch(/\s(src|href)="\/assets\//)
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i)
  })

  it('their scripts and stylesheets carry nosniff', async () => {
    for (const asset of [
      '/assets/app.css',
      '/assets/room-client.js',
      '/assets/meeting.js',
      '/assets/api-docs.js',
      '/assets/swagger-ui/swagger-ui-bundle.js',
      '/assets/swagger-ui/swagger-ui.css',
      '/assets/asyncapi-docs.js',
      '/assets/asyncapi/index.js',
      '/assets/asyncapi/default.min.css',
    ]) {
      const res = await fetch(new URL(asset, workerUrl()))
      expect(res.status, asset).toBe(200)
      await res.arrayBuffer()
      expectCommonHeaders(res.headers, asset)
    }
  })
})
