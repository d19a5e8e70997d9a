// A live conference whose audience outgrows its shards gets another: participants who join later
// are spread over every shard, and each keeps the shard their token names, so nobody's votes move.
// Its own Worker, with two sockets a shard, so that a handful of joins outgrows one.
import { ObjectId } from 'mongodb'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { registerRoleUser, testDb } from '../harness/users'
import { startWorker, type RunningWorker } from '../harness/worker'
import { openSocket, type TestSocket } from '../harness/ws'

let worker: RunningWorker
beforeAll(async () => {
  worker = await startWorker({
    // Two sockets a shard; the code lookup read for every join, so a new shard count is seen at once.
    vars: {
      ...inject('workerVars'),
      CONFERENCE_SHARD_CAPACITY: '2',
      CONFERENCE_CODE_CACHE_SECONDS: '0',
    },
  })
}, 60_000)
afterAll(() => worker?.dispose())

async function call(path: string, init: { method?: string; token?: string; json?: unknown } = {}) {
  const res = await fetch(worker.url + path, {
    method: init.method ?? 'GET',
    headers: {
      'content-type': 'application/json',
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  })
  return { status: res.status, body: (await res.json()) as any }
}

const socketUrl = (confId: string, ticket: string) =>
  `${worker.url.replace('http', 'ws')}/api/realtime/conference/${confId}?ticket=${ticket}`

describe('audience shards while live', () => {
  it('adds a shard when joins exceed the capacity, and a returning participant keeps theirs', async () => {
    const host = await registerRoleUser('host')
    const created = await call('/api/conference', {
      method: 'POST',
      token: host.accessToken,
      json: { title: 'Growing' },
    })
    const conf = created.body.conference
    await call(`/api/conference/${conf.id}`, {
      method: 'PUT',
      token: host.accessToken,
      json: { status: 'ACTIVE' },
    })
    const conferences = (await testDb()).collection('conferences')
    const shardCount = async () =>
      (await conferences.findOne({ _id: new ObjectId(conf.id) }))?.audienceShards?.count

    expect(await shardCount()).toBe(1)
    const joined: { token: string; shard: number; socket: TestSocket }[] = []
    const join = async () => {
      const res = await call(`/api/conference/by-code/${conf.publicCode}/join`, {
        method: 'POST',
        json: {},
      })
      expect(res.status).toBe(200)
      const socket = await openSocket(socketUrl(conf.id, res.body.ticket))
      const welcome = await socket.next((m) => m.type === 'welcome')
      joined.push({ token: res.body.participantToken, shard: welcome.identity.shard, socket })
    }
    // Three sockets on a shard of two: the room adds a second.
    for (let i = 0; i < 3; i++) await join()
    expect(joined.map((j) => j.shard)).toEqual([0, 0, 0])
    await expect.poll(shardCount, { timeout: 10_000 }).toBe(2)

    // Later joiners hash over two shards: within a dozen, both are used.
    while (new Set(joined.map((j) => j.shard)).size < 2) {
      if (joined.length > 20) throw new Error('20 joins and the second shard still unused')
      await join()
    }
    // A returning participant is sent to the shard their token names, whatever the count is now.
    const first = joined[0]!
    const ticket = await call(`/api/conference/${conf.id}/ticket`, {
      method: 'POST',
      json: { participantToken: first.token },
    })
    const again = await openSocket(socketUrl(conf.id, ticket.body.ticket))
    expect((await again.next((m) => m.type === 'welcome')).identity.shard).toBe(first.shard)
    await Promise.all([again.close(), ...joined.map((j) => j.socket.close())])
  }, 60_000)
})
