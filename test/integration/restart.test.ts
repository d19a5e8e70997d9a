// Restarting workerd (a Durable Object eviction in its strongest form) loses nothing that was
// acknowledged: chat messages and votes are in the objects' storage before the ack leaves, and
// reach MongoDB afterwards.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { ObjectId } from 'mongodb'
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import { signRealtimeTicket } from '../../worker/realtime/tickets'
import { startWorker, type RunningWorker } from '../harness/worker'
import { signUpUser, testDb } from '../harness/users'
import { openSocket } from '../harness/ws'
import { faultRecorder } from './security/lib/fault-report'

const faults = faultRecorder('restart')
afterAll(() => faults.save())

let dir: string
let worker: RunningWorker | undefined

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sanora-restart-'))
})
afterAll(async () => {
  await worker?.dispose()
  await rm(dir, { recursive: true, force: true })
})

async function restartable() {
  await worker?.dispose()
  worker = await startWorker({ vars: inject('workerVars'), persistDir: dir })
  // A fresh workerd loads its bundle on the first request; pay for it before timing anything.
  const url = `${worker.url}/api/health`
  await vi.waitFor(
    async () => {
      const res = await fetch(url)
      if (!res.ok) throw new Error(`${url} answered ${res.status}`)
    },
    { timeout: 20_000, interval: 200 },
  )
  return worker
}

const call = (
  base: string,
  p: string,
  init: { method?: string; token?: string; json?: unknown } = {},
) =>
  fetch(base + p, {
    method: init.method ?? 'GET',
    headers: {
      'content-type': 'application/json',
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }))

/** A running conference with one question (two options, votes may change), pushed live. */
async function liveConference(base: string, token: string, conference: Record<string, unknown>) {
  const created = await call(base, '/api/conference', { method: 'POST', token, json: conference })
  const confId: string = created.body.conference.id
  const q = await call(base, `/api/conference/${confId}/questions`, {
    method: 'POST',
    token,
    json: { text: 'Q?', options: ['a', 'b'], allowVoteChange: true },
  })
  const qid: string = q.body.question.id
  await call(base, `/api/conference/${confId}`, {
    method: 'PUT',
    token,
    json: { status: 'ACTIVE' },
  })
  await call(base, `/api/conference/${confId}/questions/${qid}/live`, { method: 'POST', token })
  return { confId, qid }
}

