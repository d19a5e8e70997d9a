// Access and refresh tokens: rotation, theft detection, logout, the device cap, deactivation, and
// tampered tokens — through the Worker in workerd.
import { SignJWT, UnsecuredJWT } from 'jose'
import { describe, expect, it, inject } from 'vitest'
import { api } from '../harness/http'
import { freshIp, loginAgain, setRole, signUpUser } from '../harness/users'

const refresh = (refreshToken: string) =>
  api('/api/auth/refresh-token', {
    method: 'POST',
    json: { refreshToken },
    headers: { 'cf-connecting-ip': freshIp() },
  })
const profile = (token: string) => api('/api/auth/profile', { token })

describe('refresh tokens', () => {
  it('rotates on every use: the new pair works, the old refresh token does not', async () => {
    const user = await signUpUser()
    const first = await refresh(user.refreshToken)
    expect(first.status).toBe(200)
    expect(first.body.refreshToken).not.toBe(user.refreshToken)
    expect((await profile(first.body.accessToken)).status).toBe(200)

    const second = await refresh(first.body.refreshToken)
    expect(second.status).toBe(200)
    expect(second.body.user.email).toBe(user.email)
  })

  it('revokes the whole family when a rotated token is presented again', async () => {
    const user = await signUpUser()
    const rotated = await refresh(user.refreshToken)
    expect(rotated.status).toBe(200)

    const replay = await refresh(user.refreshToken)
    expect(replay.status).toBe(401)
    expect(replay.body.message).toMatch(/already used/)

    // The thief's replay killed the legitimate holder's newer tokens too.
    expect((await refresh(rotated.body.refreshToken)).status).toBe(401)
    expect((await profile(rotated.body.accessToken)).status).toBe(401)
  })

  it('refuses unknown, malformed and operator-object refresh tokens', async () => {
    expect((await refresh('x'.repeat(43))).status).toBe(401)
    const operator = await api('/api/auth/refresh-token', {
      method: 'POST',
      json: { refreshToken: { $ne: null } },
    })
    expect(operator.status).toBe(400)
    expect(operator.body.code).toBe('VALIDATION_ERROR')
  })
})

describe('logout', () => {
  it("ends this device's session only", async () => {
    const user = await signUpUser()
    const otherDevice = await loginAgain(user)
    const out = await api('/api/auth/logout', {
      method: 'POST',
      token: user.accessToken,
      json: { refreshToken: user.refreshToken },
    })
    expect(out.status).toBe(200)
    expect((await profile(user.accessToken)).status).toBe(401)
    expect((await refresh(user.refreshToken)).status).toBe(401)
    expect((await profile(otherDevice.accessToken)).status).toBe(200)
  })

  it('works without a body, from the access token alone', async () => {
    const user = await signUpUser()
    expect(
      (await api('/api/auth/logout', { method: 'POST', token: user.accessToken })).status,
    ).toBe(200)
    expect((await profile(user.accessToken)).status).toBe(401)
  })
})

describe('device limit', () => {
  it('drops the oldest session when a sixth device signs in', async () => {
    const user = await signUpUser() // device 1
    const devices = [{ accessToken: user.accessToken, refreshToken: user.refreshToken }]
    for (let i = 0; i < 5; i++) devices.push(await loginAgain(user))
    expect((await profile(devices[0]!.accessToken)).status).toBe(401)
    expect((await refresh(devices[0]!.refreshToken)).status).toBe(401)
    for (const device of devices.slice(1))
      expect((await profile(device.accessToken)).status).toBe(200)
  })
})

describe('deactivated accounts', () => {
  it('stop working at once when an admin deactivates them, and cannot sign in', async () => {
    const admin = await signUpUser()
    await setRole(admin.id, 'ADMIN')
    const victim = await signUpUser()
    const res = await api(`/api/admin/users/${victim.id}`, {
      method: 'PATCH',
      token: admin.accessToken,
      json: { isActive: false },
    })
    expect(res.status).toBe(200)
    expect((await profile(victim.accessToken)).status).toBe(401)
    expect((await refresh(victim.refreshToken)).status).toBe(401)
    const login = await api('/api/auth/login', {
      method: 'POST',
      json: { email: victim.email, password: victim.password },
      headers: { 'cf-connecting-ip': freshIp() },
    })
    expect(login.status).toBe(403)
  })

  it('cannot be deactivated by a non-admin', async () => {
    const user = await signUpUser()
    const other = await signUpUser()
    const res = await api(`/api/admin/users/${other.id}`, {
      method: 'PATCH',
      token: user.accessToken,
      json: { isActive: false },
    })
    expect(res.status).toBe(403)
    expect((await profile(other.accessToken)).status).toBe(200)
  })
})

describe('tampered access tokens', () => {
  const secret = () => new TextEncoder().encode(inject('workerVars').JWT_SECRET!)
  const claims = (sid: string) => ({ role: 'ADMIN', sid, typ: 'access' })

  async function sessionOf(token: string) {
    return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sid as string
  }

  it('refuses a token whose payload was edited (signature no longer matches)', async () => {
    const user = await signUpUser()
    const [header, payload, signature] = user.accessToken.split('.')
    const edited = JSON.parse(Buffer.from(payload!, 'base64url').toString())
    edited.role = 'ADMIN'
    const forged = `${header}.${Buffer.from(JSON.stringify(edited)).toString('base64url')}.${signature}`
    expect((await profile(forged)).status).toBe(401)
  })

  it('refuses alg:none, a foreign key, an expired token and the wrong audience', async () => {
    const user = await signUpUser()
    const sid = await sessionOf(user.accessToken)
    const base = () =>
      new SignJWT(claims(sid))
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(user.id)
        .setIssuer('sanora')
        .setIssuedAt()
    const cases = {
      none: new UnsecuredJWT(claims(sid))
        .setSubject(user.id)
        .setIssuer('sanora')
        .setAudience('sanora-api')
        .setExpirationTime('1h')
        .encode(),
      foreignKey: await base()
        .setAudience('sanora-api')
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode('k'.repeat(64))),
      expired: await base()
        .setAudience('sanora-api')
        .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
        .sign(secret()),
      wrongAudience: await base().setAudience('another-api').setExpirationTime('1h').sign(secret()),
    }
    for (const [name, token] of Object.entries(cases)) {
      const res = await profile(token)
      expect(res.status, name).toBe(401)
      expect(res.body.code, name).toBe('UNAUTHORIZED')
    }
    // Control: the same construction with the right key and audience is accepted.
    const genuine = await base().setAudience('sanora-api').setExpirationTime('1h').sign(secret())
    expect((await profile(genuine)).status).toBe(200)
  })

  it('refuses a malformed Authorization header', async () => {
    const res = await api('/api/auth/profile', { headers: { authorization: 'Token abc' } })
    expect(res.status).toBe(401)
  })
})
