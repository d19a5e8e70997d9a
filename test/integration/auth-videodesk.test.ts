// The Videodesk sign-in surface (/api/v1) as its browser client uses it: cookies carried by hand,
// codes and reset links read from the captured mail, through the Worker in workerd.
import { createHash } from 'node:crypto'
import { SignJWT } from 'jose'
import { ObjectId } from 'mongodb'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import { readMail } from '../harness/capture'
import { api, workerUrl, type ApiResponse } from '../harness/http'
import { testRedis } from '../harness/redis'
import { freshIp, otpFromMail, resetTokenFromMail, testDb, uniqueEmail } from '../harness/users'

interface SetCookie {
  name: string
  value: string
  /** Attribute names lower-cased; flag attributes map to ''. */
  attrs: Map<string, string>
}

function parseSetCookie(header: string): SetCookie {
  const [pair, ...attrs] = header.split(';').map((p) => p.trim())
  const eq = pair!.indexOf('=')
  return {
    name: pair!.slice(0, eq),
    value: pair!.slice(eq + 1),
    attrs: new Map(
      attrs.map((a) => {
        const i = a.indexOf('=')
        return i < 0 ? [a.toLowerCase(), ''] : [a.slice(0, i).toLowerCase(), a.slice(i + 1)]
      }),
    ),
  }
}

/** One browser: its own client IP and a cookie jar kept the way a browser would keep it. */
class Device {
  readonly ip = freshIp()
  readonly jar = new Map<string, string>()
  setCookies: SetCookie[] = []

  async call(
    path: string,
    init: {
      method?: string
      json?: unknown
      token?: string
      headers?: Record<string, string>
    } = {},
  ): Promise<ApiResponse> {
    const headers: Record<string, string> = { 'cf-connecting-ip': this.ip, ...init.headers }
    if (this.jar.size > 0 && !headers.cookie) headers.cookie = cookieHeader(this.jar)
    const res = await api(path, { ...init, headers })
    this.setCookies = res.headers.getSetCookie().map(parseSetCookie)
    for (const cookie of this.setCookies) {
      if (cookie.value === '' || cookie.attrs.get('max-age') === '0') this.jar.delete(cookie.name)
      else this.jar.set(cookie.name, cookie.value)
    }
    return res
  }

  cookie(name: string) {
    return this.setCookies.find((c) => c.name === name)
  }
}

const cookieHeader = (jar: Map<string, string>) =>
  [...jar].map(([name, value]) => `${name}=${value}`).join('; ')

const post = (d: Device, path: string, json: unknown) => d.call(path, { method: 'POST', json })
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0')
const withoutRequestId = ({ requestId: _, ...rest }: Record<string, unknown>) => rest
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

/** Lets the next code be sent at once, as if the resend cooldown had run out. */
const skipOtpCooldown = (email: string) => testRedis().del(`otp-cooldown:login:${email}`)

interface Account {
  email: string
  password: string
  device: Device
  accessToken: string
  userId: string
}

/** register → code from the mail → verify, on a fresh device. */
async function registerAndVerify(password = 'correct horse battery'): Promise<Account> {
  const device = new Device()
  const email = uniqueEmail('vd')
  const reg = await post(device, '/api/v1/register', { email, password })
  expect(reg.status, JSON.stringify(reg.body)).toBe(201)
  const verified = await post(device, '/api/v1/verify', { email, otp: await otpFromMail(email) })
  expect(verified.status, JSON.stringify(verified.body)).toBe(200)
  return {
    email,
    password,
    device,
    accessToken: verified.body.accessToken,
    userId: verified.body.user.id,
  }
}

/** Signs `email` in on a new device: login → the newest code → verify. */
async function signInOnNewDevice(email: string, password: string): Promise<Device> {
  const device = new Device()
  await skipOtpCooldown(email)
  const [previous] = await readMail(email)
  const login = await post(device, '/api/v1/login', { email, password })
  expect(login.status, JSON.stringify(login.body)).toBe(200)
  const otp = await otpFromMail(email, /\b(\d{6})\b/.exec(previous?.text ?? '')?.[1])
  expect((await post(device, '/api/v1/verify', { email, otp })).status).toBe(200)
  return device
}

async function loginStatus(email: string, password: string) {
  await skipOtpCooldown(email)
  const res = await post(new Device(), '/api/v1/login', { email, password })
  if (res.status !== 200 && res.status !== 401)
    throw new Error(`login: ${res.status} ${JSON.stringify(res.body)}`)
  return res.status
}

