// Smoke of the fan-out benchmark (npm run bench:fanout) with a tiny N, so it cannot rot: the
// ConferenceRoom run against the test Worker and the Socket.IO baselines (one process; two behind the
// Redis adapter) complete with every vote counted exactly once on each side. Correctness only: no
// latency is asserted here.
import { io, type Socket } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compare, comparisonTable } from '../bench/compare'
import { runConferenceRoom } from '../bench/conference-run'
import { SOCKET_IO_REDIS_ROLE, SOCKET_IO_ROLE, type RunSettings } from '../bench/report'
import { ROUND_TRIPS } from '../bench/run-steps'
import {
  runSocketIo,
  startBaseline,
  startBaselineServers,
  type BaselineServers,
  type RunningBaseline,
} from '../bench/socketio-baseline/run'
import { workerUrl } from '../harness/http'

const N = 20
const settings: RunSettings = {
  concurrency: 10,
  batch: 10,
  // Paced, as the benchmark runs by default (the burst path is covered by test/bench-load.test.ts).
  voteWindowMs: 200,
  timeoutMs: 15_000,
  log: () => {},
}

describe('the fan-out comparison', () => {
  it('runs both systems at the same N with 0 lost and 0 double-counted votes', async () => {
    const room = await runConferenceRoom({ url: workerUrl(), via: 'wrangler' }, N, settings)
    const baseline = await runSocketIo(N, settings)

    for (const run of [room, baseline]) {
      expect(run.error).toBeUndefined()
      expect(run).toMatchObject({ ok: true, lost: 0, doubleCounted: 0, unexpectedCloses: 0 })
      expect(run.load!.votes).toMatchObject({ sent: N, acked: N, refused: [], timedOut: 0 })
      expect(run.load!.votes.sendLagMs.count).toBe(N)
      expect(run.load!.votes.ackSamplesMs).toHaveLength(N)
      expect(run.expected!.totalResponses).toBe(N)
      // The host's ping → reply series before anyone joined: every measured round trip answered.
      expect(run.roundTripMs!.count).toBe(ROUND_TRIPS.measured)
      expect(run.roundTripMs!.p50).toBeGreaterThan(0)
    }
    // The baseline's tally is checked against the host's count and the server's own REST read.
    expect(baseline.checks!.map((c) => c.source)).toEqual([
      'host room.stats',
      "REST (server's tally)",
    ])
    expect(baseline.checks!.every((c) => c.counts!.totalResponses === N)).toBe(true)

    const [comparison, ...more] = compare([room, baseline])
    expect(more).toEqual([])
    expect(comparison).toMatchObject({ n: N, via: 'wrangler', exact: true })
    expect(comparison!.baseline).toBe('socket.io')
    const ackP99 = comparison!.figures.find((f) => f.name === 'vote ack p99 (ms)')!
    expect(ackP99.ratio).toBeCloseTo(ackP99.conferenceRoom! / ackP99.baseline!, 10)
    expect(ackP99.interval!.low).toBeLessThanOrEqual(ackP99.interval!.high)
    expect(ackP99.verdict).toBeDefined()
    // The pooled percentile of one run's samples is the run's own (summaries round to 0.1 ms).
    const roundTrip = comparison!.figures.find((f) => f.name === 'idle round trip p50 (ms)')!
    expect(roundTrip.conferenceRoom).toBeCloseTo(room.roundTripMs!.p50, 1)
    expect(roundTrip.baseline).toBeCloseTo(baseline.roundTripMs!.p50, 1)
    const table = comparisonTable([comparison!])
    expect(table[0]).toContain(`CR wrangler n=${N}`)
    expect(table.some((line) => line.startsWith('last vote → host final count (ms)'))).toBe(true)
  }, 40_000)

  it('runs the two-process baseline behind the Redis adapter with every vote counted once', async () => {
    const run = await runSocketIo(N, settings, 'socket.io-redis')

    expect(run.error).toBeUndefined()
    expect(run).toMatchObject({ via: 'socket.io-redis', ok: true, lost: 0, doubleCounted: 0 })
    expect(run.unexpectedCloses).toBe(0)
    expect(run.load!.votes).toMatchObject({ sent: N, acked: N, refused: [], timedOut: 0 })
    // The host (on the first process) counted the audience of both, and every vote of both.
    expect(run.hostAudienceCount).toBe(N)
    expect(run.checks!.map((c) => c.source)).toEqual(['host room.stats', "REST (server's tally)"])
    expect(run.checks!.every((c) => c.counts!.totalResponses === N)).toBe(true)
    // Both node processes and their redis-server were sampled as the server side.
    const roles = run.processesPeak!.map((p) => p.role)
    expect(roles.filter((r) => r === SOCKET_IO_ROLE)).toHaveLength(2)
    expect(roles).toContain(SOCKET_IO_REDIS_ROLE)
  }, 40_000)
})

