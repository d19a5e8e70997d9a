// Sanora email sign-up and password sign-in, end to end through the Worker in workerd.
import { describe, expect, it } from 'vitest'
import { api } from '../harness/http'
import { freshIp, signUpUser } from '../harness/users'

describe('Sanora email sign-up', () => {
  it('signs up with a mailed code, then signs in and reads the profile', async () => {
    const user = await signUpUser({ name: 'Ada Lovelace' })
    const profile = await api('/api/auth/profile', { token: user.accessToken })
    expect(profile.status).toBe(200)
    expect(profile.body.user).toMatchObject({
      email: user.email,
      name: 'Ada Lovelace',
      role: 'USER',
      emailVerified: true,
    })
    expect(profile.body.user.passwordHash).toBeUndefined()

    const login = await api('/api/auth/login', {
      method: 'POST',
      json: { email: user.email.toUpperCase(), password: user.password },
      headers: { 'cf-connecting-ip': freshIp() },
    })
    expect(login.status).toBe(200)
    expect(login.body.accessToken).toEqual(expect.any(String))
  })
})
