// Google sign-in through the Worker in workerd, against the capture server's fake of Google's
// OAuth endpoints: the mobile ID-token exchange, account linking, the web PKCE flow, rate limits.
import { ObjectId } from 'mongodb'
import { SignJWT, decodeProtectedHeader, generateKeyPair } from 'jose'
import { describe, expect, it, inject } from 'vitest'
import { createApp } from '../../worker/app'
import { api, workerUrl } from '../harness/http'
import { cookieOf, mint, verifyGoogle, webFlow } from '../harness/google'
import { freshIp, signUpUser, testDb, uniqueEmail } from '../harness/users'

const vars = () => inject('workerVars')
const captureUrl = () => inject('captureUrl')

const now = () => Math.floor(Date.now() / 1000)
const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
const profile = (token: string) => api('/api/auth/profile', { token })

describe('mobile: POST /api/auth/verify-google-token', () => {
  it('creates the account on first use, then signs the same Google account in again', async () => {
    const email = uniqueEmail('google')
    const first = await verifyGoogle({ idToken: await mint({ email, name: 'Ada Lovelace' }) })
    expect(first.status).toBe(201)
    expect(first.body).toMatchObject({
      success: true,
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      user: {
        email,
        name: 'Ada Lovelace',
        role: 'USER',
        emailVerified: true,
        profile: { profileImage: expect.stringMatching(/^https:\/\//) },
      },
    })
    expect((await profile(first.body.accessToken)).body.user.id).toBe(first.body.user.id)
    const stored = await (
      await testDb()
    )
      .collection('users')
      .findOne({ _id: new ObjectId(first.body.user.id) })
    expect(stored?.googleId).toMatch(/^\d{21}$/)

    const again = await verifyGoogle({ idToken: await mint({ email }) })
    expect(again.status).toBe(200)
    expect(again.body.user.id).toBe(first.body.user.id)
    expect(again.body.refreshToken).not.toBe(first.body.refreshToken)
  })

  it("accepts the app clients' audiences, the bare issuer, and the old `token` field", async () => {
    const email = uniqueEmail('google')
    const android = await verifyGoogle({
      idToken: await mint({ email, aud: vars().GOOGLE_ANDROID_CLIENT_ID }),
    })
    expect(android.status).toBe(201)
    const ios = await verifyGoogle({
      token: await mint({ email, aud: vars().GOOGLE_IOS_CLIENT_ID, iss: 'accounts.google.com' }),
    })
    expect(ios.status).toBe(200)
    expect(ios.body.user.id).toBe(android.body.user.id)
  })

  it('links an existing password account when Google vouches for its email', async () => {
    const user = await signUpUser()
    const linked = await verifyGoogle({ idToken: await mint({ email: user.email }) })
    expect(linked.status).toBe(200)
    expect(linked.body.user.id).toBe(user.id)
    const stored = await (
      await testDb()
    )
      .collection('users')
      .findOne({ _id: new ObjectId(user.id) })
    expect(stored?.googleId).toMatch(/^\d{21}$/)
    expect(stored?.passwordHash).toBeTruthy()
    // The password still works alongside Google.
    const login = await api('/api/auth/login', {
      method: 'POST',
      json: { email: user.email, password: user.password },
      headers: { 'cf-connecting-ip': freshIp() },
    })
    expect(login.status).toBe(200)
  })

  it('never links an unverified Google email to an existing account (409)', async () => {
    const user = await signUpUser()
    const res = await verifyGoogle({
      idToken: await mint({ email: user.email, email_verified: false }),
    })
    expect(res.status).toBe(409)
    expect(res.body.code).toBe('CONFLICT')
    const stored = await (
      await testDb()
    )
      .collection('users')
      .findOne({ _id: new ObjectId(user.id) })
    expect(stored?.googleId).toBeUndefined()
  })

  it('creates an account with an unverified email marked unverified', async () => {
    const email = uniqueEmail('unverified')
    const res = await verifyGoogle({ idToken: await mint({ email, email_verified: false }) })
    expect(res.status).toBe(201)
    expect(res.body.user).toMatchObject({ email, emailVerified: false })
  })

  it('refuses an email whose account is linked to another Google account (409)', async () => {
    const email = uniqueEmail('google')
    expect((await verifyGoogle({ idToken: await mint({ email }) })).status).toBe(201)
    const other = await verifyGoogle({
      idToken: await mint({ email, sub: '109999999999999999999' }),
    })
    expect(other.status).toBe(409)
  })

  it('refuses a deactivated account (403)', async () => {
    const email = uniqueEmail('google')
    const created = await verifyGoogle({ idToken: await mint({ email }) })
    await (
      await testDb()
    )
      .collection('users')
      .updateOne({ _id: new ObjectId(created.body.user.id) }, { $set: { isActive: false } })
    const res = await verifyGoogle({ idToken: await mint({ email }) })
    expect(res.status).toBe(403)
  })

  it('refuses tokens Google did not issue for us with 401', async () => {
    const email = uniqueEmail('forged')
    const served = await mint({ email })
    const kid = decodeProtectedHeader(served).kid!
    const otherKey = await generateKeyPair('RS256')
    const claims = {
      iss: 'https://accounts.google.com',
      aud: vars().GOOGLE_CLIENT_ID,
      sub: '100000000000000000001',
      email,
      email_verified: true,
      iat: now(),
      exp: now() + 3600,
    }
    const cases: Record<string, string> = {
      'wrong audience': await mint({ email, aud: 'someone-else.apps.googleusercontent.com' }),
      'wrong issuer': await mint({ email, iss: 'https://accounts.example.com' }),
      expired: await mint({ email, iat: now() - 7200, exp: now() - 3600 }),
      'no expiry': await mint({ email, exp: null }),
      'no subject': await mint({ email, sub: null }),
      'another key with the served kid': await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid })
        .sign(otherKey.privateKey),
      'alg none': `${b64url({ alg: 'none', typ: 'JWT', kid })}.${b64url(claims)}.`,
      'HS256 with the kid': await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', kid })
        .sign(new TextEncoder().encode('a shared secret that is long enough')),
      'tampered claims': `${served.split('.')[0]}.${b64url({ ...claims, sub: '1' })}.${served.split('.')[2]}`,
      garbage: 'not-a-jwt',
    }
    for (const [why, idToken] of Object.entries(cases)) {
      const res = await verifyGoogle({ idToken })
      expect(res.status, why).toBe(401)
      expect(res.body, why).toMatchObject({ code: 'UNAUTHORIZED', message: 'Invalid Google token' })
    }
    expect(
      await (await testDb()).collection('users').countDocuments({ email }),
      'no account was created',
    ).toBe(0)
  })

  it('refuses a malformed body with 400', async () => {
    const idToken = await mint()
    for (const body of [
      {},
      { idToken: { $ne: null } },
      { token: { $gt: '' } },
      { idToken, token: idToken },
      { idToken, extra: true },
      { idToken: '' },
    ]) {
      const res = await verifyGoogle(body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body.code).toBe('VALIDATION_ERROR')
    }
  })

  it("picks up Google's new key after a rotation (refetching the key set once)", async () => {
    const email = uniqueEmail('rotation')
    // Warm the Worker's key cache with the current key set…
    expect((await verifyGoogle({ idToken: await mint({ email }) })).status).toBe(201)
    const rotated = await fetch(`${captureUrl()}/google/rotate-keys`, { method: 'POST' })
    const { kid } = (await rotated.json()) as { kid: string }
    // …then present a token signed with a key the cached copy does not have.
    const idToken = await mint({ email })
    expect(decodeProtectedHeader(idToken).kid).toBe(kid)
    const res = await verifyGoogle({ idToken })
    expect(res.status).toBe(200)
  })

  it('rate limits per client IP (429 with Retry-After), leaving other IPs alone', async () => {
    const ip = freshIp()
    const statuses: number[] = []
    for (let i = 0; i < 21; i++)
      statuses.push((await verifyGoogle({ idToken: 'x.y.z' }, ip)).status)
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true)
    expect(statuses[20]).toBe(429)
    const blocked = await verifyGoogle({ idToken: await mint() }, ip)
    expect(blocked.status).toBe(429)
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(blocked.body.code).toBe('RATE_LIMITED')
    expect((await verifyGoogle({ idToken: 'x.y.z' }, freshIp())).status).toBe(401)
  })
})