/** The token of the newest reset link mailed to `email` that is not `previous`. */
// The Worker's first request loads the whole bundle; on a busy machine that can outlast the 3 s
// MongoDB server-selection timeout and turn the first test's register into a 503.
beforeAll(async () => {
  await api('/api/health')
})

describe('register, verify, cookie session, logout', () => {
  it('signs in with the mailed code and an httpOnly cookie, and signs out for good', async () => {
    const device = new Device()
    const email = uniqueEmail('vd')
    const reg = await post(device, '/api/v1/register', {
      email,
      password: 'correct horse battery',
      name: 'Vera Desk',
    })
    expect(reg.status).toBe(201)
    expect(reg.body).toMatchObject({ success: true, message: expect.any(String) })
    const stored = await (await testDb()).collection('users').findOne({ email })
    expect(stored).toMatchObject({ emailVerified: false, role: 'USER', name: 'Vera Desk' })

    const otp = await otpFromMail(email)
    const verified = await post(device, '/api/v1/verify', { email, otp })
    expect(verified.status).toBe(200)
    expect(verified.body).toMatchObject({
      success: true,
      user: { email, emailVerified: true, name: 'Vera Desk' },
      accessToken: expect.any(String),
    })
    expect(verified.body.refreshToken).toBeUndefined()
    expect(verified.body.user.passwordHash).toBeUndefined()

    const token = device.cookie('token')!
    expect(token.value).toBe(verified.body.accessToken)
    expect(token.attrs.has('httponly')).toBe(true)
    expect(token.attrs.get('samesite')).toBe('Lax')
    expect(token.attrs.get('path')).toBe('/')
    expect(token.attrs.has('secure')).toBe(false)
    expect(Number(token.attrs.get('max-age'))).toBeGreaterThan(0)
    const refresh = device.cookie('refresh_token')!
    expect(refresh.attrs.has('httponly')).toBe(true)
    expect(refresh.attrs.has('secure')).toBe(false)

    const me = await device.call('/api/v1/me')
    expect(me.status).toBe(200)
    expect(me.body).toMatchObject({ success: true, user: { email } })
    // Non-browser clients use the access token from the body instead.
    expect((await api('/api/v1/me', { token: verified.body.accessToken })).status).toBe(200)

    const oldCookies = cookieHeader(device.jar)
    const out = await device.call('/api/v1/logout')
    expect(out.status).toBe(200)
    expect(out.body).toMatchObject({ success: true })
    for (const name of ['token', 'refresh_token']) {
      const cleared = device.cookie(name)!
      expect(cleared.attrs.get('max-age')).toBe('0')
      expect(cleared.attrs.get('path')).toBe('/')
    }
    expect(device.jar.size).toBe(0)

    expect((await device.call('/api/v1/me')).status).toBe(401)
    const replay = await device.call('/api/v1/me', { headers: { cookie: oldCookies } })
    expect(replay.status).toBe(401)
    expect(replay.headers.getSetCookie()).toEqual([])
  })

  it('answers 200 to logout when already signed out', async () => {
    const res = await new Device().call('/api/v1/logout')
    expect(res.status).toBe(200)
    expect(res.headers.getSetCookie().length).toBe(2)
  })

  it('revokes the session from the refresh cookie alone once the access cookie has gone', async () => {
    const { device } = await registerAndVerify()
    const refreshOnly = `refresh_token=${device.jar.get('refresh_token')}`
    expect((await device.call('/api/v1/logout', { headers: { cookie: refreshOnly } })).status).toBe(
      200,
    )
    expect((await device.call('/api/v1/me', { headers: { cookie: refreshOnly } })).status).toBe(401)
  })

  it('refuses a second account for the same email with 409', async () => {
    const { email } = await registerAndVerify()
    const again = await post(new Device(), '/api/v1/register', { email, password: 'another one!' })
    expect(again.status).toBe(409)
    expect(again.body.code).toBe('CONFLICT')
  })
})

