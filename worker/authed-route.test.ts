// authedRoute and optionalAuthRoute: the middleware, security and responses each derives.
import { z } from '@hono/zod-openapi'
import { describe, expect, it } from 'vitest'
import { authedRoute, optionalAuthRoute } from './authed-route'
import { SESSION_SECURITY } from './openapi'
import type { MiddlewareHandler } from 'hono'

const base = { method: 'get', path: '/x', responses: { 200: { description: 'OK' } } } as const
const request = { params: z.object({ id: z.string() }) }
const names = (middleware: unknown) => (middleware as MiddlewareHandler[]).map((m) => m.name)
const statuses = (responses: object) => Object.keys(responses).sort()

describe('authedRoute', () => {
  it.each([
    { access: {}, middleware: ['protect'], responses: ['200', '401'] },
    {
      access: { role: 'ADMIN' as const },
      middleware: ['requireRole'],
      responses: ['200', '401', '403'],
    },
    {
      access: { role: ['HOST', 'SPEAKER'] as ('HOST' | 'SPEAKER')[] },
      middleware: ['requireRole'],
      responses: ['200', '401', '403'],
    },
    { access: { prefetch: () => undefined }, middleware: ['protect'], responses: ['200', '401'] },
  ])('guards with $middleware and answers $responses for $access', (row) => {
    const route = authedRoute({ ...base, ...row.access })
    expect(names(route.middleware)).toEqual(row.middleware)
    expect(route.security).toEqual(SESSION_SECURITY)
    expect(statuses(route.responses)).toEqual(row.responses)
    expect(route).not.toHaveProperty('role')
    expect(route).not.toHaveProperty('prefetch')
  })

  it('adds 400 when the route has a request to validate, and keeps the route’s own errors', () => {
    const route = authedRoute({
      ...base,
      request,
      responses: { ...base.responses, 404: { description: 'Missing' } },
    })
    expect(statuses(route.responses)).toEqual(['200', '400', '401', '404'])
    expect(route.responses[404]).toEqual({ description: 'Missing' })
  })

  it('lists both session schemes as alternatives', () => {
    expect(SESSION_SECURITY).toEqual([{ bearerAuth: [] }, { cookieAuth: [] }])
  })
})

describe('optionalAuthRoute', () => {
  it('runs `before` ahead of optionalAuth and declares no security', () => {
    const route = optionalAuthRoute({ ...base, before: [async function prefetch() {}] })
    expect(names(route.middleware)).toEqual(['prefetch', 'optionalAuth'])
    expect(route).not.toHaveProperty('security')
    expect(route).not.toHaveProperty('before')
    expect(statuses(route.responses)).toEqual(['200'])
  })

  it('adds 400 when the route has a request to validate', () => {
    expect(statuses(optionalAuthRoute({ ...base, request }).responses)).toEqual(['200', '400'])
  })
})
