// The warm path: hot reads run inside pool objects whose MongoDB connections outlive the request.
// Proven by the path header, by counting the connections a MongoDB server saw, and by a database
// outage seen as 503 and recovered from without restarting anything.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { MongoClient } from 'mongodb'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startMongoDevServer, type MongoDevServer } from '../../dev-services/mongo'
import { createConference } from '../harness/conference'
import { api } from '../harness/http'
import { testDb } from '../harness/users'
import { startWorker, type RunningWorker } from '../harness/worker'
import { faultRecorder } from './security/lib/fault-report'

describe('hot reads on the shared test Worker', () => {
  it('are served by the warm pool with the same answer a direct read gives', async () => {
    const conf = await createConference()
    const hot = await api(`/api/conference/by-code/${conf.code}`, {
      headers: { origin: 'http://app.test' },
    })
    expect(hot.status).toBe(200)
    // CORS answered once, by the Worker in front of the pool.
    expect(hot.headers.get('access-control-allow-origin')).toBe('http://app.test')
    expect(hot.headers.get('vary')).toBe('Origin')
    expect(hot.headers.get('x-db-path')).toBe('warm')
    expect(hot.headers.get('x-request-id')).toBeTruthy()
    expect(hot.body.conference.id).toBe(conf.id)

    const owned = await api(`/api/conference/${conf.id}`, { token: conf.host.accessToken })
    expect(owned.headers.get('x-db-path')).toBe('warm')
    expect(owned.body.conference.publicCode).toBe(conf.code)
  })

  it('include joining by code (a POST that only reads): tokens as the per-request path made them', async () => {
    const conf = await createConference()
    const joined = await api(`/api/conference/by-code/${conf.code.toLowerCase()}/join`, {
      method: 'POST',
      json: { name: 'Ada' },
    })
    expect(joined.status).toBe(200)
    expect(joined.headers.get('x-db-path')).toBe('warm')
    expect(joined.body.conference.id).toBe(conf.id)
    // The participant token brings the same identity back through the pool.
    const again = await api(`/api/conference/by-code/${conf.code}/join`, {
      method: 'POST',
      json: { participantToken: joined.body.participantToken },
    })
    expect(again.headers.get('x-db-path')).toBe('warm')
    expect(again.body.participantToken).toBe(joined.body.participantToken)
    // The socket ticket names this room and the participant as the audience.
    const ticket = JSON.parse(Buffer.from(joined.body.ticket.split('.')[1], 'base64url').toString())
    expect(ticket.room).toBe(`conference:${conf.id}`)
    expect(ticket.identity).toMatchObject({ role: 'audience', kind: 'participant', name: 'Ada' })
    const unknown = await api('/api/conference/by-code/ZZZZZZ/join', { method: 'POST', json: {} })
    expect(unknown.status).toBe(404)
    expect(unknown.headers.get('x-db-path')).toBe('warm')
    expect(unknown.body.success).toBe(false)
  })

  // The pool may answer before it reads a body (a signed-in join never needs one; a refusal by
  // content type or size reads none of it): streamed across, that failed the Worker's request with
  // workerd's 503 "Your worker restarted mid-request".
  it('answer a join whose body the pool never reads, and refuse bad bodies with the usual 4xx', async () => {
    const conf = await createConference()
    const join = `/api/conference/by-code/${conf.code}/join`
    const signedIn = await api(join, { method: 'POST', json: {}, token: conf.host.accessToken })
    expect(signedIn.status).toBe(200)
    expect(signedIn.headers.get('x-db-path')).toBe('warm')
    expect(signedIn.body.participantToken).toBeNull()
    const asText = await api(join, {
      method: 'POST',
      body: 'hello',
      headers: { 'content-type': 'text/plain' },
    })
    expect(asText.status).toBe(415)
    expect(asText.body.success).toBe(false)
    const oversize = await api(join, { method: 'POST', json: { name: 'x'.repeat(2_000_000) } })
    expect(oversize.status).toBe(413)
    expect(oversize.body.code).toBe('PAYLOAD_TOO_LARGE')
    // And the pool serves the next request as before (a failed stream took it down with it).
    const after = await api(`/api/conference/by-code/${conf.code}`)
    expect(after.status).toBe(200)
    expect(after.headers.get('x-db-path')).toBe('warm')
  })

  it('keep authorization: a DRAFT conference stays hidden from others through the pool', async () => {
    const draft = await createConference(undefined, { start: false })
    const anonymous = await api(`/api/conference/${draft.id}`)
    expect(anonymous.headers.get('x-db-path')).toBe('warm')
    expect([401, 403, 404]).toContain(anonymous.status)
    expect(anonymous.body.success).toBe(false)
  })

  it('leave writes and everything else on the per-request path', async () => {
    const conf = await createConference()
    const write = await api(`/api/conference/${conf.id}`, {
      method: 'PUT',
      token: conf.host.accessToken,
      json: { title: 'Renamed' },
    })
    expect(write.status).toBe(200)
    expect(write.headers.get('x-db-path')).toBeNull()
    // The pool reads what the per-request path wrote.
    const read = await api(`/api/conference/${conf.id}`, { token: conf.host.accessToken })
    expect(read.body.conference.title).toBe('Renamed')
    const health = await api('/api/health')
    expect(health.headers.get('x-db-path')).toBeNull()
  })
})

