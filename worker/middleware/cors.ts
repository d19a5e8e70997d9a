// CORS from configuration. Credentials are allowed for the cookie-based Videodesk client, so a
// wildcard is never sent together with credentials: '*' means any origin, without cookies.
import type { MiddlewareHandler } from 'hono'
import { cors } from 'hono/cors'
import type { AppEnv } from '../env'

export const corsFromConfig = (): MiddlewareHandler<AppEnv> => {
  const handlers = new WeakMap<readonly string[], MiddlewareHandler>()
  return async function corsFromConfig(c, next) {
    const origins = c.get('config').CORS_ORIGINS
    let handler = handlers.get(origins)
    if (!handler) {
      handler =
        origins.length === 1 && origins[0] === '*'
          ? cors({ origin: '*', credentials: false, exposeHeaders: ['X-Request-Id'] })
          : cors({
              origin: (origin) => (origins.includes(origin) ? origin : null),
              credentials: true,
              exposeHeaders: ['X-Request-Id', 'Retry-After'],
              maxAge: 600,
            })
      handlers.set(origins, handler)
    }
    return handler(c, next)
  }
}
