import { SignJWT, type JWTPayload } from 'jose'
import { describe, expect, it } from 'vitest'
import { verifyLegacyAccessToken } from './legacy-tokens'
import { InvalidAccessTokenError, signAccessToken } from './tokens'

const LEGACY = 'the old systems secret'
const USER = '64b7f0c2a1b2c3d4e5f60718'
const now = () => Math.floor(Date.now() / 1000)

function sign(payload: JWTPayload, secret = LEGACY, alg = 'HS256') {
  return new SignJWT(payload).setProtectedHeader({ alg }).sign(new TextEncoder().encode(secret))
}

const refusal = (secret: string | undefined, token: string) =>
  verifyLegacyAccessToken(secret, token).then(
    () => 'accepted',
    (error: unknown) => (error instanceof InvalidAccessTokenError ? error.reason : error),
  )

describe('verifyLegacyAccessToken', () => {
  it('answers who the token is for and when it was issued and expires', async () => {
    const iat = now() - 10
    const token = await sign({ id: USER, role: 'ADMIN', iat, exp: iat + 3600 })
    expect(await verifyLegacyAccessToken(LEGACY, token)).toEqual({
      userId: USER,
      issuedAt: iat,
      expiresAt: iat + 3600,
    })
  })

  it.each([
    ['no LEGACY_JWT_SECRET configured', undefined, { id: USER }, 'invalid'],
    ['expired', LEGACY, { id: USER, iat: now() - 7200, exp: now() - 3600 }, 'expired'],
    // Claims given `undefined` are left out of the token.
    ['without exp', LEGACY, { id: USER, exp: undefined }, 'invalid'],
    ['without iat', LEGACY, { id: USER, iat: undefined }, 'invalid'],
    ['no user id', LEGACY, { email: 'a@b.c' }, 'invalid'],
    ['a user id that is no ObjectId', LEGACY, { id: 'admin' }, 'invalid'],
    ['another key', 'another secret', { id: USER }, 'invalid'],
  ])('refuses a token: %s', async (_, secret, claims, reason) => {
    const token = await sign({ iat: now(), exp: now() + 3600, ...claims }, LEGACY)
    expect(await refusal(secret, token)).toBe(reason)
  })

  it('refuses another algorithm, and one of our own tokens even under the same key', async () => {
    expect(
      await refusal(LEGACY, await sign({ id: USER, iat: now(), exp: now() + 60 }, LEGACY, 'HS512')),
    ).toBe('invalid')
    const ours = await signAccessToken(LEGACY, { userId: USER, role: 'ADMIN', sessionId: USER }, 60)
    expect(await refusal(LEGACY, ours)).toBe('invalid')
  })
})
