// Accounts with roles: host and speaker portals, the university flow, and role checks refusing
// every wrong role.
import { describe, expect, it } from 'vitest'
import { api } from '../harness/http'
import {
  freshIp,
  otpFromMail,
  registerRoleUser,
  setRole,
  signUpUser,
  uniqueEmail,
} from '../harness/users'

describe('host and speaker portals', () => {
  it.each(['host', 'speaker'] as const)('%s registers and signs in with its role', async (role) => {
    const account = await registerRoleUser(role)
    const me = await api('/api/auth/profile', { token: account.accessToken })
    expect(me.body.user.role).toBe(role.toUpperCase())
    const login = await api(`/api/${role}/auth/login`, {
      method: 'POST',
      json: { email: account.email, password: account.password },
      headers: { 'cf-connecting-ip': freshIp() },
    })
    expect(login.status).toBe(200)
  })

  it('refuses a plain user at the host login with the generic credentials error', async () => {
    const user = await signUpUser()
    const res = await api('/api/host/auth/login', {
      method: 'POST',
      json: { email: user.email, password: user.password },
      headers: { 'cf-connecting-ip': freshIp() },
    })
    expect(res.status).toBe(401)
    expect(res.body.message).toBe('Invalid email or password')
  })
})

describe('university accounts', () => {
  it('verify their email with a code, then sign in; unverified sign-in is refused', async () => {
    const email = uniqueEmail('uni')
    const headers = { 'cf-connecting-ip': freshIp() }
    const reg = await api('/api/university/auth/register', {
      method: 'POST',
      json: { email, password: 'campus password', name: 'Uni of Test' },
      headers,
    })
    expect(reg.status).toBe(201)
    const early = await api('/api/university/auth/login', {
      method: 'POST',
      json: { email, password: 'campus password' },
      headers,
    })
    expect(early.status).toBe(403)

    const verified = await api('/api/university/auth/verify-otp', {
      method: 'POST',
      // The challenge binds the code to this registration: its password stays.
      json: { email, otp: await otpFromMail(email), challenge: reg.body.challenge },
      headers,
    })
    expect(verified.status).toBe(200)
    expect(verified.body.user).toMatchObject({ role: 'UNIVERSITY', emailVerified: true })
    const login = await api('/api/university/auth/login', {
      method: 'POST',
      json: { email, password: 'campus password' },
      headers,
    })
    expect(login.status).toBe(200)
  })
})

describe('role checks', () => {
  it('admin routes refuse USER, HOST, SPEAKER and UNIVERSITY, and anonymous callers', async () => {
    const user = await signUpUser()
    expect((await api('/api/admin/users')).status).toBe(401)
    for (const role of ['USER', 'HOST', 'SPEAKER', 'UNIVERSITY']) {
      await setRole(user.id, role)
      const res = await api('/api/admin/users', { token: user.accessToken })
      expect(res.status, role).toBe(403)
      expect(res.body.code).toBe('FORBIDDEN')
    }
    await setRole(user.id, 'ADMIN')
    expect((await api('/api/admin/users', { token: user.accessToken })).status).toBe(200)
  })
})
