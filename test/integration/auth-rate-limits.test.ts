// Every sign-in rate limit triggers for the client or account that bursts, with Retry-After, and
// leaves other clients and accounts alone.
import { describe, expect, it } from 'vitest'
import { api } from '../harness/http'
import { freshIp, signUpUser, uniqueEmail } from '../harness/users'

const post = (path: string, json: unknown, ip: string) =>
  api(path, { method: 'POST', json, headers: { 'cf-connecting-ip': ip } })

async function burst(times: number, call: (i: number) => Promise<{ status: number }>) {
  const statuses: number[] = []
  for (let i = 0; i < times; i++) statuses.push((await call(i)).status)
  return statuses
}

describe('rate limits', () => {
  it('login: per client IP', async () => {
    const ip = freshIp()
    const statuses = await burst(11, () =>
      post('/api/auth/login', { email: uniqueEmail(), password: 'wrong-password' }, ip),
    )
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true)
    expect(statuses[10]).toBe(429)
    const blocked = await post('/api/auth/login', { email: uniqueEmail(), password: 'x' }, ip)
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(blocked.body.code).toBe('RATE_LIMITED')
    expect(
      (await post('/api/auth/login', { email: uniqueEmail(), password: 'x' }, freshIp())).status,
    ).toBe(401)
  })

  it('login: per account, whichever IPs the guesses come from', async () => {
    const victim = await signUpUser()
    const statuses = await burst(11, () =>
      post('/api/auth/login', { email: victim.email, password: 'guess-guess' }, freshIp()),
    )
    expect(statuses[10]).toBe(429)
    // The right password is refused too while the account is locked out…
    expect(
      (await post('/api/auth/login', { email: victim.email, password: victim.password }, freshIp()))
        .status,
    ).toBe(429)
    // …but other accounts are untouched.
    const bystander = await signUpUser()
    expect(
      (
        await post(
          '/api/auth/login',
          { email: bystander.email, password: bystander.password },
          freshIp(),
        )
      ).status,
    ).toBe(200)
  })

  it('OTP sending: per client IP', async () => {
    const ip = freshIp()
    const statuses = await burst(6, () =>
      post('/api/auth/send-otp-signup', { email: uniqueEmail() }, ip),
    )
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200])
    expect(statuses[5]).toBe(429)
    expect(
      (await post('/api/auth/send-otp-signup', { email: uniqueEmail() }, freshIp())).status,
    ).toBe(200)
  })

  it('OTP verification: per email', async () => {
    const email = uniqueEmail()
    await post('/api/auth/send-otp-signup', { email }, freshIp())
    const statuses = await burst(11, () =>
      post('/api/auth/verify-otp-signup', { email, otp: '000000' }, freshIp()),
    )
    expect(statuses[10]).toBe(429)
    expect(
      (
        await post(
          '/api/auth/verify-otp-signup',
          { email: uniqueEmail(), otp: '000000' },
          freshIp(),
        )
      ).status,
    ).toBe(400)
  })

  it('phone codes: per number', async () => {
    const phone = `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`
    const statuses = await burst(6, () => post('/send-otp', { phone }, freshIp()))
    expect(statuses[5]).toBe(429)
  })

  it('refresh: per client IP', async () => {
    const ip = freshIp()
    const statuses = await burst(31, () =>
      post('/api/auth/refresh-token', { refreshToken: 'y'.repeat(43) }, ip),
    )
    expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true)
    expect(statuses[30]).toBe(429)
  })
})