describe('login', () => {
  it('checks the password, then mails a fresh code that signs in; a wrong code is a 400', async () => {
    const { email, password } = await registerAndVerify()
    await skipOtpCooldown(email)
    const [previous] = await readMail(email)
    const device = new Device()
    const login = await post(device, '/api/v1/login', { email, password })
    expect(login.status).toBe(200)
    expect(login.body).toMatchObject({ success: true, message: expect.any(String) })
    expect(login.body.accessToken).toBeUndefined()
    expect(login.headers.getSetCookie()).toEqual([])

    const otp = await otpFromMail(email, /\b(\d{6})\b/.exec(previous.text)?.[1])
    const bad = await post(device, '/api/v1/verify', { email, otp: wrong(otp) })
    expect(bad.status).toBe(400)
    expect(bad.body.success).toBe(false)
    expect(device.jar.size).toBe(0)

    expect((await post(device, '/api/v1/verify', { email, otp })).status).toBe(200)
    expect((await device.call('/api/v1/me')).status).toBe(200)
  })

  it('answers a wrong password and an unknown email identically', async () => {
    const { email } = await registerAndVerify()
    const wrongPassword = await post(new Device(), '/api/v1/login', {
      email,
      password: 'not the password',
    })
    const unknown = await post(new Device(), '/api/v1/login', {
      email: uniqueEmail('nobody'),
      password: 'not the password',
    })
    expect(wrongPassword.status).toBe(401)
    expect(unknown.status).toBe(wrongPassword.status)
    expect(withoutRequestId(unknown.body)).toEqual(withoutRequestId(wrongPassword.body))
  })
})

describe('silent renewal from the refresh cookie', () => {
  it('renews an expired or garbage access cookie; the replaced refresh token is dead', async () => {
    const { device, userId, accessToken } = await registerAndVerify()
    const firstRefresh = device.jar.get('refresh_token')!

    device.jar.set('token', 'garbage.not.a-jwt')
    const renewed = await device.call('/api/v1/me')
    expect(renewed.status).toBe(200)
    expect(renewed.body.user.id).toBe(userId)
    expect(device.cookie('token')?.attrs.has('httponly')).toBe(true)
    const secondRefresh = device.jar.get('refresh_token')!
    expect(secondRefresh).not.toBe(firstRefresh)
    expect(device.jar.get('token')).not.toBe('garbage.not.a-jwt')

    const sid = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()).sid
    const past = Math.floor(Date.now() / 1000) - 3600
    device.jar.set(
      'token',
      await new SignJWT({ role: 'USER', sid, typ: 'access' })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(userId)
        .setIssuer('sanora')
        .setAudience('sanora-api')
        .setIssuedAt(past - 3600)
        .setExpirationTime(past)
        .sign(new TextEncoder().encode(inject('workerVars').JWT_SECRET!)),
    )
    const again = await device.call('/api/v1/me')
    expect(again.status).toBe(200)
    expect(device.jar.get('refresh_token')).not.toBe(secondRefresh)
    expect((await device.call('/api/v1/me')).status).toBe(200)

    const stale = await device.call('/api/v1/me', {
      headers: { cookie: `token=garbage; refresh_token=${firstRefresh}` },
    })
    expect(stale.status).toBe(401)
  })
})

describe('profile and password', () => {
  it('updates the profile with the cookie session', async () => {
    const { device } = await registerAndVerify()
    const res = await device.call('/api/v1/user/update', {
      method: 'PUT',
      json: { name: 'New Name', location: 'Leeds' },
    })
    expect(res.status).toBe(200)
    expect(res.body.user).toMatchObject({ name: 'New Name', profile: { location: 'Leeds' } })
    const unknownField = await device.call('/api/v1/user/update', {
      method: 'PUT',
      json: { role: 'ADMIN' },
    })
    expect(unknownField.status).toBe(400)
    expect((await device.call('/api/v1/me')).body.user.role).toBe('USER')
    expect(
      (await new Device().call('/api/v1/user/update', { method: 'PUT', json: {} })).status,
    ).toBe(401)
  })

  it('changes the password: wrong current is a 400, other devices are signed out', async () => {
    const { email, password, device, accessToken } = await registerAndVerify()
    const other = await signInOnNewDevice(email, password)
    expect((await other.call('/api/v1/me')).status).toBe(200)

    const change = (json: unknown) =>
      device.call('/api/v1/user/change-password', { method: 'PUT', json })
    const bad = await change({ currentPassword: 'not it at all', newPassword: 'a new password' })
    expect(bad.status).toBe(400)
    expect((await device.call('/api/v1/me')).status).toBe(200)
    expect((await change({ currentPassword: password, newPassword: 'short' })).status).toBe(400)

    const ok = await change({ currentPassword: password, newPassword: 'a brand new password' })
    expect(ok.status).toBe(200)
    expect((await device.call('/api/v1/me')).status).toBe(200)
    expect((await api('/api/v1/me', { token: accessToken })).status).toBe(200)
    expect((await other.call('/api/v1/me')).status).toBe(401)

    expect(await loginStatus(email, password)).toBe(401)
    expect(await loginStatus(email, 'a brand new password')).toBe(200)
  })
})

