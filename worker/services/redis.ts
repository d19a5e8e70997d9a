// Upstash Redis over its REST API: rate limits, OTP codes, caches and the transcoding job stream.
import { Redis } from '@upstash/redis/cloudflare'

export interface RedisOptions {
  url: string
  token: string
}

export function createRedis(opts: RedisOptions): Redis {
  return new Redis({
    url: opts.url,
    token: opts.token,
    // The local emulator ignores base64 response encoding; plain JSON works against Upstash too.
    responseEncoding: false,
    // Retries would turn a dead Redis into a slow request instead of a clear 503.
    retry: false,
    enableTelemetry: false,
  })
}