describe('restarting workerd', () => {
  it('keeps every acknowledged chat message, and they reach MongoDB', async () => {
    const [ann, ben] = await Promise.all([signUpUser(), signUpUser()])
    let w = await restartable()
    const conv = await call(w.url, '/api/chat/conversations/direct', {
      method: 'POST',
      token: ann.accessToken,
      json: { userId: ben.id },
    })
    const id = conv.body.conversation.id
    const ticket = await call(w.url, `/api/chat/conversations/${id}/ticket`, {
      method: 'POST',
      token: ann.accessToken,
    })
    const socket = await openSocket(`${w.url.replace('http', 'ws')}${ticket.body.url}`)
    const acked: number[] = []
    for (let i = 1; i <= 10; i++)
      socket.send({ type: 'message.send', rid: `r${i}`, text: `before restart ${i}` })
    for (let i = 1; i <= 10; i++)
      acked.push((await socket.next((m) => m.rid === `r${i}`, 20_000)).seq)
    // Restart at once: the batched MongoDB write may not have happened yet.
    socket.ws.terminate()
    w = await restartable()
    faults.injected()

    const history = await call(w.url, `/api/chat/conversations/${id}/messages?limit=50`, {
      token: ben.accessToken,
    })
    const kept = new Set(history.body.messages.map((m: { seq: number }) => m.seq))
    faults.checkedWrites(acked.length, acked.filter((seq) => !kept.has(seq)).length)
    expect(history.body.messages.map((m: { seq: number }) => m.seq)).toEqual(acked)
    const db = await testDb()
    await expect
      .poll(() => db.collection('messages').countDocuments({ conversationId: new ObjectId(id) }), {
        timeout: 12_000,
        interval: 200,
      })
      .toBe(10)
  }, 60_000)

  it('keeps every acknowledged vote of a live question', async () => {
    const host = await (await import('../harness/users')).registerRoleUser('host')
    let w = await restartable()
    const { confId, qid } = await liveConference(w.url, host.accessToken, { title: 'Restart' })
    const secret = inject('workerVars').JWT_SECRET!
    // More voters than one storage statement takes (25), voting together: stored in one batch.
    const voters = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const ticket = await signRealtimeTicket(
          secret,
          { kind: 'conference', id: confId },
          { subject: `p${i}`, kind: 'participant', role: 'audience' },
        )
        return openSocket(
          `${w.url.replace('http', 'ws')}/api/realtime/conference/${confId}?ticket=${ticket}`,
        )
      }),
    )
    await Promise.all(
      voters.map((s, i) => {
        // The first voter changes its mind within the burst: its later vote is the one kept.
        if (i === 0) s.send({ type: 'vote', rid: 'c', questionId: qid, optionIds: ['o2'] })
        s.send({ type: 'vote', rid: 'v', questionId: qid, optionIds: [i < 18 ? 'o1' : 'o2'] })
        return s.next((m) => m.rid === 'v' && m.type === 'ack')
      }),
    )
    expect(voters[0]!.messages.find((m) => m.rid === 'c')).toMatchObject({ type: 'ack' })
    for (const s of voters) s.ws.terminate()
    w = await restartable()
    faults.injected()

    const results = await call(w.url, `/api/conference/${confId}/questions/${qid}/results`, {
      token: host.accessToken,
    })
    const counted = results.body.results?.totalResponses ?? 0
    faults.checkedWrites(voters.length, Math.max(0, voters.length - counted))
    expect(results.body.results).toMatchObject({ counts: { o1: 18, o2: 12 }, totalResponses: 30 })
    // The question is still live after the restart: a new voter can vote.
    const ticket = await signRealtimeTicket(
      secret,
      { kind: 'conference', id: confId },
      { subject: 'late', kind: 'participant', role: 'audience' },
    )
    const late = await openSocket(
      `${w.url.replace('http', 'ws')}/api/realtime/conference/${confId}?ticket=${ticket}`,
    )
    late.send({ type: 'vote', rid: 'l', questionId: qid, optionIds: ['o2'] })
    expect(await late.next((m) => m.rid === 'l')).toMatchObject({ type: 'ack' })
    late.ws.terminate()
  }, 60_000)

  it('loses and doubles no vote when the room and its audience shards restart mid-vote', async () => {
    const host = await (await import('../harness/users')).registerRoleUser('host')
    let w = await restartable()
    // Three shards at the default capacity of 1,000 sockets each.
    const { confId, qid } = await liveConference(w.url, host.accessToken, {
      title: 'Sharded restart',
      expectedAudience: 3000,
    })
    const secret = inject('workerVars').JWT_SECRET!
    const socketOf = async (subject: string, shard: number) => {
      const ticket = await signRealtimeTicket(
        secret,
        { kind: 'conference', id: confId },
        { subject, kind: 'participant', role: 'audience', shard },
      )
      return openSocket(
        `${w.url.replace('http', 'ws')}/api/realtime/conference/${confId}?ticket=${ticket}`,
      )
    }
    // Ten voters on each of the three shards, each acked; the restart follows the last ack at
    // once, before the shards' next report to the room is due.
    const voters = await Promise.all(Array.from({ length: 30 }, (_, i) => socketOf(`s${i}`, i % 3)))
    await Promise.all(
      voters.map((s, i) => {
        s.send({ type: 'vote', rid: 'v', questionId: qid, optionIds: [i < 20 ? 'o1' : 'o2'] })
        return s.next((m) => m.rid === 'v' && m.type === 'ack')
      }),
    )
    for (const s of voters) s.ws.terminate()
    w = await restartable()
    faults.injected()

    const results = await call(w.url, `/api/conference/${confId}/questions/${qid}/results`, {
      token: host.accessToken,
    })
    const counted = results.body.results?.totalResponses ?? 0
    faults.checkedWrites(voters.length, Math.max(0, voters.length - counted))
    expect(results.body.results).toMatchObject({ counts: { o1: 20, o2: 10 }, totalResponses: 30 })

    // Back on their shards, everyone changes their vote: replaced, so nobody counts twice.
    const back = await Promise.all(Array.from({ length: 30 }, (_, i) => socketOf(`s${i}`, i % 3)))
    await Promise.all(
      back.map(async (s) => {
        s.send({ type: 'vote', rid: 'c', questionId: qid, optionIds: ['o2'] })
        expect(await s.next((m) => m.rid === 'c')).toMatchObject({ type: 'ack', replaced: true })
      }),
    )
    const after = await call(w.url, `/api/conference/${confId}/questions/${qid}/results`, {
      token: host.accessToken,
    })
    expect(after.body.results).toMatchObject({ counts: { o1: 0, o2: 30 }, totalResponses: 30 })
    for (const s of back) s.ws.terminate()
  }, 60_000)
})
