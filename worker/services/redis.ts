// Upstash Redis over its REST API: rate limits, OTP codes, caches and the transcoding job stream.
import { Redis, errors } from '@upstash/redis/cloudflare'
import { AppError } from '../errors'

export interface RedisOptions {
  url: string
  token: string
}

export function createRedis(opts: RedisOptions): Redis {
  const redis = new Redis({
    url: opts.url,
    token: opts.token,
    // The local emulator ignores base64 response encoding; plain JSON works against Upstash too.
    responseEncoding: false,
    // Retries would turn a dead Redis into a slow request instead of a clear 503.
    retry: false,
    enableTelemetry: false,
  })
  // Redis answering with an error is a bug to see as a 500; Redis not answering at all is an
  // outage the client should hear as a 503 and retry, whichever feature (limits, OTPs) hit it.
  redis.use(async (request, next) => {
    try {
      return await next(request)
    } catch (error) {
      if (error instanceof errors.UpstashError) throw error
      throw new AppError(
        'SERVICE_UNAVAILABLE',
        'Redis is unavailable, try again shortly',
        undefined,
        {
          cause: error,
        },
      )
    }
  })
  return redis
}
