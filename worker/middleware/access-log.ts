// One structured log line per request, with its id, status and duration.
import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../env'
import { log } from '../log'

export const accessLog = (): MiddlewareHandler<AppEnv> => {
  return async function accessLog(c, next) {
    const started = performance.now()
    await next()
    const status = c.res.status
    // Tests run with LOG_LEVEL=warn: request lines would bury the failures.
    const quiet = c.var.config?.LOG_LEVEL === 'warn' || c.var.config?.LOG_LEVEL === 'error'
    if (quiet && status < 500) return
    log(status >= 500 ? 'error' : 'info', 'request', {
      requestId: c.get('requestId'),
      method: c.req.method,
      path: c.req.path,
      status,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
    })
  }
}