describe('forgot and reset password', () => {
  it('answers identically for unknown emails and mails nothing to them', async () => {
    const { email } = await registerAndVerify()
    const nobody = uniqueEmail('nobody')
    const unknown = await post(new Device(), '/api/v1/forgot-password', { email: nobody })
    const known = await post(new Device(), '/api/v1/forgot-password', { email })
    expect(unknown.status).toBe(200)
    expect(known.status).toBe(200)
    expect(withoutRequestId(unknown.body)).toEqual(withoutRequestId(known.body))

    const token = await resetTokenFromMail(email)
    const db = await testDb()
    const record = await db.collection('password_resets').findOne({ tokenHash: sha256(token) })
    expect(record).not.toBeNull()
    // Nothing went to the unknown address, shown without waiting a while for a mail that should
    // not come. What decides it is the reset record: a reset mail carries the link of a record
    // the request writes, addressed to the email asked for (as the known one's shows), before it
    // answers; the mail goes out after. No record for `nobody` once its request has answered: no
    // link was ever on its way there. And its mailbox is still empty now that the known
    // address's mail, asked for after it and sent the same way, has arrived.
    expect(record!.email).toBe(email)
    expect(await db.collection('password_resets').countDocuments({ email: nobody })).toBe(0)
    expect(await readMail(nobody)).toEqual([])
    expect(JSON.stringify(record)).not.toContain(token)
    expect(record!.userId).toBeInstanceOf(ObjectId)
    const minutes = (record!.expiresAt.getTime() - record!.createdAt.getTime()) / 60_000
    expect(minutes).toBe(30)
  })

  it('builds the link on an allowed origin only, never on an arbitrary Origin header', async () => {
    const { email } = await registerAndVerify()
    await post(new Device(), '/api/v1/forgot-password', { email })
    const plain = await resetTokenFromMail(email)
    expect((await readMail(email))[0].text).toContain(`${workerUrl()}/reset-password?token=`)

    const allowed = await new Device().call('/api/v1/forgot-password', {
      method: 'POST',
      json: { email },
      headers: { origin: 'http://app.test' },
    })
    expect(allowed.status).toBe(200)
    const first = await resetTokenFromMail(email, plain)
    expect((await readMail(email))[0].text).toContain('http://app.test/reset-password?token=')

    await new Device().call('/api/v1/forgot-password', {
      method: 'POST',
      json: { email },
      headers: { origin: 'http://evil.test' },
    })
    await resetTokenFromMail(email, first)
    const [latest] = await readMail(email)
    expect(latest.text).not.toContain('evil.test')
    expect(latest.text).toContain(`${workerUrl()}/reset-password?token=`)
  })

  it('resets once, signs every device out, and only the newest link works', async () => {
    const { email, password, device, accessToken } = await registerAndVerify()
    const other = await signInOnNewDevice(email, password)

    await post(new Device(), '/api/v1/forgot-password', { email })
    const older = await resetTokenFromMail(email)
    await post(new Device(), '/api/v1/forgot-password', { email })
    const token = await resetTokenFromMail(email, older)

    const reset = (t: string, newPassword: string) =>
      post(new Device(), '/api/v1/reset-password', { token: t, password: newPassword })
    const superseded = await reset(older, 'the older link')
    expect(superseded.status, JSON.stringify(superseded.body)).toBe(400)

    const ok = await reset(token, 'reset and renewed')
    expect(ok.status, JSON.stringify(ok.body)).toBe(200)
    expect(ok.body.success).toBe(true)
    const second = await reset(token, 'reset a second time')
    expect(second.status, JSON.stringify(second.body)).toBe(400)
    expect(second.body.message).toMatch(/already been used/)

    expect((await device.call('/api/v1/me')).status).toBe(401)
    expect((await api('/api/v1/me', { token: accessToken })).status).toBe(401)
    expect((await other.call('/api/v1/me')).status).toBe(401)
    expect(await loginStatus(email, password)).toBe(401)
    expect(await loginStatus(email, 'reset and renewed')).toBe(200)
  })

  it('lets only one of two concurrent uses of a link through', async () => {
    const { email } = await registerAndVerify()
    await post(new Device(), '/api/v1/forgot-password', { email })
    const token = await resetTokenFromMail(email)
    const results = await Promise.all(
      ['first racer wins', 'second racer wins'].map((password) =>
        post(new Device(), '/api/v1/reset-password', { token, password }),
      ),
    )
    expect(results.map((r) => r.status).sort()).toEqual([200, 400])
  })

  it('refuses an expired link and leaves the password alone', async () => {
    const { email, password } = await registerAndVerify()
    await post(new Device(), '/api/v1/forgot-password', { email })
    const token = await resetTokenFromMail(email)
    await (
      await testDb()
    )
      .collection('password_resets')
      .updateOne(
        { tokenHash: sha256(token) },
        { $set: { expiresAt: new Date(Date.now() - 60_000) } },
      )
    const res = await post(new Device(), '/api/v1/reset-password', {
      token,
      password: 'too late for this',
    })
    expect(res.status).toBe(400)
    expect(res.body.message).toMatch(/expired/)
    expect(await loginStatus(email, password)).toBe(200)

    const unknown = await post(new Device(), '/api/v1/reset-password', {
      token: 'x'.repeat(43),
      password: 'never valid anyway',
    })
    expect(unknown.status).toBe(400)
    expect(unknown.body.message).toMatch(/invalid/)
  })
})

