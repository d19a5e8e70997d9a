// Dependencies failing under a running Worker: with Redis unreachable the API answers 503 (in the
// envelope) where Redis is required and keeps serving what does not need it; with S3 unreachable
// an upload's completion fails clearly and leaves the record as it was, never half-written.
import { createServer } from 'node:net'
import { ObjectId } from 'mongodb'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createConference } from '../harness/conference'
import { api } from '../harness/http'
import { freshIp, signUpUser, testDb, uniqueEmail } from '../harness/users'
import { startWorker, type RunningWorker } from '../harness/worker'
import { faultRecorder } from './security/lib/fault-report'

const faults = faultRecorder('dependencies')
afterAll(() => faults.save())

/** A port that was free a moment ago: nothing answers there. */
const deadPort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })

async function call(
  base: string,
  path: string,
  init: { method?: string; token?: string; json?: unknown } = {},
) {
  const res = await fetch(base + path, {
    method: init.method ?? 'GET',
    headers: {
      'cf-connecting-ip': freshIp(),
      'content-type': 'application/json',
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  })
  const text = await res.text()
  return { status: res.status, body: JSON.parse(text), text }
}

describe('Redis unreachable', () => {
  let worker: RunningWorker
  beforeAll(async () => {
    worker = await startWorker({
      vars: {
        ...inject('workerVars'),
        UPSTASH_REDIS_REST_URL: `http://127.0.0.1:${await deadPort()}`,
      },
    })
    faults.injected()
  }, 60_000)
  afterAll(() => worker?.dispose())

  it('keeps serving reads that need only MongoDB', async () => {
    const conf = await createConference()
    const res = await call(worker.url, `/api/conference/by-code/${conf.code}`)
    expect(res.status).toBe(200)
    expect(res.body.conference.id).toBe(conf.id)
    const own = await call(worker.url, `/api/conference/${conf.id}`, {
      token: conf.host.accessToken,
    })
    expect(own.status).toBe(200)
  })

  it('answers 503 in the envelope where Redis is required: sign-in limits and OTP codes', async () => {
    const user = await signUpUser()
    for (const [path, json] of [
      ['/api/auth/login', { email: user.email, password: user.password }],
      ['/api/auth/send-otp-signup', { email: uniqueEmail('faults') }],
    ] as const) {
      const res = await call(worker.url, path, { method: 'POST', json })
      expect(res.status, path).toBe(503)
      expect(res.body).toMatchObject({ success: false, code: 'SERVICE_UNAVAILABLE' })
      expect(res.text).not.toMatch(/\.ts:\d+|fetch failed/)
    }
    const health = await call(worker.url, '/api/health')
    expect(health.status).toBe(503)
    expect(health.body.services.redis.status).toBe('down')
  })
})

describe('S3 unreachable', () => {
  let worker: RunningWorker
  beforeAll(async () => {
    worker = await startWorker({
      vars: { ...inject('workerVars'), S3_ENDPOINT: `http://127.0.0.1:${await deadPort()}` },
    })
    faults.injected()
  }, 60_000)
  afterAll(() => worker?.dispose())

  it('fails an upload completion clearly and leaves the record pending', async () => {
    const owner = await signUpUser()
    const start = await call(worker.url, '/api/media/upload', {
      method: 'POST',
      token: owner.accessToken,
      json: { purpose: 'post', contentType: 'image/png', size: 68, fileName: 'a.png' },
    })
    // Signing is local: it works without reaching S3.
    expect(start.status).toBe(201)
    const id = start.body.media.id
    const done = await call(worker.url, `/api/media/${id}/complete`, {
      method: 'POST',
      token: owner.accessToken,
      json: {},
    })
    expect(done.status).toBe(503)
    expect(done.body).toMatchObject({ success: false, code: 'SERVICE_UNAVAILABLE' })
    const stored = await (await testDb()).collection('media').findOne({ _id: new ObjectId(id) })
    expect(stored?.status).toBe('pending')
    // The same completion through a Worker that reaches S3 still knows nothing was uploaded.
    const healthy = await api(`/api/media/${id}/complete`, {
      method: 'POST',
      token: owner.accessToken,
      json: {},
    })
    expect(healthy.status).toBeGreaterThanOrEqual(400)
    expect(healthy.status).toBeLessThan(500)
  })
})
