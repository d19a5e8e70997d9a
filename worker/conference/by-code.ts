// Finding a running conference by its public code, with guessing limited: each client IP may miss
// a limited number of times per window, after which every lookup from it is refused for a while.
// Only misses count, so a whole venue joining from one NAT address is never slowed down.
import type { Context } from 'hono'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { log } from '../log'
import {
  clientIp,
  enforceRateLimit,
  refuseWhenOverLimit,
  type RateLimitRule,
} from '../middleware/rate-limit'
import { cachedConference, readOnce, rememberConference } from './code-cache'
import { adoptPendingRoom } from './room'
import { conferences, type ConferenceDoc } from './store'

export const CODE_MISS_LIMIT: RateLimitRule = { name: 'code-miss', limit: 30, window: '10 m' }

export async function openConferenceByCode(
  c: Context<AppEnv>,
  code: string,
): Promise<ConferenceDoc> {
  const keys = [`ip:${clientIp(c)}`]
  const now = Date.now()
  const { database } = c.get('services')
  // Side by side: this is a hot read, and the limit check must not add a round trip to it. With
  // Redis down the audience still joins (a venue mid-event matters more than a guessing window;
  // misses are still refused one by one): the limit fails open here, and only here.
  const [, doc] = await Promise.all([
    refuseWhenOverLimit(c, CODE_MISS_LIMIT, keys).catch(failOpenWhenRedisIsDown),
    cachedConference(code, now) ??
      readOnce(database, code, () =>
        database.db().then((db) => conferences(db).findOne({ publicCode: code })),
      ),
  ])
  if (!doc || doc.status === 'DRAFT') {
    await enforceRateLimit(c, CODE_MISS_LIMIT, keys).catch(failOpenWhenRedisIsDown)
    throw new AppError('NOT_FOUND', 'No conference with this code is open')
  }
  const adopted = await adoptPendingRoom(c, doc)
  rememberConference(code, adopted, now, c.get('config').CONFERENCE_CODE_CACHE_SECONDS * 1000)
  return adopted
}

function failOpenWhenRedisIsDown(error: unknown) {
  if (error instanceof AppError && error.code === 'SERVICE_UNAVAILABLE') {
    log('warn', 'code lookup limit skipped: Redis is unavailable')
    return
  }
  throw error
}