describe('input', () => {
  it('refuses operator objects and unknown fields with 400', async () => {
    const { email } = await registerAndVerify()
    const d = new Device()
    const cases: [string, unknown][] = [
      ['/api/v1/login', { email: { $ne: null }, password: 'whatever' }],
      ['/api/v1/login', { email, password: { $ne: null } }],
      ['/api/v1/verify', { email: { $ne: null }, otp: '123456' }],
      ['/api/v1/verify', { email, otp: { $gt: '' } }],
      ['/api/v1/forgot-password', { email: { $ne: null } }],
      ['/api/v1/forgot-password', { email: { $regex: '.*' } }],
      ['/api/v1/reset-password', { token: { $ne: null }, password: 'whatever it is' }],
      ['/api/v1/register', { email: uniqueEmail(), password: 'long enough', role: 'ADMIN' }],
      ['/api/v1/login', { email, password: 'x', isAdmin: true }],
    ]
    for (const [path, body] of cases) {
      const res = await post(d, path, body)
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400)
      expect(res.body.code).toBe('VALIDATION_ERROR')
    }
  })

  it('declares every route in the OpenAPI document', async () => {
    const doc = (await api('/api/openapi.json')).body
    for (const [path, method] of [
      ['/api/v1/register', 'post'],
      ['/api/v1/login', 'post'],
      ['/api/v1/verify', 'post'],
      ['/api/v1/me', 'get'],
      ['/api/v1/logout', 'get'],
      ['/api/v1/user/update', 'put'],
      ['/api/v1/user/change-password', 'put'],
      ['/api/v1/forgot-password', 'post'],
      ['/api/v1/reset-password', 'post'],
    ] as const) {
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined()
    }
  })
})

describe('password reset rate limit', () => {
  const forgot = (ip: string, email: string) =>
    api('/api/v1/forgot-password', {
      method: 'POST',
      json: { email },
      headers: { 'cf-connecting-ip': ip },
    })

  it('triggers per client IP, with Retry-After, and not for another IP', async () => {
    const ip = freshIp()
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) statuses.push((await forgot(ip, uniqueEmail('rl'))).status)
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429])
    const blocked = await forgot(ip, uniqueEmail('rl'))
    expect(blocked.status).toBe(429)
    expect(blocked.body.code).toBe('RATE_LIMITED')
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0)
    expect((await forgot(freshIp(), uniqueEmail('rl'))).status).toBe(200)
  })

  it('triggers per email, whichever IPs ask, and not for another email', async () => {
    const email = uniqueEmail('rl')
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) statuses.push((await forgot(freshIp(), email)).status)
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429])
    expect(Number((await forgot(freshIp(), email)).headers.get('retry-after'))).toBeGreaterThan(0)
    expect((await forgot(freshIp(), uniqueEmail('rl'))).status).toBe(200)
  })
})
