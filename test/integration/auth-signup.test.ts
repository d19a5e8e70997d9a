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

describe('passwords imported from the old systems', () => {
  it('verify a bcrypt hash and upgrade it to PBKDF2 on the first successful login', async () => {
    const bcrypt = (await import('bcryptjs')).default
    const { ObjectId } = await import('mongodb')
    const { testDb, uniqueEmail } = await import('../harness/users')
    const db = await testDb()
    const email = uniqueEmail('legacy')
    const _id = new ObjectId()
    await db.collection('users').insertOne({
      _id,
      email,
      name: 'Legacy',
      role: 'USER',
      passwordHash: await bcrypt.hash('old system password', 4),
      emailVerified: true,
      phoneVerified: false,
      isActive: true,
      profile: {},
      createdAt: new Date(),
      updatedAt: new Date(),
    })
    const wrong = await api('/api/auth/login', {
      method: 'POST',
      json: { email, password: 'not it at all' },
      headers: { 'cf-connecting-ip': freshIp() },
    })
    expect(wrong.status).toBe(401)
    expect((await db.collection('users').findOne({ _id }))!.passwordHash).toMatch(/^\$2[aby]\$/)

    const login = await api('/api/auth/login', {
      method: 'POST',
      json: { email, password: 'old system password' },
      headers: { 'cf-connecting-ip': freshIp() },
    })
    expect(login.status).toBe(200)
    const upgraded = (await db.collection('users').findOne({ _id }))!.passwordHash as string
    expect(upgraded).toMatch(/^pbkdf2-sha256\$100000\$/)
    const again = await api('/api/auth/login', {
      method: 'POST',
      json: { email, password: 'old system password' },
      headers: { 'cf-connecting-ip': freshIp() },
    })
    expect(again.status).toBe(200)
  })
})