describe('web: GET /api/auth/google and /api/auth/google/callback', () => {
  it('redirects to Google with PKCE (S256), a state and a signed, short-lived cookie', async () => {
    const { start, consent, back } = await webFlow()
    expect(`${consent.origin}${consent.pathname}`).toBe(vars().GOOGLE_AUTH_URL)
    const params = Object.fromEntries(consent.searchParams)
    expect(params).toMatchObject({
      response_type: 'code',
      client_id: vars().GOOGLE_CLIENT_ID,
      redirect_uri: `${workerUrl()}/api/auth/google/callback`,
      code_challenge_method: 'S256',
      scope: 'openid email profile',
    })
    expect(params.code_challenge).toMatch(/^[\w-]{43}$/)
    expect(params.state).toMatch(/^[\w-]{43}$/)
    const setCookie = start.headers.getSetCookie().find((c) => c.startsWith('google_oauth='))!
    expect(setCookie).toMatch(/; Max-Age=600/)
    expect(setCookie).toMatch(/; Path=\/api\/auth\/google/)
    expect(setCookie).toMatch(/; HttpOnly/)
    expect(setCookie).toMatch(/; SameSite=Lax/)
    expect(setCookie).not.toMatch(/; Secure/)
    // Signed: the value carries an HMAC after its last dot.
    expect(decodeURIComponent(setCookie.split(';')[0]!)).toMatch(/\.[A-Za-z0-9+/]{43}=$/)
    // Google sends the browser back to this Worker's callback with the same state.
    expect(`${back.origin}${back.pathname}`).toBe(`${workerUrl()}/api/auth/google/callback`)
    expect(back.searchParams.get('state')).toBe(params.state)
    expect(back.searchParams.get('code')).toBeTruthy()
  })

  it('signs in through the callback (JSON tokens), clears the cookie, and refuses a replayed code', async () => {
    const email = uniqueEmail('web')
    const flow = await webFlow({ email })
    const res = await api(flow.callbackPath, { headers: { ...flow.headers, cookie: flow.cookie } })
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({
      success: true,
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      user: { email, emailVerified: true, role: 'USER' },
    })
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(cookieOf(res, 'google_oauth')).toBe('google_oauth=')
    expect(res.headers.getSetCookie().join()).toMatch(/google_oauth=; Max-Age=0/)
    expect((await profile(res.body.accessToken)).body.user.email).toBe(email)

    const replay = await api(flow.callbackPath, {
      headers: { ...flow.headers, cookie: flow.cookie },
    })
    expect(replay.status).toBe(400)
    expect(replay.body.message).toMatch(/invalid_grant/)

    // The web and the mobile flow reach the same account for the same Google account.
    const again = await webFlow({ email })
    const second = await api(again.callbackPath, {
      headers: { ...again.headers, cookie: again.cookie },
    })
    expect(second.status).toBe(200)
    expect(second.body.user.id).toBe(res.body.user.id)
    const mobile = await verifyGoogle({ idToken: await mint({ email }) })
    expect(mobile.body.user.id).toBe(res.body.user.id)
  })

  it('links an existing password account by its verified email', async () => {
    const user = await signUpUser()
    const flow = await webFlow({ email: user.email })
    const res = await api(flow.callbackPath, { headers: { ...flow.headers, cookie: flow.cookie } })
    expect(res.status).toBe(200)
    expect(res.body.user.id).toBe(user.id)
  })

  it('refuses a callback with a wrong state, without the cookie, or with a tampered cookie', async () => {
    const flow = await webFlow()
    const wrongState = new URL(flow.back)
    wrongState.searchParams.set('state', 'x'.repeat(43))
    const res = await api(wrongState.pathname + wrongState.search, {
      headers: { ...flow.headers, cookie: flow.cookie },
    })
    expect(res.status).toBe(400)
    expect(res.body.message).toMatch(/state/)
    // The flow is spent whatever the outcome: the error clears the cookie too.
    expect(res.headers.getSetCookie().join()).toMatch(/google_oauth=; Max-Age=0/)

    const other = await webFlow({ email: uniqueEmail('web') })
    expect((await api(other.callbackPath, { headers: other.headers })).status).toBe(400)
    // Another flow's cookie carries another state.
    const crossed = await api(other.callbackPath, {
      headers: { ...other.headers, cookie: flow.cookie },
    })
    expect(crossed.status).toBe(400)

    // A changed value under the old signature (here: a redirect to another site) is refused.
    const signed = decodeURIComponent(other.cookie.slice('google_oauth='.length))
    const dot = signed.lastIndexOf('.')
    const flowValue = JSON.parse(signed.slice(0, dot))
    const forged = `google_oauth=${encodeURIComponent(
      JSON.stringify({ ...flowValue, redirect: 'https://evil.example/' }) + signed.slice(dot),
    )}`
    const tampered = await api(other.callbackPath, {
      headers: { ...other.headers, cookie: forged },
    })
    expect(tampered.status).toBe(400)

    // None of those attempts used the code: the genuine callback still signs in.
    const genuine = await api(other.callbackPath, {
      headers: { ...other.headers, cookie: other.cookie },
    })
    expect(genuine.status).toBe(201)
  })

  it("reports Google's error (the user declined) with 400", async () => {
    const flow = await webFlow()
    const state = flow.back.searchParams.get('state')!
    const res = await api(`/api/auth/google/callback?error=access_denied&state=${state}`, {
      headers: { ...flow.headers, cookie: flow.cookie },
    })
    expect(res.status).toBe(400)
    expect(res.body.message).toMatch(/access_denied/)
  })

  it('refuses a ?redirect= while OAUTH_SUCCESS_REDIRECT_URL is not configured', async () => {
    const res = await api('/api/auth/google?redirect=https://evil.example/', {
      headers: { 'cf-connecting-ip': freshIp() },
    })
    expect(res.status).toBe(400)
    expect(res.headers.get('set-cookie')).toBeNull()
  })

  it('is listed in the OpenAPI document', async () => {
    const doc = await api('/api/openapi.json')
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/auth/google',
        '/api/auth/google/callback',
        '/api/auth/verify-google-token',
      ]),
    )
  })
})

