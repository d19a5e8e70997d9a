// Every query the hot REST paths run uses an index. The test drives those paths against a MongoDB
// server of its own with the profiler at level 2, then reads `system.profile` (what `explain`
// chose for each command) and refuses any collection scan — the same check works on mongod.
import { MongoClient, type Db } from 'mongodb'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startMongoDevServer, type MongoDevServer } from '../../dev-services/mongo'
import { parseConfig } from '../../shared/config'
import type { Role } from '../../shared/roles'
import { startSession } from '../../worker/auth/sessions'
import { ensureIndexes } from '../../worker/db/indexes'
import { createUser } from '../../worker/auth/users-store'
import { freshIp, uniqueEmail } from '../harness/users'
import { startWorker, type RunningWorker } from '../harness/worker'

let mongo: MongoDevServer
let client: MongoClient
let db: Db
let worker: RunningWorker
let vars: Record<string, string>

beforeAll(async () => {
  mongo = await startMongoDevServer()
  vars = { ...inject('workerVars'), MONGODB_URI: mongo.uri }
  client = await new MongoClient(mongo.uri).connect()
  db = client.db(vars.MONGODB_DB!)
  await ensureIndexes(db)
  await db.command({ profile: 2 })
  worker = await startWorker({ vars })
}, 60_000)

afterAll(async () => {
  await worker?.dispose()
  await client?.close()
  await mongo?.close()
})

async function userWithRole(role: Role) {
  const user = await createUser(
    db,
    { name: `Plan ${role}`, role, email: uniqueEmail(`plan-${role.toLowerCase()}`) },
    new Date(),
  )
  const session = await startSession(db, parseConfig(vars), user, { name: 'plans' }, new Date())
  return { id: user._id.toHexString(), token: session.accessToken }
}

async function call(path: string, token?: string, method = 'GET', json?: unknown) {
  const res = await fetch(worker.url + path, {
    method,
    headers: {
      'cf-connecting-ip': freshIp(),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(json === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: json === undefined ? undefined : JSON.stringify(json),
  })
  const body = (await res.json()) as any
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(body)}`)
  return body
}

describe('query plans of the hot paths', () => {
  it('never scan a collection', async () => {
    const [host, uni, ann, ben] = await Promise.all([
      userWithRole('HOST'),
      userWithRole('UNIVERSITY'),
      userWithRole('USER'),
      userWithRole('USER'),
    ])
    // Conference: create, read every way an audience and a host do.
    const { conference } = await call('/api/conference', host.token, 'POST', {
      title: 'Plans',
      speakers: [],
    })
    const { question } = await call(
      `/api/conference/${conference.id}/questions`,
      host.token,
      'POST',
      {
        text: 'Q?',
        options: ['A', 'B'],
      },
    )
    await call(`/api/conference/${conference.id}`, host.token, 'PUT', { status: 'ACTIVE' })
    await call('/api/conference', host.token)
    await call(`/api/conference/by-code/${conference.publicCode}`)
    await call(`/api/conference/${conference.id}`)
    await call(`/api/conference/${conference.id}/questions`, host.token)
    await call(`/api/conference/${conference.id}/questions/results`, host.token)
    await call(`/api/conference/${conference.id}/questions/${question.id}/results`, host.token)

    // Courses: the public listing, the owner's, one course.
    const { course } = await call('/api/courses', uni.token, 'POST', { title: 'Plans 101' })
    await call(`/api/courses/${course.id}`, uni.token, 'PUT', { published: true })
    await call('/api/courses')
    await call('/api/courses?mine=true', uni.token)
    await call(`/api/courses/${course.id}`, ann.token)

    // Messaging and notifications: the lists every app polls.
    const direct = await call('/api/chat/conversations/direct', ann.token, 'POST', {
      userId: ben.id,
    })
    await call('/api/chat/conversations', ann.token)
    await call(`/api/chat/conversations/${direct.conversation.id}/messages`, ann.token)
    await call('/api/notifications', ben.token)

    // Videodesk: the meeting lists its web client loads on every page.
    await call('/api/v1/meetings/all', ann.token)
    await call('/api/v1/meetings/all?archived=true', ann.token)
    await call('/api/v1/meetings/archived-count', ann.token)

    const profile = await db.collection('system.profile').find({}).toArray()
    expect(profile.length).toBeGreaterThan(20)
    const scans = profile
      .filter((p) => p.planSummary === 'COLLSCAN')
      .map(
        (p) =>
          `${p.op} ${p.ns} ${JSON.stringify(p.command.filter ?? p.command.q ?? p.command.pipeline ?? p.command.query ?? p.command.updates?.[0]?.q ?? p.command.deletes?.[0]?.q ?? {})}`,
      )
    expect([...new Set(scans)]).toEqual([])
  })
})
