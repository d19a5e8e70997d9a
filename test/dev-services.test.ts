// The local stand-ins end to end, driven through the same client libraries the Worker and its
// tooling use (mongodb, @upstash/redis, AWS SDK, nodemailer, plain fetch for Twilio/FCM).
import { createSign } from 'node:crypto'
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

function signJwt(privateKeyPem: string, claims: Record<string, unknown>): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const unsigned = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode(claims)}`
  const signature = createSign('RSA-SHA256').update(unsigned).sign(privateKeyPem, 'base64url')
  return `${unsigned}.${signature}`
}
