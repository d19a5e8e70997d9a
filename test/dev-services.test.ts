// The local stand-ins end to end, driven through the same client libraries the Worker and its
// tooling use (mongodb, @upstash/redis, AWS SDK, nodemailer, plain fetch for Twilio/FCM).
import { createSign } from 'node:crypto'
import {
  CodeChallengeMethod,
  OAuth2Client,
  OAuth2RequestError,
  generateCodeVerifier,
  generateState,
} from 'arctic'
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { Redis } from '@upstash/redis'
import { MongoClient } from 'mongodb'
import nodemailer from 'nodemailer'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CapturedMail, CapturedPush, CapturedSms } from '../dev-services/capture/index.js'
import { isPortFree } from '../dev-services/ports.js'
import { RedisNotInstalledError } from '../dev-services/redis.js'
import { startStack, StackStartError, type Stack } from '../dev-services/stack.js'

/** Every stand-in's variable, so a stack given all of them starts nothing but what a test leaves out. */
const ALL_GIVEN = {
  MONGODB_URI: 'mongodb://127.0.0.1:1/given',
  UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:1',
  UPSTASH_REDIS_REST_TOKEN: 'given-token',
  S3_ENDPOINT: 'http://127.0.0.1:1',
  SMTP_HOST: '127.0.0.1',
  SMTP_PORT: '1',
  TWILIO_ACCOUNT_SID: 'ACgiven',
  FCM_PROJECT_ID: 'given-project',
  GOOGLE_CLIENT_ID: 'given.apps.googleusercontent.com',
}