describe('the Socket.IO baseline server', () => {
  let server: RunningBaseline
  const sockets: Socket[] = []

  beforeAll(async () => {
    server = await startBaseline()
  })
  afterAll(async () => {
    for (const s of sockets) s.disconnect()
    await server?.stop()
  })

  const connect = (token: string | undefined) =>
    new Promise<Socket>((resolve, reject) => {
      const socket = io(server.url, {
        transports: ['websocket'],
        auth: token === undefined ? {} : { token },
        reconnection: false,
        forceNew: true,
      })
      sockets.push(socket)
      socket.once('conference.snapshot', () => resolve(socket))
      socket.once('connect_error', reject)
    })

  const join = async () => {
    const { code } = server.ready.conference
    const res = await fetch(`${server.url}/api/conference/by-code/${code}/join`, { method: 'POST' })
    return connect(((await res.json()) as { token: string }).token)
  }

  it('answers room.ping with its ack, as the room answers ping with pong', async () => {
    const host = await connect(server.ready.hostToken)
    const before = Date.now()
    const reply = (await host.emitWithAck('room.ping')) as { at: number }
    expect(reply.at).toBeGreaterThanOrEqual(before)
    expect(reply.at).toBeLessThanOrEqual(Date.now())
  })

  it('refuses sockets without a valid token', async () => {
    await expect(connect(undefined)).rejects.toThrow('UNAUTHORIZED')
    await expect(connect('not-a-jwt')).rejects.toThrow('UNAUTHORIZED')
  })

  it('refuses pushes and results reads from anyone but the host', async () => {
    const { id, questionId, code } = server.ready.conference
    const live = `${server.url}/api/conference/${id}/questions/${questionId}/live`
    expect((await fetch(live, { method: 'POST' })).status).toBe(401)
    const joined = await fetch(`${server.url}/api/conference/by-code/${code}/join`, {
      method: 'POST',
    })
    const { token } = (await joined.json()) as { token: string }
    const asAudience = await fetch(live, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    })
    expect(asAudience.status).toBe(403)
  })

  it('refuses malformed votes, votes before the push and votes from the host; a repeat replaces', async () => {
    const { id, questionId, optionIds } = server.ready.conference
    const voter = await join()
    const host = await connect(server.ready.hostToken)
    const vote = (s: Socket, payload: unknown) => s.emitWithAck('vote', payload)

    expect(await vote(voter, { questionId, optionIds: [optionIds[0]] })).toMatchObject({
      ok: false,
      code: 'CONFLICT',
    })
    await fetch(`${server.url}/api/conference/${id}/questions/${questionId}/live`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.ready.hostToken}` },
    })
    for (const bad of [
      { questionId },
      { questionId, optionIds: ['no-such-option'] },
      { questionId, optionIds: [optionIds[0], optionIds[1]] },
      'vote',
    ])
      expect(await vote(voter, bad)).toMatchObject({ ok: false, code: 'VALIDATION_ERROR' })
    expect(await vote(host, { questionId, optionIds: [optionIds[0]] })).toMatchObject({
      ok: false,
      code: 'FORBIDDEN',
    })

    expect(await vote(voter, { questionId, optionIds: [optionIds[0]] })).toEqual({
      ok: true,
      replaced: false,
    })
    expect(await vote(voter, { questionId, optionIds: [optionIds[1]] })).toEqual({
      ok: true,
      replaced: true,
    })
    const results = await fetch(
      `${server.url}/api/conference/${id}/questions/${questionId}/results`,
      {
        headers: { authorization: `Bearer ${server.ready.hostToken}` },
      },
    )
    expect(((await results.json()) as { results: unknown }).results).toMatchObject({
      totalResponses: 1,
      counts: { [optionIds[0]!]: 0, [optionIds[1]!]: 1 },
    })
  })
})

describe('the two-process Socket.IO baseline', () => {
  let servers: BaselineServers
  const sockets: Socket[] = []

  beforeAll(async () => {
    servers = await startBaselineServers(2)
  })
  afterAll(async () => {
    for (const s of sockets) s.disconnect()
    await servers?.stop()
  })

  const connect = (url: string, token: string) =>
    new Promise<Socket>((resolve, reject) => {
      const socket = io(url, { transports: ['websocket'], auth: { token }, forceNew: true })
      sockets.push(socket)
      socket.once('conference.snapshot', () => resolve(socket))
      socket.once('connect_error', reject)
    })

  it('shares one conference: a token of one process votes on the other, and a repeat replaces there', async () => {
    const [first, second] = servers.urls as [string, string]
    const { id, code, questionId, optionIds } = servers.ready.conference
    const joined = await fetch(`${first}/api/conference/by-code/${code}/join`, { method: 'POST' })
    const { token } = (await joined.json()) as { token: string }
    const host = await connect(first, servers.ready.hostToken)
    const counted: unknown[] = []
    host.on('room.stats', (stats: { results: unknown }) => counted.push(stats.results))
    await fetch(`${second}/api/conference/${id}/questions/${questionId}/live`, {
      method: 'POST',
      headers: { authorization: `Bearer ${servers.ready.hostToken}` },
    })

    const onFirst = await connect(first, token)
    const onSecond = await connect(second, token)
    expect(await onFirst.emitWithAck('vote', { questionId, optionIds: [optionIds[0]] })).toEqual({
      ok: true,
      replaced: false,
    })
    expect(await onSecond.emitWithAck('vote', { questionId, optionIds: [optionIds[1]] })).toEqual({
      ok: true,
      replaced: true,
    })
    // The vote on the second process reached the host on the first through the adapter.
    const final = { totalResponses: 1, counts: { [optionIds[0]!]: 0, [optionIds[1]!]: 1 } }
    await expect.poll(() => counted.at(-1)).toMatchObject(final)
    const results = await fetch(`${first}/api/conference/${id}/questions/${questionId}/results`, {
      headers: { authorization: `Bearer ${servers.ready.hostToken}` },
    })
    expect(((await results.json()) as { results: unknown }).results).toMatchObject(final)
  })
})