// Configurations the shared test Worker does not have, run through the same app factory under Node.
describe('other configurations (the app under Node)', () => {
  const appWith = (overrides: Record<string, string | undefined>) => {
    const env = { ...vars(), ...overrides }
    for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name]
    const app = createApp()
    return (path: string, init: RequestInit = {}) => app.request(path, init, env)
  }

  it('answers 503 when Google sign-in is not configured', async () => {
    const request = appWith({
      GOOGLE_CLIENT_ID: undefined,
      GOOGLE_CLIENT_SECRET: undefined,
      GOOGLE_ANDROID_CLIENT_ID: undefined,
      GOOGLE_IOS_CLIENT_ID: undefined,
    })
    const web = await request('/api/auth/google')
    expect(web.status).toBe(503)
    expect(await web.json()).toMatchObject({ success: false, code: 'SERVICE_UNAVAILABLE' })
    const mobile = await request('/api/auth/verify-google-token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ idToken: await mint() }),
    })
    expect(mobile.status).toBe(503)
  })

  it("answers 503 when Google's keys cannot be fetched", async () => {
    const request = appWith({ GOOGLE_JWKS_URL: 'http://127.0.0.1:9/unreachable-jwks' })
    const res = await request('/api/auth/verify-google-token', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'cf-connecting-ip': freshIp() },
      body: JSON.stringify({ idToken: await mint() }),
    })
    expect(res.status).toBe(503)
    expect(await res.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE' })
  })

  it('with OAUTH_SUCCESS_REDIRECT_URL, returns to the app with the tokens in the fragment', async () => {
    const request = appWith({ OAUTH_SUCCESS_REDIRECT_URL: 'http://app.test/signed-in' })
    expect((await request('/api/auth/google?redirect=https://evil.example/')).status).toBe(400)
    expect((await request('/api/auth/google?redirect=//evil.example/x')).status).toBe(400)

    const start = await request('/api/auth/google?redirect=/welcome?tab=1')
    expect(start.status).toBe(302)
    const email = uniqueEmail('fragment')
    const consent = new URL(start.headers.get('location')!)
    consent.searchParams.set('login_hint', email)
    const back = new URL((await fetch(consent, { redirect: 'manual' })).headers.get('location')!)
    const done = await request(back.pathname + back.search, {
      headers: { cookie: cookieOf(start, 'google_oauth')! },
    })
    expect(done.status).toBe(302)
    // The route's own no-referrer outlives the app-wide Referrer-Policy: the fragment holds tokens.
    expect(done.headers.get('referrer-policy')).toBe('no-referrer')
    expect(done.headers.get('x-content-type-options')).toBe('nosniff')
    const target = new URL(done.headers.get('location')!)
    expect(`${target.origin}${target.pathname}${target.search}`).toBe(
      'http://app.test/welcome?tab=1',
    )
    const fragment = new URLSearchParams(target.hash.slice(1))
    expect(Number(fragment.get('expiresIn'))).toBeGreaterThan(0)
    expect(fragment.get('refreshToken')).toBeTruthy()
    // The tokens are real: the Worker in workerd accepts them.
    const me = await profile(fragment.get('accessToken')!)
    expect(me.status).toBe(200)
    expect(me.body.user.email).toBe(email)
  })
})