describe('dev stack (test profile)', () => {
  let stack: Stack
  let env: Record<string, string>
  let capture: string

  beforeAll(async () => {
    stack = await startStack({ profile: 'test' })
    env = stack.env
    capture = stack.captureUrl!
  }, 20_000)
  afterAll(() => stack?.stop())

  const twilioAuth = () =>
    'Basic ' + Buffer.from(`${env.TWILIO_ACCOUNT_SID}:${env.TWILIO_AUTH_TOKEN}`).toString('base64')
  const twilioPost = (path: string, form: Record<string, string>, auth = twilioAuth()) =>
    fetch(`${env.TWILIO_API_BASE_URL}${path}`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form),
    })
  const read = async <T>(path: string): Promise<T> => (await fetch(`${capture}${path}`)).json() as T

  it('hands out every variable, with IP addresses rather than localhost', () => {
    for (const name of [
      'MONGODB_URI',
      'UPSTASH_REDIS_REST_URL',
      'UPSTASH_REDIS_REST_TOKEN',
      'S3_ENDPOINT',
      'S3_ACCESS_KEY_ID',
      'S3_SECRET_ACCESS_KEY',
      'SMTP_HOST',
      'SMTP_PORT',
      'TWILIO_API_BASE_URL',
      'TWILIO_VERIFY_SERVICE_SID',
      'TWILIO_PHONE_NUMBER',
      'FCM_API_BASE_URL',
      'FCM_TOKEN_URL',
      'FCM_CLIENT_EMAIL',
      'DEV_CAPTURE_URL',
    ]) {
      expect(env[name], name).toBeTruthy()
    }
    expect(env).toMatchObject({
      S3_REGION: 'us-east-1',
      S3_BUCKET: 'media',
      S3_FORCE_PATH_STYLE: 'true',
      MAIL_FROM: 'Sanora <no-reply@sanora.local>',
      FCM_PROJECT_ID: 'sanora-dev',
    })
    expect(env.TWILIO_ACCOUNT_SID).toMatch(/^AC[0-9a-f]{32}$/)
    expect(env.FCM_PRIVATE_KEY).toContain('-----BEGIN PRIVATE KEY-----')
    for (const [name, value] of Object.entries(env)) expect(value, name).not.toMatch(/localhost/i)
  })

  it('serves MongoDB to the official driver', async () => {
    const client = new MongoClient(env.MONGODB_URI!, { serverSelectionTimeoutMS: 5_000 })
    try {
      const users = client.db('devstack').collection<{ email: string; n: number }>('users')
      await users.insertOne({ email: 'a@example.test', n: 1 })
      const found = await users.findOne({ email: 'a@example.test' })
      expect(found?.n).toBe(1)
    } finally {
      await client.close()
    }
  })

  it('serves the Upstash REST API: TTLs, pipelines, consumer groups', async () => {
    const redis = new Redis({
      url: env.UPSTASH_REDIS_REST_URL!,
      token: env.UPSTASH_REDIS_REST_TOKEN!,
      responseEncoding: false,
    })
    await redis.set('greeting', 'hello', { ex: 60 })
    expect(await redis.get('greeting')).toBe('hello')
    const ttl = await redis.ttl('greeting')
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(60)

    const pipe = redis.pipeline()
    pipe.incr('counter')
    pipe.incr('counter')
    pipe.hset('profile', { name: 'Ada' })
    pipe.hgetall('profile')
    expect(await pipe.exec()).toEqual([1, 2, 1, { name: 'Ada' }])

    await redis.xgroup('events', {
      type: 'CREATE',
      group: 'workers',
      id: '$',
      options: { MKSTREAM: true },
    })
    const id = await redis.xadd('events', '*', { kind: 'ping' })
    const batch = await redis.xreadgroup('workers', 'worker-1', 'events', '>', { count: 10 })
    expect(batch).toEqual([['events', [[id, ['kind', 'ping']]]]])
    expect(await redis.xack('events', 'workers', id)).toBe(1)
  })

  it('also speaks the client defaults: base64 responses and multi()', async () => {
    const redis = new Redis({
      url: env.UPSTASH_REDIS_REST_URL!,
      token: env.UPSTASH_REDIS_REST_TOKEN!,
    })
    // "abcd" is valid base64, so an emulator ignoring the encoding would return garbage here.
    await redis.set('plain', 'abcd')
    expect(await redis.get('plain')).toBe('abcd')
    const tx = redis.multi()
    tx.set('tx', 1)
    tx.incr('tx')
    expect(await tx.exec()).toEqual(['OK', 2])
    const wrongToken = new Redis({ url: env.UPSTASH_REDIS_REST_URL!, token: 'wrong' })
    await expect(wrongToken.pipeline().get('tx').exec()).rejects.toThrow(/Unauthorized/)
  })

  it('stores presigned S3 uploads and lets browsers preflight them', async () => {
    const s3 = new S3Client({
      endpoint: env.S3_ENDPOINT,
      region: env.S3_REGION,
      forcePathStyle: true,
      credentials: {
        accessKeyId: env.S3_ACCESS_KEY_ID!,
        secretAccessKey: env.S3_SECRET_ACCESS_KEY!,
      },
      // s3rver cannot decode aws-chunked bodies with trailing checksums.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    })
    const key = 'uploads/clip.bin'
    const putUrl = await getSignedUrl(
      s3,
      new PutObjectCommand({ Bucket: env.S3_BUCKET, Key: key, ContentType: 'video/mp4' }),
      { expiresIn: 300 },
    )

    const preflight = await fetch(putUrl, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://127.0.0.1:8787',
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'content-type',
      },
    })
    expect(preflight.status).toBe(200)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*')
    expect(preflight.headers.get('access-control-allow-methods')).toContain('PUT')

    const bytes = new Uint8Array([0, 1, 2, 253, 254, 255])
    const put = await fetch(putUrl, {
      method: 'PUT',
      headers: { 'content-type': 'video/mp4', origin: 'http://127.0.0.1:8787' },
      body: bytes,
    })
    expect(put.status).toBe(200)
    expect(put.headers.get('etag')).toBeTruthy()
    expect(put.headers.get('access-control-expose-headers')).toContain('ETag')

    const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: env.S3_BUCKET, Key: key }))
    const got = await fetch(getUrl)
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(bytes)
    s3.destroy()
  })

  it('captures mail sent over SMTP, newest first', async () => {
    const transport = nodemailer.createTransport({
      host: env.SMTP_HOST,
      port: Number(env.SMTP_PORT),
      secure: false,
      auth: { user: 'any', pass: 'thing' },
    })
    await transport.sendMail({
      from: env.MAIL_FROM,
      to: 'first@example.test',
      subject: 'First',
      text: 'one',
    })
    await transport.sendMail({
      from: env.MAIL_FROM,
      to: 'second@example.test',
      subject: 'Your code',
      text: 'Code: 424242',
      html: '<p>Code: <b>424242</b></p>',
    })
    transport.close()

    const mails = await read<CapturedMail[]>('/mail')
    expect(mails.map((m) => m.subject)).toEqual(['Your code', 'First'])
    expect(mails[0]).toMatchObject({
      from: 'no-reply@sanora.local',
      to: ['second@example.test'],
      text: expect.stringContaining('424242'),
      html: expect.stringContaining('<b>424242</b>'),
    })
    expect(new Date(mails[0]!.at).toISOString()).toBe(mails[0]!.at)
    const filtered = await read<CapturedMail[]>('/mail?to=first@example.test')
    expect(filtered.map((m) => m.subject)).toEqual(['First'])
  })

  it('fakes Twilio Messages and Verify, capturing each SMS', async () => {
    const sent = await twilioPost(`/2010-04-01/Accounts/${env.TWILIO_ACCOUNT_SID}/Messages.json`, {
      To: '+15551230001',
      From: env.TWILIO_PHONE_NUMBER!,
      Body: 'Your meeting starts soon',
    })
    expect(sent.status).toBe(201)
    const message = (await sent.json()) as { sid: string; status: string }
    expect(message.sid).toMatch(/^SM[0-9a-f]{32}$/)
    expect(message.status).toBe('queued')
    const [sms] = await read<CapturedSms[]>('/sms?to=%2B15551230001')
    expect(sms).toMatchObject({ sid: message.sid, body: 'Your meeting starts soon' })

    const verifyBase = `/v2/Services/${env.TWILIO_VERIFY_SERVICE_SID}`
    const to = '+15551230002'
    const started = await twilioPost(`${verifyBase}/Verifications`, { To: to, Channel: 'sms' })
    expect(started.status).toBe(201)
    expect(await started.json()).toMatchObject({ status: 'pending', to, channel: 'sms' })
    const [codeSms] = await read<CapturedSms[]>(`/sms?to=${encodeURIComponent(to)}`)
    const code = /\b(\d{6})\b/.exec(codeSms!.body)![1]!

    const wrong = await twilioPost(`${verifyBase}/VerificationCheck`, {
      To: to,
      Code: code === '000000' ? '111111' : '000000',
    })
    expect(await wrong.json()).toMatchObject({ status: 'pending', valid: false })
    const right = await twilioPost(`${verifyBase}/VerificationCheck`, { To: to, Code: code })
    expect(right.status).toBe(200)
    expect(await right.json()).toMatchObject({ status: 'approved', valid: true })
    const again = await twilioPost(`${verifyBase}/VerificationCheck`, { To: to, Code: code })
    expect(again.status).toBe(404)

    const anonymous = await fetch(`${env.TWILIO_API_BASE_URL}${verifyBase}/Verifications`, {
      method: 'POST',
      body: new URLSearchParams({ To: to, Channel: 'sms' }),
    })
    expect(anonymous.status).toBe(401)
    expect(await anonymous.json()).toMatchObject({ code: 20003 })
  })

  it('fakes the OAuth token exchange and FCM send, capturing each push', async () => {
    const now = Math.floor(Date.now() / 1000)
    const assertion = signJwt(env.FCM_PRIVATE_KEY!, {
      iss: env.FCM_CLIENT_EMAIL,
      scope: 'https://www.googleapis.com/auth/firebase.messaging',
      aud: env.FCM_TOKEN_URL,
      iat: now,
      exp: now + 3600,
    })
    const tokenResponse = await fetch(env.FCM_TOKEN_URL!, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        assertion,
      }),
    })
    expect(tokenResponse.status).toBe(200)
    const { access_token: accessToken } = (await tokenResponse.json()) as { access_token: string }

    const sendUrl = `${env.FCM_API_BASE_URL}/v1/projects/${env.FCM_PROJECT_ID}/messages:send`
    const message = { token: 'device-token-1', notification: { title: 'Hi', body: 'New message' } }
    const sent = await fetch(sendUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message }),
    })
    expect(sent.status).toBe(200)
    expect(((await sent.json()) as { name: string }).name).toMatch(
      new RegExp(`^projects/${env.FCM_PROJECT_ID}/messages/\\w+$`),
    )
    const [push] = await read<CapturedPush[]>('/push?to=device-token-1')
    expect(push).toMatchObject({ project: 'sanora-dev', to: 'device-token-1', message })

    const anonymous = await fetch(sendUrl, { method: 'POST', body: JSON.stringify({ message }) })
    expect(anonymous.status).toBe(401)
    const forged = signJwt(env.FCM_PRIVATE_KEY!, { iss: 'x', iat: now, exp: now + 60 }).replace(
      /\.[^.]+$/,
      '.AAAA',
    )
    const refused = await fetch(env.FCM_TOKEN_URL!, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        assertion: forged,
      }),
    })
    expect(refused.status).toBe(400)
  })

  it('clears captured messages on DELETE and answers /health', async () => {
    expect(await read('/health')).toEqual({ ok: true })
    expect((await fetch(`${capture}/sms`, { method: 'DELETE' })).status).toBe(204)
    expect(await read('/sms')).toEqual([])
  })

  it('stop() frees every port and can be called again', async () => {
    const ports = [
      env.MONGODB_URI,
      env.UPSTASH_REDIS_REST_URL,
      env.S3_ENDPOINT,
      capture,
      ...stack.services.map((service) => service.url.split(' ')[0]),
    ].map((url) => Number(new URL(url!).port))
    ports.push(Number(env.SMTP_PORT))
    await stack.stop()
    await stack.stop()
    for (const port of new Set(ports))
      expect(await isPortFree('127.0.0.1', port), `port ${port}`).toBe(true)
  })
})

