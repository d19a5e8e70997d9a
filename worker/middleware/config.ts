// Puts the request's validated configuration on the context (`c.get('config')`); a bad value
// refuses every request with a message naming the variable (see ../config.ts).
import type { MiddlewareHandler } from 'hono'
import { configFor } from '../config'
import type { AppEnv } from '../env'

export const loadConfig = (): MiddlewareHandler<AppEnv> => {
  return async function loadConfig(c, next) {
    c.set('config', configFor(c.env ?? {}))
    await next()
  }
}
