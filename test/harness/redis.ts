// The test run's Redis through the same Upstash REST API the Worker uses.
import { Redis } from '@upstash/redis'
import { inject } from 'vitest'

let redis: Redis | undefined
export function testRedis(): Redis {
  const vars = inject('workerVars')
  redis ??= new Redis({
    url: vars.UPSTASH_REDIS_REST_URL!,
    token: vars.UPSTASH_REDIS_REST_TOKEN!,
    responseEncoding: false,
  })
  return redis
}