describe('dev stack with configuration given', () => {
  it('starts only the stand-ins whose variables are missing', async () => {
    const { SMTP_HOST: _host, SMTP_PORT: _port, ...given } = ALL_GIVEN
    const stack = await startStack({ profile: 'test', env: given })
    try {
      expect(stack.services.map((service) => service.name)).toEqual(['capture', 'smtp'])
      expect(stack.env).toMatchObject(given)
      expect(stack.env.SMTP_HOST).toBe('127.0.0.1')
      expect(stack.env.TWILIO_API_BASE_URL).toBeUndefined()
      expect(stack.env.FCM_PRIVATE_KEY).toBeUndefined()
    } finally {
      await stack.stop()
    }
  })

  it('starts nothing when everything is given', async () => {
    const stack = await startStack({ profile: 'test', env: ALL_GIVEN })
    expect(stack.services).toEqual([])
    expect(stack.captureUrl).toBeUndefined()
    expect(stack.env).toMatchObject({ ...ALL_GIVEN, S3_BUCKET: 'media' })
    await stack.stop()
  })

  it('explains how to install redis-server when it cannot be spawned', async () => {
    const { UPSTASH_REDIS_REST_URL: _url, UPSTASH_REDIS_REST_TOKEN: _token, ...given } = ALL_GIVEN
    const starting = startStack({
      profile: 'test',
      env: { ...given, REDIS_SERVER_BIN: '/nonexistent/redis-server' },
    })
    const error = await starting.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StackStartError)
    expect((error as StackStartError).failed).toEqual(['redis/upstash'])
    expect((error as Error).cause).toBeInstanceOf(RedisNotInstalledError)
    expect((error as Error).message).toMatch(/redis/)
    expect((error as Error).message).toContain('apt-get install redis-server')
    expect((error as Error).message).toContain('brew install redis')
  })
})

