// The REST app under Node (decision 1: the factory runs outside workerd too), with the real
// MongoDB driver against the dev server: error mapping that needs a real server error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMongoDevServer, type MongoDevServer } from '../dev-services/mongo/index'
import { createApp } from './app'

let mongo: MongoDevServer
let env: Record<string, string>

beforeAll(async () => {
  mongo = await startMongoDevServer()
  env = {
    APP_ENV: 'test',
    LOG_LEVEL: 'error',
    JWT_SECRET: 's'.repeat(32),
    MONGODB_URI: mongo.uri,
    MONGODB_DB: 'app_test',
    UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9',
    UPSTASH_REDIS_REST_TOKEN: 't',
    S3_BUCKET: 'media',
    S3_ACCESS_KEY_ID: 'a',
    S3_SECRET_ACCESS_KEY: 'b',
    SMTP_HOST: '127.0.0.1',
  }
})

afterAll(async () => {
  await mongo.close()
})

function appWithProbeRoutes() {
  const app = createApp()
  app.post('/probe/duplicate', async (c) => {
    const people = (await c.get('services').database.db()).collection('people')
    await people.createIndex({ email: 1 }, { unique: true })
    await people.insertOne({ email: 'dup@example.test' })
    await people.insertOne({ email: 'dup@example.test' })
    return c.json({ success: true })
  })
  app.get('/probe/crash', () => {
    throw new Error('secret internals at /srv/app.js:12')
  })
  return app
}

describe('error mapping', () => {
  it('turns a duplicate-key error from MongoDB into 409 CONFLICT naming the field', async () => {
    const res = await appWithProbeRoutes().request('/probe/duplicate', { method: 'POST' }, env)
    expect(res.status).toBe(409)
    expect(await res.json()).toMatchObject({
      success: false,
      code: 'CONFLICT',
      details: [{ path: 'email', message: 'already exists' }],
    })
  })

  it('turns an unknown error into 500 INTERNAL without a stack or message outside development', async () => {
    const res = await appWithProbeRoutes().request('/probe/crash', {}, env)
    expect(res.status).toBe(500)
    const body: any = await res.json()
    expect(body).toEqual({
      success: false,
      code: 'INTERNAL',
      message: 'Internal server error',
      requestId: expect.any(String),
    })
  })

  it('includes the stack in development only', async () => {
    const res = await appWithProbeRoutes().request(
      '/probe/crash',
      {},
      { ...env, APP_ENV: 'development' },
    )
    expect(((await res.json()) as any).stack).toContain('secret internals')
  })

  it('answers 503 in the envelope when MongoDB is unreachable', async () => {
    const app = createApp()
    app.get('/probe/db', async (c) => {
      await (await c.get('services').database.db()).collection('x').findOne({})
      return c.json({})
    })
    const res = await app.request(
      '/probe/db',
      {},
      { ...env, MONGODB_URI: 'mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=300' },
    )
    expect(res.status).toBe(503)
    expect(((await res.json()) as any).code).toBe('SERVICE_UNAVAILABLE')
  })
})

describe('configuration refusal', () => {
  it('refuses every request with 500 CONFIG_INVALID naming the bad variable', async () => {
    const { JWT_SECRET: _omitted, ...withoutSecret } = env
    const res = await createApp().request('/', {}, withoutSecret)
    expect(res.status).toBe(500)
    const body: any = await res.json()
    expect(body.code).toBe('CONFIG_INVALID')
    expect(body.message).toContain('JWT_SECRET is required')
    expect(body.details).toEqual([{ path: 'JWT_SECRET', message: 'is required' }])
  })
})
