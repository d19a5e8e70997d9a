// Rate limits in Redis (@upstash/ratelimit, sliding window). A limiter names what it counts — the
// client's IP, an account, an email, a phone — and answers 429 with Retry-After when any is over.
import { Ratelimit } from '@upstash/ratelimit'
import type { Context } from 'hono'
import type { AppEnv } from '../env'
import { AppError } from '../errors'

type Duration = `${number} ${'s' | 'm' | 'h'}`

export interface RateLimitRule {
  /** Counter namespace, e.g. 'login'. */
  name: string
  limit: number
  window: Duration
}

/** The client address as Cloudflare reports it (it overwrites any value a client sends). */
export function clientIp(c: Context<AppEnv>): string {
  return c.req.header('cf-connecting-ip') ?? c.req.header('x-real-ip') ?? 'unknown'
}

function limiterFor(c: Context<AppEnv>, rule: RateLimitRule) {
  return new Ratelimit({
    redis: c.get('services').redis,
    limiter: Ratelimit.slidingWindow(rule.limit, rule.window),
    prefix: `rl:${rule.name}`,
    analytics: false,
    // An in-memory cache would outlive the request's isolate state assumptions and hide counts.
    ephemeralCache: false,
  })
}

function tooManyRequests(resets: number[]): AppError {
  const retryAfter = Math.max(1, Math.ceil((Math.max(...resets) - Date.now()) / 1000))
  return new AppError('RATE_LIMITED', 'Too many requests; try again later', undefined, {
    headers: { 'Retry-After': String(retryAfter) },
  })
}

/** Counts one hit on `rule` for each key; throws 429 when any key is over its limit. */
export async function enforceRateLimit(
  c: Context<AppEnv>,
  rule: RateLimitRule,
  keys: string[],
): Promise<void> {
  const limiter = limiterFor(c, rule)
  const results = await Promise.all(keys.map((k) => limiter.limit(k)))
  const blocked = results.filter((r) => !r.success)
  if (blocked.length > 0) throw tooManyRequests(blocked.map((r) => r.reset))
}

/**
 * Throws 429 when any key has already used up `rule`, without counting this request: for limits
 * that count only failures (wrong guesses), checked before the attempt and counted after a miss.
 */
export async function refuseWhenOverLimit(
  c: Context<AppEnv>,
  rule: RateLimitRule,
  keys: string[],
): Promise<void> {
  const limiter = limiterFor(c, rule)
  const results = await Promise.all(keys.map((k) => limiter.getRemaining(k)))
  const blocked = results.filter((r) => r.remaining <= 0)
  if (blocked.length > 0) throw tooManyRequests(blocked.map((r) => r.reset))
}