describe('a Worker with one pool object and a MongoDB server of its own', () => {
  const faults = faultRecorder('warm-pool-mongodb-down')
  afterAll(() => faults.save())
  let dataDir: string
  let mongo: MongoDevServer
  let worker: RunningWorker
  let code: string

  const connectionsCreated = async () => {
    const client = await new MongoClient(mongo.uri).connect()
    try {
      const status = await client.db('admin').command({ serverStatus: 1 })
      return status.connections.totalCreated as number
    } finally {
      await client.close()
    }
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'sanora-warm-'))
    mongo = await startMongoDevServer({ dataDir })
    // A conference made through the shared Worker, copied into this server's database.
    const conf = await createConference()
    code = conf.code
    const vars: Record<string, string> = {
      ...inject('workerVars'),
      MONGODB_URI: mongo.uri,
      MONGODB_WARM_POOL_OBJECTS: '1',
      // Every lookup reads MongoDB here: what is measured is the pool's connections, not the cache.
      CONFERENCE_CODE_CACHE_SECONDS: '0',
    }
    const doc = await (await testDb()).collection('conferences').findOne({ publicCode: code })
    const client = await new MongoClient(mongo.uri).connect()
    await client.db(vars.MONGODB_DB!).collection('conferences').insertOne(doc!)
    await client.close()
    worker = await startWorker({ vars })
  }, 60_000)

  afterAll(async () => {
    await worker?.dispose()
    await mongo?.close()
    await rm(dataDir, { recursive: true, force: true })
  })

  const byCode = () => fetch(`${worker.url}/api/conference/by-code/${code}`)

  it('opens a handful of connections for forty requests, not one or more per request', async () => {
    const first = await byCode()
    expect(first.status).toBe(200)
    const before = await connectionsCreated()
    for (let i = 0; i < 40; i++) {
      const res = await byCode()
      expect(res.status).toBe(200)
      expect(res.headers.get('x-db-path')).toBe('warm')
    }
    // Each reading above opened one connection of its own (the +1 per call).
    const opened = (await connectionsCreated()) - before - 1
    expect(opened).toBeLessThan(5)
  })

  // workerd's node:net once leaked a timer per socket read or write (worker/services/
  // workerd-socket-timers.ts): each connection was closed as "timed out" 3 s (the connect timeout)
  // after it opened, whatever its use, and steady load exhausted the object's timers.
  it('never drops its connections under steady use past the connect timeout', async () => {
    expect((await byCode()).status).toBe(200)
    // One reading client for both readings, so that it closes nothing in between itself.
    const reader = await new MongoClient(mongo.uri).connect()
    const closedSoFar = async () => {
      const { connections } = await reader.db('admin').command({ serverStatus: 1 })
      return (connections.totalCreated as number) - (connections.current as number)
    }
    try {
      const before = await closedSoFar()
      const until = performance.now() + 4_000
      let requests = 0
      while (performance.now() < until) {
        const res = await byCode()
        expect(res.status).toBe(200)
        requests += 1
      }
      expect(requests).toBeGreaterThan(20)
      expect((await closedSoFar()) - before).toBe(0)
    } finally {
      await reader.close()
    }
  })

  it('answers 503 in the envelope while MongoDB is down and recovers without a restart', async () => {
    const port = mongo.port
    await mongo.close()
    faults.injected()
    const down = await byCode()
    expect(down.status).toBe(503)
    const body = (await down.json()) as any
    expect(body.success).toBe(false)
    expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+/)

    mongo = await startMongoDevServer({ dataDir, port })
    await expect
      .poll(async () => (await byCode()).status, { timeout: 20_000, interval: 200 })
      .toBe(200)
  }, 30_000)
})
