// Puts the request's services on the context and releases them after the response is sent.
import type { MiddlewareHandler } from 'hono'
import type { Config } from '../../shared/config'
import type { AppEnv } from '../env'
import type { Services } from '../services'

export const provideServices = (build: (config: Config) => Services): MiddlewareHandler<AppEnv> => {
  return async function provideServices(c, next) {
    const services = build(c.get('config'))
    c.set('services', services)
    try {
      await next()
    } finally {
      const closing = services.dispose().catch(() => undefined)
      // In workerd the client is closed after the response; in Node there is no execution context.
      try {
        c.executionCtx.waitUntil(closing)
      } catch {
        await closing
      }
    }
  }
}
