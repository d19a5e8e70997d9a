// Sends hot REST reads to one of a few Durable Objects that keep MongoDB connections open. The
// whole request moves, not each query: one hop to the object (in production, placed near the
// database) and every query of the request then runs on warm connections next to it.
import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../env'
import { isHotRoute } from './hot-routes'

export const forwardHotRoutes = (): MiddlewareHandler<AppEnv> => {
  return async function forwardHotRoutes(c, next) {
    const objects = c.get('config').MONGODB_WARM_POOL_OBJECTS
    const namespace = c.env?.WARM_API
    if (
      objects === 0 ||
      !namespace ||
      c.req.header('upgrade') !== undefined ||
      !isHotRoute(c.req.method, c.req.path)
    ) {
      return next()
    }
    // Spread over the pool at random: requests carry no affinity, and each object's connections
    // are shared by every request it serves.
    const name = `warm-${Math.floor(Math.random() * objects)}`
    const headers = new Headers(c.req.raw.headers)
    headers.set('x-request-id', c.get('requestId'))
    const stub = namespace.get(namespace.idFromName(name))
    // A body (a join's few bytes) goes over read in full: streamed, the object could answer before
    // reading it (a refusal, or a route that never needs it), and the stream then failed the
    // Worker's whole request.
    const body = c.req.method === 'GET' ? undefined : await c.req.arrayBuffer()
    const response = await stub.fetch(
      new Request(c.req.url, { method: c.req.method, headers, body }),
    )
    // A fetched response's headers are immutable; outer middleware still adds its own.
    c.res = new Response(response.body, response)
  }
}
