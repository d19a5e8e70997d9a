import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { securityHeaders } from './security-headers'

function app() {
  const app = new Hono<AppEnv>()
  app.use(securityHeaders())
  app.get('/json', (c) => {
    c.header('X-Powered-By', 'Express')
    return c.json({ ok: true })
  })
  app.get('/own-referrer', (c) => {
    c.header('Referrer-Policy', 'no-referrer')
    return c.redirect('https://app.test/#tokens', 302)
  })
  app.get('/fails', () => {
    throw new AppError('FORBIDDEN', 'no')
  })
  app.onError((error, c) => c.json({ success: false }, (error as AppError).status as 403))
  return app
}

const get = (path: string, APP_ENV?: string) =>
  app().request(path, {}, APP_ENV === undefined ? {} : { APP_ENV })

describe('securityHeaders', () => {
  it.each(['/json', '/fails', '/missing'])(
    '%s: nosniff, a Referrer-Policy, no X-Powered-By',
    async (path) => {
      const res = await get(path, 'test')
      expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff')
      expect(res.headers.get('Referrer-Policy')).toBe('strict-origin-when-cross-origin')
      expect(res.headers.get('X-Powered-By')).toBeNull()
    },
  )

  it('sends HSTS in production only (APP_ENV unset means production)', async () => {
    expect((await get('/json', 'production')).headers.get('Strict-Transport-Security')).toBe(
      'max-age=31536000',
    )
    expect((await get('/fails')).headers.get('Strict-Transport-Security')).toBe('max-age=31536000')
    for (const env of ['development', 'test'])
      expect((await get('/json', env)).headers.get('Strict-Transport-Security')).toBeNull()
  })

  it("keeps a route's own Referrer-Policy", async () => {
    const res = await get('/own-referrer', 'production')
    expect(res.status).toBe(302)
    expect(res.headers.get('Referrer-Policy')).toBe('no-referrer')
    expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff')
  })

  it('leaves embedding and openers to the clients: no CORP, no COOP', async () => {
    const res = await get('/json', 'production')
    expect(res.headers.get('Cross-Origin-Resource-Policy')).toBeNull()
    expect(res.headers.get('Cross-Origin-Opener-Policy')).toBeNull()
  })
})
