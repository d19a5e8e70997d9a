// Phone verification through Twilio Verify, under the OTP rate limits, with Twilio failures
// turned into clear 4xx/503 answers.
import type { Context } from 'hono'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { clientIp, enforceRateLimit } from '../middleware/rate-limit'
import { SmsNotConfiguredError, TwilioError } from '../services/sms'
import { LIMITS } from './limits'

function translate(error: unknown): never {
  if (error instanceof SmsNotConfiguredError)
    throw new AppError('SERVICE_UNAVAILABLE', 'Phone verification is not configured')
  if (error instanceof TwilioError && error.status === 429) {
    throw new AppError(
      'RATE_LIMITED',
      'Too many verification attempts for this number; try again later',
    )
  }
  if (error instanceof TwilioError && error.status < 500)
    throw new AppError('BAD_REQUEST', error.message)
  throw new AppError(
    'SERVICE_UNAVAILABLE',
    'The SMS provider is unavailable, try again shortly',
    undefined,
    { cause: error },
  )
}

export function phoneVerification(c: Context<AppEnv>) {
  const sms = c.get('services').sms
  return {
    async send(phone: string) {
      await enforceRateLimit(c, LIMITS.otpSend, [`ip:${clientIp(c)}`, `phone:${phone}`])
      await sms.startVerification(phone).catch(translate)
    },
    /** Throws 400 when the code is wrong, expired or was never sent. */
    async check(phone: string, code: string) {
      await enforceRateLimit(c, LIMITS.otpVerify, [`ip:${clientIp(c)}`, `phone:${phone}`])
      const approved = await sms.checkVerification(phone, code).catch(translate)
      if (!approved) throw new AppError('BAD_REQUEST', 'Invalid or expired code')
    },
  }
}
