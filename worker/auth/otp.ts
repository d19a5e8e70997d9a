// One-time codes sent by email: 6 random digits, stored only as a keyed hash in Redis with a TTL,
// at most OTP_MAX_ATTEMPTS tries (then the code is dead), and a resend cooldown per recipient.
import type { Redis } from '@upstash/redis/cloudflare'
import type { Config } from '../../shared/config'
import { AppError } from '../errors'
import { hmacSha256 } from './tokens'

export type OtpPurpose = 'signup' | 'login' | 'university' | 'phone-change' | 'email-proof'

const key = (purpose: OtpPurpose, subject: string) => `otp:${purpose}:${subject}`
const cooldownKey = (purpose: OtpPurpose, subject: string) => `otp-cooldown:${purpose}:${subject}`

function generateOtp(): string {
  // Rejection sampling keeps the 6 digits uniform.
  const buf = new Uint32Array(1)
  do crypto.getRandomValues(buf)
  while (buf[0]! >= 4_294_000_000)
  return String(buf[0]! % 1_000_000).padStart(6, '0')
}

/** Stores a new code for `subject` and answers it; refuses with 429 during the resend cooldown. */
export async function issueOtp(
  redis: Redis,
  config: Config,
  purpose: OtpPurpose,
  subject: string,
): Promise<string> {
  if (config.OTP_RESEND_COOLDOWN_SECONDS > 0) {
    const fresh = await redis.set(cooldownKey(purpose, subject), '1', {
      nx: true,
      ex: config.OTP_RESEND_COOLDOWN_SECONDS,
    })
    if (fresh !== 'OK') {
      const ttl = await redis.ttl(cooldownKey(purpose, subject))
      const wait = Math.max(ttl, 1)
      throw new AppError(
        'RATE_LIMITED',
        `Please wait ${wait} seconds before requesting another code`,
        undefined,
        {
          headers: { 'Retry-After': String(wait) },
        },
      )
    }
  }
  const code = generateOtp()
  const pipeline = redis.pipeline()
  pipeline.del(key(purpose, subject))
  pipeline.hset(key(purpose, subject), {
    hash: await hmacSha256(config.JWT_SECRET, `${purpose}:${subject}:${code}`),
    attempts: 0,
  })
  pipeline.expire(key(purpose, subject), config.OTP_EXPIRY_MINUTES * 60)
  await pipeline.exec()
  return code
}

/** Checks a code; a wrong one uses up an attempt, the right one is consumed. Throws on failure. */
export async function verifyOtp(
  redis: Redis,
  config: Config,
  purpose: OtpPurpose,
  subject: string,
  code: string,
): Promise<void> {
  const k = key(purpose, subject)
  // Counting the attempt before comparing keeps concurrent guesses from sharing one attempt.
  const [attempts, hash] = await redis
    .pipeline()
    .hincrby(k, 'attempts', 1)
    .hget<string>(k, 'hash')
    .exec<[number, string | null]>()
  if (!hash) {
    await redis.del(k)
    throw new AppError(
      'BAD_REQUEST',
      'The code has expired or was never requested; ask for a new one',
    )
  }
  if (attempts > config.OTP_MAX_ATTEMPTS) {
    await redis.del(k)
    throw new AppError('BAD_REQUEST', 'Too many wrong codes; ask for a new one')
  }
  const expected = await hmacSha256(config.JWT_SECRET, `${purpose}:${subject}:${code}`)
  if (expected !== hash) {
    const left = config.OTP_MAX_ATTEMPTS - attempts
    if (left <= 0) await redis.del(k)
    throw new AppError(
      'BAD_REQUEST',
      left > 0
        ? `Invalid code; ${left} attempt(s) left`
        : 'Too many wrong codes; ask for a new one',
    )
  }
  await redis.del(k)
}
