// Guards the internal API the transcoder reports to: an HS256 token signed with TRANSCODER_SECRET,
// audience `sanora-internal`, short-lived. Nothing else reaches these routes.
import type { MiddlewareHandler } from 'hono'
import { jwtVerify } from 'jose'
import { SERVICE_TOKEN_AUDIENCE } from '../../shared/jobs'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { hmacKey } from '../auth/hmac-key'

export const serviceToken = (): MiddlewareHandler<AppEnv> => {
  return async function serviceToken(c, next) {
    const secret = c.get('config').TRANSCODER_SECRET
    if (!secret)
      throw new AppError(
        'SERVICE_UNAVAILABLE',
        'The transcoder is not configured (TRANSCODER_SECRET)',
      )
    const match = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')
    if (!match) throw new AppError('UNAUTHORIZED', 'Service token required')
    try {
      await jwtVerify(match[1]!, await hmacKey(secret), {
        audience: SERVICE_TOKEN_AUDIENCE,
        algorithms: ['HS256'],
        maxTokenAge: '10m',
      })
    } catch {
      throw new AppError('UNAUTHORIZED', 'Invalid service token')
    }
    await next()
  }
}
