// Email one-time codes for Sanora sign-up: expiry, attempt limit, resend cooldown, and what
// sign-up refuses. Codes are read from the captured mail, as a person would read their inbox.
import { describe, expect, it } from 'vitest'
import { api } from '../harness/http'
import { testRedis } from '../harness/redis'
import { freshIp, otpFromMail, signUpUser, uniqueEmail } from '../harness/users'

function client() {
  const headers = { 'cf-connecting-ip': freshIp() }
  return {
    send: (email: string) =>
      api('/api/auth/send-otp-signup', { method: 'POST', json: { email }, headers }),
    verify: (email: string, otp: string) =>
      api('/api/auth/verify-otp-signup', { method: 'POST', json: { email, otp }, headers }),
    signup: (body: object) => api('/api/auth/signup', { method: 'POST', json: body, headers }),
  }
}

const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0')

describe('sign-up codes', () => {
  it('are six digits, mailed, and single-use', async () => {
    const c = client()
    const email = uniqueEmail()
    expect((await c.send(email)).status).toBe(200)
    const otp = await otpFromMail(email)
    expect(otp).toMatch(/^\d{6}$/)
    expect((await c.verify(email, otp)).status).toBe(200)
    const again = await c.verify(email, otp)
    expect(again.status).toBe(400)
    expect(again.body.message).toMatch(/expired or was never requested/)
  })

  it('expire after OTP_EXPIRY_MINUTES', async () => {
    const c = client()
    const email = uniqueEmail()
    await c.send(email)
    const otp = await otpFromMail(email)
    const ttl = await testRedis().ttl(`otp:signup:${email}`)
    expect(ttl).toBeGreaterThan(240) // 5 minutes by default
    expect(ttl).toBeLessThanOrEqual(300)
    await testRedis().pexpire(`otp:signup:${email}`, 1) // let the clock run out
    // Gone from Redis is what "expired" means to the Worker: wait for that, not for a while.
    await expect
      .poll(() => testRedis().exists(`otp:signup:${email}`), { timeout: 1000, interval: 5 })
      .toBe(0)
    const res = await c.verify(email, otp)
    expect(res.status).toBe(400)
    expect(res.body.message).toMatch(/expired/)
  })

  it('die after five wrong attempts, even when the right code follows', async () => {
    const c = client()
    const email = uniqueEmail()
    await c.send(email)
    const otp = await otpFromMail(email)
    for (let i = 1; i <= 5; i++) {
      const res = await c.verify(email, wrong(otp))
      expect(res.status).toBe(400)
    }
    const res = await c.verify(email, otp)
    expect(res.status).toBe(400)
    expect(res.body.message).toMatch(/expired or was never requested|Too many/)
  })

  it('cannot be re-sent during the cooldown, which names the wait', async () => {
    const c = client()
    const email = uniqueEmail()
    expect((await c.send(email)).status).toBe(200)
    const again = await c.send(email)
    expect(again.status).toBe(429)
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(0)
  })
})

describe('sign-up', () => {
  it('is refused for an email that was never verified', async () => {
    const res = await client().signup({
      email: uniqueEmail(),
      password: 'long enough pw',
      name: 'X',
    })
    expect(res.status).toBe(403)
    expect(res.body.code).toBe('FORBIDDEN')
  })

  it('is refused with 409 for an email that already has an account', async () => {
    const existing = await signUpUser()
    const c = client()
    await testRedis().del(`otp-cooldown:signup:${existing.email}`)
    await c.send(existing.email)
    await c.verify(existing.email, await otpFromMail(existing.email))
    const res = await c.signup({
      email: existing.email,
      password: 'another password',
      name: 'Twin',
    })
    expect(res.status).toBe(409)
    expect(res.body.code).toBe('CONFLICT')
  })

  it('validates each field and names it', async () => {
    const res = await client().signup({ email: 'nope', password: 'short', name: '' })
    expect(res.status).toBe(400)
    expect(res.body.details.map((d: { path: string }) => d.path).sort()).toEqual([
      'email',
      'name',
      'password',
    ])
  })
})

describe('NoSQL operator injection', () => {
  it.each([
    ['/api/auth/login', { email: { $ne: null }, password: 'x' }],
    ['/api/auth/login', { email: 'a@b.test', password: { $gt: '' } }],
    ['/api/auth/send-otp-signup', { email: { $regex: '.*' } }],
    ['/api/auth/verify-otp-signup', { email: 'a@b.test', otp: { $ne: '000000' } }],
    [
      '/api/auth/signup',
      { email: 'a@b.test', password: 'long enough', name: { $where: 'sleep(100)' } },
    ],
  ])('%s refuses operator objects with 400', async (path, body) => {
    const res = await api(path, {
      method: 'POST',
      json: body,
      headers: { 'cf-connecting-ip': freshIp() },
    })
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({ success: false, code: 'VALIDATION_ERROR' })
  })
})

describe('login errors', () => {
  it('do not reveal whether the email exists', async () => {
    const user = await signUpUser()
    const headers = { 'cf-connecting-ip': freshIp() }
    const wrongPassword = await api('/api/auth/login', {
      method: 'POST',
      json: { email: user.email, password: 'wrong-password' },
      headers,
    })
    const unknownEmail = await api('/api/auth/login', {
      method: 'POST',
      json: { email: uniqueEmail(), password: 'wrong-password' },
      headers,
    })
    expect(wrongPassword.status).toBe(401)
    const strip = (b: any) => ({ ...b, requestId: undefined })
    expect(strip(unknownEmail.body)).toEqual(strip(wrongPassword.body))
    expect(unknownEmail.status).toBe(wrongPassword.status)
  })
})
