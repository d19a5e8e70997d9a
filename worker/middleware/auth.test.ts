// Role middleware under Node with the real driver and dev server: each guard admits its own role
// and ADMIN, and refuses every other role and anonymous callers.
import { ObjectId } from 'mongodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMongoDevServer, type MongoDevServer } from '../../dev-services/mongo/index'
import { ROLES, type Role } from '../../shared/roles'
import { createApp } from '../app'
import { startSession } from '../auth/sessions'
import { parseConfig } from '../../shared/config'
import { createServices } from '../services'
import { admin, anyOf, host, protect, speaker, university } from './auth'

let mongo: MongoDevServer
let env: Record<string, string>
const tokens = new Map<Role, string>()

beforeAll(async () => {
  mongo = await startMongoDevServer()
  env = {
    APP_ENV: 'test',
    LOG_LEVEL: 'error',
    JWT_SECRET: 'r'.repeat(32),
    MONGODB_URI: mongo.uri,
    MONGODB_DB: 'roles_test',
    UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9',
    UPSTASH_REDIS_REST_TOKEN: 't',
    S3_BUCKET: 'media',
    S3_ACCESS_KEY_ID: 'a',
    S3_SECRET_ACCESS_KEY: 'b',
    SMTP_HOST: '127.0.0.1',
  }
  const config = parseConfig(env)
  const services = createServices(config)
  const db = await services.database.db()
  for (const role of ROLES) {
    const _id = new ObjectId()
    await db.collection('users').insertOne({
      _id,
      name: role,
      role,
      isActive: true,
      emailVerified: true,
      phoneVerified: false,
      profile: {},
    })
    tokens.set(role, (await startSession(db, config, { _id, role }, {}, new Date())).accessToken)
  }
  await services.dispose()
})

afterAll(async () => {
  await mongo.close()
})

const guards = {
  protect: protect(),
  admin: admin(),
  host: host(),
  speaker: speaker(),
  university: university(),
  hostOrSpeaker: anyOf('HOST', 'SPEAKER'),
}
const admits: Record<keyof typeof guards, Role[]> = {
  protect: [...ROLES],
  admin: ['ADMIN'],
  host: ['HOST', 'ADMIN'],
  speaker: ['SPEAKER', 'ADMIN'],
  university: ['UNIVERSITY', 'ADMIN'],
  hostOrSpeaker: ['HOST', 'SPEAKER', 'ADMIN'],
}

function app() {
  const a = createApp()
  for (const [name, guard] of Object.entries(guards))
    a.get(`/probe/${name}`, guard, (c) => c.json({ role: c.get('user').role }))
  return a
}

describe('role middleware', () => {
  const table = Object.entries(admits).flatMap(([guard, allowed]) =>
    ROLES.map((role) => ({ guard, role, expected: allowed.includes(role) ? 200 : 403 })),
  )
  it.each(table)('$guard answers $expected to $role', async ({ guard, role, expected }) => {
    const res = await app().request(
      `/probe/${guard}`,
      { headers: { authorization: `Bearer ${tokens.get(role)}` } },
      env,
    )
    expect(res.status).toBe(expected)
  })

  it.each(Object.keys(guards))('%s answers 401 to an anonymous caller', async (guard) => {
    const res = await app().request(`/probe/${guard}`, {}, env)
    expect(res.status).toBe(401)
  })
})