describe('Google OAuth/OIDC fake', () => {
  const { GOOGLE_CLIENT_ID: _google, ...given } = ALL_GIVEN
  let stack: Stack
  let env: Record<string, string>
  const callback = 'http://127.0.0.1:9/api/auth/google/callback'

  beforeAll(async () => {
    stack = await startStack({ profile: 'test', env: given })
    env = stack.env
  }, 20_000)
  afterAll(() => stack?.stop())

  const webClient = (secret = env.GOOGLE_CLIENT_SECRET!, redirectUri = callback) =>
    new OAuth2Client(env.GOOGLE_CLIENT_ID!, secret, redirectUri)
  const keys = () => createRemoteJWKSet(new URL(env.GOOGLE_JWKS_URL!))

  /** Walks the consent screen as a browser would and answers the code it hands back. */
  async function authorize(
    opts: { client?: OAuth2Client; loginHint?: string; verifier?: string } = {},
  ) {
    const state = generateState()
    const verifier = opts.verifier ?? generateCodeVerifier()
    const url = (opts.client ?? webClient()).createAuthorizationURLWithPKCE(
      env.GOOGLE_AUTH_URL!,
      state,
      CodeChallengeMethod.S256,
      verifier,
      ['openid', 'email', 'profile'],
    )
    if (opts.loginHint) url.searchParams.set('login_hint', opts.loginHint)
    const res = await fetch(url, { redirect: 'manual' })
    expect(res.status).toBe(302)
    const back = new URL(res.headers.get('location')!)
    expect(back.origin + back.pathname).toBe(callback)
    expect(back.searchParams.get('state')).toBe(state)
    return { code: back.searchParams.get('code')!, verifier }
  }

  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => expect.unreachable('the token request should have been refused'),
      (error: unknown) => {
        expect(error).toBeInstanceOf(OAuth2RequestError)
        return (error as OAuth2RequestError).code
      },
    )

  it('starts for Google alone when only GOOGLE_CLIENT_ID is missing, and hands out its variables', () => {
    expect(stack.services.map((service) => service.name)).toEqual(['capture', 'google'])
    const capture = stack.captureUrl!
    expect(env).toMatchObject({
      GOOGLE_CLIENT_ID: 'sanora-dev-web.apps.googleusercontent.com',
      GOOGLE_ANDROID_CLIENT_ID: 'sanora-dev-android.apps.googleusercontent.com',
      GOOGLE_IOS_CLIENT_ID: 'sanora-dev-ios.apps.googleusercontent.com',
      GOOGLE_AUTH_URL: `${capture}/google/authorize`,
      GOOGLE_TOKEN_URL: `${capture}/google/token`,
      GOOGLE_JWKS_URL: `${capture}/google/jwks`,
    })
    expect(env.GOOGLE_CLIENT_SECRET).toMatch(/^GOCSPX-[\w-]{28}$/)
    expect(env.GOOGLE_CALLBACK_URL).toBeUndefined()
    expect(env.TWILIO_API_BASE_URL).toBeUndefined()
  })

  it('serves its signing key as a cacheable JWKS', async () => {
    const res = await fetch(env.GOOGLE_JWKS_URL!)
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/)
    const { keys: served } = (await res.json()) as { keys: Record<string, string>[] }
    expect(served).toHaveLength(1)
    expect(served[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB' })
    expect(served[0]!.kid).toMatch(/^[0-9a-f]{40}$/)
    expect(served[0]!.d).toBeUndefined()
  })

  it('runs the authorization-code flow with PKCE for arctic, answering a signed ID token', async () => {
    const email = 'ada.lovelace@example.test'
    const { code, verifier } = await authorize({ loginHint: email })
    const tokens = await webClient().validateAuthorizationCode(
      env.GOOGLE_TOKEN_URL!,
      code,
      verifier,
    )
    expect(tokens.tokenType()).toBe('Bearer')
    expect(tokens.accessToken()).toMatch(/^ya29\./)
    expect(tokens.accessTokenExpiresInSeconds()).toBeGreaterThan(3000)
    expect(tokens.scopes()).toContain('openid')

    const { payload, protectedHeader } = await jwtVerify(tokens.idToken(), keys(), {
      issuer: 'https://accounts.google.com',
      audience: env.GOOGLE_CLIENT_ID!,
      algorithms: ['RS256'],
    })
    expect(protectedHeader.kid).toMatch(/^[0-9a-f]{40}$/)
    expect(payload).toMatchObject({
      azp: env.GOOGLE_CLIENT_ID,
      email,
      email_verified: true,
      name: 'Ada Lovelace',
      picture: expect.stringMatching(/^https:\/\//),
    })
    expect(payload.sub).toMatch(/^\d{21}$/)
    expect(payload.exp! - payload.iat!).toBe(3600)

    // The same Google account every time; another email is another account.
    const again = await authorize({ loginHint: email })
    const second = await webClient().validateAuthorizationCode(
      env.GOOGLE_TOKEN_URL!,
      again.code,
      again.verifier,
    )
    const { payload: same } = await jwtVerify(second.idToken(), keys())
    expect(same.sub).toBe(payload.sub)
    const other = await authorize()
    const third = await webClient().validateAuthorizationCode(
      env.GOOGLE_TOKEN_URL!,
      other.code,
      other.verifier,
    )
    const { payload: defaultUser } = await jwtVerify(third.idToken(), keys())
    expect(defaultUser.email).toBe('dev.user@example.test')
    expect(defaultUser.sub).not.toBe(payload.sub)
  })

  it('refuses a wrong verifier, a replayed code, a wrong secret and another redirect URI', async () => {
    const first = await authorize()
    expect(
      await refusal(
        webClient().validateAuthorizationCode(
          env.GOOGLE_TOKEN_URL!,
          first.code,
          generateCodeVerifier(),
        ),
      ),
    ).toBe('invalid_grant')
    // Consumed by the failed attempt, as a code is good for one attempt only.
    expect(
      await refusal(
        webClient().validateAuthorizationCode(env.GOOGLE_TOKEN_URL!, first.code, first.verifier),
      ),
    ).toBe('invalid_grant')

    const used = await authorize()
    await webClient().validateAuthorizationCode(env.GOOGLE_TOKEN_URL!, used.code, used.verifier)
    expect(
      await refusal(
        webClient().validateAuthorizationCode(env.GOOGLE_TOKEN_URL!, used.code, used.verifier),
      ),
    ).toBe('invalid_grant')

    const secret = await authorize()
    expect(
      await refusal(
        webClient('GOCSPX-wrong').validateAuthorizationCode(
          env.GOOGLE_TOKEN_URL!,
          secret.code,
          secret.verifier,
        ),
      ),
    ).toBe('invalid_client')

    const moved = await authorize()
    expect(
      await refusal(
        webClient(undefined, 'http://127.0.0.1:9/elsewhere').validateAuthorizationCode(
          env.GOOGLE_TOKEN_URL!,
          moved.code,
          moved.verifier,
        ),
      ),
    ).toBe('redirect_uri_mismatch')
  })

  it('refuses an unknown client on the consent screen and a missing verifier at the token endpoint', async () => {
    const stranger = new OAuth2Client('stranger.apps.googleusercontent.com', 'x', callback)
    const url = stranger.createAuthorizationURLWithPKCE(
      env.GOOGLE_AUTH_URL!,
      generateState(),
      CodeChallengeMethod.S256,
      generateCodeVerifier(),
      ['openid'],
    )
    const res = await fetch(url, { redirect: 'manual' })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: 'invalid_client' })

    const { code } = await authorize()
    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: callback,
      client_id: env.GOOGLE_CLIENT_ID!,
      client_secret: env.GOOGLE_CLIENT_SECRET!,
    })
    const missing = await fetch(env.GOOGLE_TOKEN_URL!, { method: 'POST', body: form })
    expect(missing.status).toBe(400)
    expect(await missing.json()).toMatchObject({
      error: 'invalid_grant',
      error_description: 'Missing code verifier.',
    })
  })

  it('mints ID tokens with chosen claims for tests, signed with the served key', async () => {
    const mint = async (claims: Record<string, unknown>) => {
      const res = await fetch(`${stack.captureUrl}/google/id-token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(claims),
      })
      expect(res.status).toBe(200)
      return ((await res.json()) as { idToken: string }).idToken
    }
    const { payload } = await jwtVerify(await mint({}), keys(), {
      issuer: 'https://accounts.google.com',
      audience: env.GOOGLE_CLIENT_ID!,
    })
    expect(payload).toMatchObject({ email: 'dev.user@example.test', email_verified: true })

    const custom = await mint({
      aud: env.GOOGLE_ANDROID_CLIENT_ID,
      email: 'grace@example.test',
      email_verified: false,
      exp: null,
    })
    const { payload: claims } = await jwtVerify(custom, keys())
    expect(claims).toMatchObject({
      aud: env.GOOGLE_ANDROID_CLIENT_ID,
      email: 'grace@example.test',
      email_verified: false,
    })
    expect(claims.exp).toBeUndefined()
    expect(claims.sub).toMatch(/^\d{21}$/)

    const expired = await mint({ exp: Math.floor(Date.now() / 1000) - 60 })
    await expect(jwtVerify(expired, keys())).rejects.toThrow(/exp/)

    const bad = await fetch(`${stack.captureUrl}/google/id-token`, {
      method: 'POST',
      body: '[1, 2]',
    })
    expect(bad.status).toBe(400)
  })

  it('rotates keys while still serving the previous one', async () => {
    const before = await fetch(`${stack.captureUrl}/google/id-token`, { method: 'POST' })
    const oldToken = ((await before.json()) as { idToken: string }).idToken
    const rotated = await fetch(`${stack.captureUrl}/google/rotate-keys`, { method: 'POST' })
    const { kid } = (await rotated.json()) as { kid: string }
    const jwks = (await (await fetch(env.GOOGLE_JWKS_URL!)).json()) as { keys: { kid: string }[] }
    expect(jwks.keys.map((k) => k.kid)).toEqual([kid, decodeProtectedHeader(oldToken).kid])
    await expect(jwtVerify(oldToken, keys())).resolves.toBeTruthy()
    const after = await fetch(`${stack.captureUrl}/google/id-token`, { method: 'POST' })
    const newToken = ((await after.json()) as { idToken: string }).idToken
    expect(decodeProtectedHeader(newToken).kid).toBe(kid)
  })
})

function signJwt(privateKeyPem: string, claims: Record<string, unknown>): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const unsigned = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode(claims)}`
  const signature = createSign('RSA-SHA256').update(unsigned).sign(privateKeyPem, 'base64url')
  return `${unsigned}.${signature}`
}
