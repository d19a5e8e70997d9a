// The app's cross-cutting behaviour in workerd: status, request ids, JSON 404, CORS, body limits,
// the route list and the OpenAPI document.
import { describe, expect, it } from 'vitest'
import { api } from '../harness/http'

describe('system routes', () => {
  it('answers the API status message at /', async () => {
    const res = await api('/')
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ success: true, message: 'Sanora API is running' })
  })

  it('puts a request id on every response, and keeps one the client sent', async () => {
    const fresh = await api('/')
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    const given = await api('/', { headers: { 'x-request-id': 'client-chosen-id' } })
    expect(given.headers.get('x-request-id')).toBe('client-chosen-id')
  })

  it('answers unknown routes with a JSON 404 in the error envelope', async () => {
    const res = await api('/api/no-such-thing', { method: 'POST' })
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toContain('application/json')
    expect(res.body).toEqual({
      success: false,
      code: 'NOT_FOUND',
      message: 'Route POST /api/no-such-thing not found',
      requestId: res.headers.get('x-request-id'),
    })
  })

  it('allows configured origins with credentials and never a wildcard', async () => {
    const preflight = await api('/api/health', {
      method: 'OPTIONS',
      headers: { origin: 'http://app.test', 'access-control-request-method': 'POST' },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://app.test')
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true')

    const stranger = await api('/', { headers: { origin: 'http://evil.test' } })
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('refuses bodies over the size limit with 413 in the envelope', async () => {
    const res = await api('/__dev/mail', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to: 'a@b.test', text: 'x'.repeat(1_100_000) }),
    })
    expect(res.status).toBe(413)
    expect(res.body).toMatchObject({ success: false, code: 'PAYLOAD_TOO_LARGE' })
  })

  it('lists every route at /api/debug/routes outside production', async () => {
    const res = await api('/api/debug/routes')
    expect(res.status).toBe(200)
    expect(res.body).toEqual(
      expect.arrayContaining([
        { method: 'GET', path: '/' },
        { method: 'GET', path: '/api/health' },
        { method: 'GET', path: '/api/realtime/:kind/:id' },
        { method: 'GET', path: '/api/openapi.json' },
      ]),
    )
  })

  it('serves an OpenAPI 3.1 document generated from the route schemas, and a reference page', async () => {
    const doc = await api('/api/openapi.json')
    expect(doc.status).toBe(200)
    expect(doc.body.openapi).toBe('3.1.0')
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/api/health', '/api/realtime/{kind}/{id}', '/__dev/mail']),
    )
    expect(
      doc.body.paths['/__dev/mail'].post.requestBody.content['application/json'].schema,
    ).toMatchObject({
      required: ['to'],
    })
    const page = await api('/api/docs')
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toContain('text/html')
    expect(String(page.body)).toContain('/api/openapi.json')
  })

  it('documents both ways into a session on every protected operation: bearer token and cookie', async () => {
    const doc = await api('/api/openapi.json')
    expect(doc.body.components.securitySchemes).toEqual({
      bearerAuth: { type: 'http', scheme: 'bearer' },
      cookieAuth: expect.objectContaining({ type: 'apiKey', in: 'cookie', name: 'token' }),
    })
    const operations = Object.values(
      doc.body.paths as Record<string, Record<string, { security?: unknown[] }>>,
    ).flatMap((path) => Object.values(path))
    const secured = operations.filter((op) => op.security?.length)
    expect(secured.length).toBeGreaterThan(100)
    for (const op of secured) {
      expect(op.security).toEqual([{ bearerAuth: [] }, { cookieAuth: [] }])
    }
  })
})

describe('validation errors', () => {
  it('lists each invalid field with its path and message', async () => {
    const res = await api('/__dev/mail', {
      method: 'POST',
      json: { to: 'not-an-email', subject: '', extra: 1 },
    })
    expect(res.status).toBe(400)
    expect(res.body.success).toBe(false)
    expect(res.body.code).toBe('VALIDATION_ERROR')
    const paths = res.body.details.map((d: { path: string }) => d.path)
    expect(paths).toEqual(expect.arrayContaining(['to', 'subject']))
    for (const detail of res.body.details) expect(typeof detail.message).toBe('string')
  })

  it('prefixes non-body fields with where they came from', async () => {
    const res = await api('/api/realtime/nowhere/abc?ticket=x')
    expect(res.status).toBe(400)
    expect(res.body.details).toEqual([expect.objectContaining({ path: 'param.kind' })])
  })

  it('answers malformed JSON with 400 in the envelope, not 500', async () => {
    const res = await api('/__dev/mail', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"to": ',
    })
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({ success: false, code: 'BAD_REQUEST' })
  })
})
