// Refuses request bodies over the configured size with 413, before any handler reads them.
import type { MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { AppEnv } from '../env'
import { AppError } from '../errors'

export const bodySize = (override?: number): MiddlewareHandler<AppEnv> => {
  return async function bodySize(c, next) {
    const maxSize = override ?? c.get('config').MAX_BODY_BYTES
    return bodyLimit({
      maxSize,
      onError: () => {
        throw new AppError('PAYLOAD_TOO_LARGE', `Request body exceeds ${maxSize} bytes`)
      },
    })(c, next)
  }
}
