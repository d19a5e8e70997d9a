// A valid request for each route of the policy table, aimed at the security world's real ids and
// carrying a sample body: what the authorization and CSRF matrices send.
import { randomUUID } from 'node:crypto'
import type { AuthzWorld, RoutePolicy } from '../route-policy'
import { sample } from './bad-inputs'
import { paramFor } from './fuzz-routes'
import type { Operation } from './openapi'
import { ownedParam } from './owned-world'

// Routes with no OpenAPI entry: enough of an operation to build their requests.
const UNDOCUMENTED: Record<string, Partial<Operation>> = {
  'GET /api/media/:id/hls/:file': { path: '/api/media/:id/hls/:file' },
}

export function routeRequests(world: AuthzWorld, operations: Operation[]) {
  const ops = new Map(operations.map((op) => [op.key, op]))

  /** The route's OpenAPI operation, or the little known of an undocumented one. */
  function operation(key: string): Operation {
    const known = ops.get(key)
    if (known) return known
    const [method, path] = key.split(' ') as [string, string]
    return {
      key,
      method,
      path,
      parameters: [],
      bodyRequired: false,
      secured: false,
      ...UNDOCUMENTED[key],
    }
  }

  /** The route's request with the world's real ids and a valid body. */
  function requestFor(key: string, policy: RoutePolicy) {
    const op = operation(key)
    const param = paramFor(world)
    const path = op.path.replace(/:(\w+)/g, (_, name: string) => {
      if (name === 'qaId') return randomUUID()
      if (name === 'file') return 'index.m3u8'
      return encodeURIComponent(ownedParam(world, op, name) ?? param(op, name))
    })
    const body = policy.body?.(world) ?? (op.body ? sample(op.body) : undefined)
    const headers: Record<string, string> = {}
    for (const p of op.parameters.filter((p) => p.in === 'header' && p.required))
      headers[p.name] = String(sample(p.schema))
    if (body !== undefined) headers['content-type'] = 'application/json'
    return {
      method: op.method,
      req: {
        label: key,
        path,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      },
    }
  }

  return { operation, requestFor }
}
