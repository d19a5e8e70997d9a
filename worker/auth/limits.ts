// The rate-limit rules of every sign-in path, in one table (per client IP and per account).
import type { RateLimitRule } from '../middleware/rate-limit'

export const LIMITS = {
  login: { name: 'login', limit: 10, window: '15 m' },
  /** Registration without a code (its 409 says an email is taken): per IP and per email. */
  register: { name: 'register', limit: 5, window: '10 m' },
  otpSend: { name: 'otp-send', limit: 5, window: '10 m' },
  otpVerify: { name: 'otp-verify', limit: 10, window: '10 m' },
  passwordReset: { name: 'password-reset', limit: 5, window: '15 m' },
  google: { name: 'google', limit: 20, window: '10 m' },
  refresh: { name: 'refresh', limit: 30, window: '10 m' },
} satisfies Record<string, RateLimitRule>
