// Credentials the security suites present: a user's Bearer token, the transcoder's service token,
// and a fresh client IP on every request so per-IP rate limits never mask what is being tested.
import { SignJWT } from 'jose'
import { inject } from 'vitest'
import { SERVICE_TOKEN_AUDIENCE } from '../../../../shared/jobs'
import { freshIp } from '../../../harness/users'

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

export async function serviceToken(secret = inject('workerVars').TRANSCODER_SECRET!) {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setAudience(SERVICE_TOKEN_AUDIENCE)
    .setSubject('security-suite')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(secret))
}

export const fromFreshIp = (headers: Record<string, string> = {}) => ({
  ...headers,
  'cf-connecting-ip': freshIp(),
})

export const isInternal = (path: string) => path.startsWith('/internal/')
