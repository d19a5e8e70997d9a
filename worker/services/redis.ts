// Upstash Redis over its REST API: rate limits, OTP codes, caches and the transcoding job stream.
import { Redis, errors } from '@upstash/redis/cloudflare'
import { AppError } from '../errors'

export interface RedisOptions {
  url: string
  token: string
}

/**
 * Clients by URL and token, shared by the requests an isolate serves: a client is a few strings
 * and a closure per Redis command (about 40 KB each time one is built), holds no connection or
 * pending promise (every command is its own fetch, made in the calling request), so one per
 * configuration serves them all. Bounded only against a process that cycles through many.
 */
const clients = new Map<string, Redis>()
const MAX_CLIENTS = 8

export function createRedis(opts: RedisOptions): Redis {
  const key = `${opts.url}\n${opts.token}`
  let redis = clients.get(key)
  if (!redis) {
    redis = newRedis(opts)
    if (clients.size >= MAX_CLIENTS) clients.delete(clients.keys().next().value!)
    clients.set(key, redis)
  }
  return redis
}

function newRedis(opts: RedisOptions): Redis {
  const redis = new Redis({
    url: opts.url,
    token: opts.token,
    // The local emulator ignores base64 response encoding; plain JSON works against Upstash too.
    responseEncoding: false,
    // Retries would turn a dead Redis into a slow request instead of a clear 503.
    retry: false,
    enableTelemetry: false,
    // Auto-pipelining batches concurrent commands into one fetch: that fetch would belong to
    // whichever request's command came first, and the others' promises would settle in it. It
    // also built a pipeline (another closure per command) for every client.
    enableAutoPipelining: false,
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
