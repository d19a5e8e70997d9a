// The old stack's conference polling, minimal, as the fan-out benchmark's baseline: one Node
// process with Socket.IO 4 (in-memory adapter, single server) and plain node:http for the REST
// calls (the old Express stack would only add work on this side). With SOCKET_IO_BASELINE_REDIS_URL
// set, one of several such processes: Socket.IO's official Redis adapter (@socket.io/redis-adapter,
// ioredis) carries every broadcast to the others' sockets, and the poll state is in that Redis.
//
// Faithful to the Sanora seed where it speaks: JWT on the socket handshake (its "Socket.IO
// authentication middleware"), REST `POST …/questions/:questionId/live` to push a question,
// "conference polling state" in process memory (the seed's fallback when REDIS_URL is unset — its
// default single-server setup) or in Redis (when it is set), live counts emitted per vote (the new design's "coalesced, not sent
// per vote" is the change from it). Where the seed is silent we keep the fair minimal version:
// counts go per vote to the hosts only (a per-vote broadcast to every audience socket would be N²
// frames and no contest), the audience gets no periodic counts (the ConferenceRoom sends them once a
// second: extra work on its side), and a vote is acked once it is in the tally. Durability matches
// the benchmark's ConferenceRoom, whose Durable Object storage is in memory under wrangler dev and
// Miniflare without persistence; in production the room's storage is durable and this is not.
//
// Started by the benchmark as a child process (IPC): sends `{ type: 'ready', port, ... }` once
// listening, with the conference it serves and a host token. Ends on SIGTERM or when the parent goes.
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createAdapter } from '@socket.io/redis-adapter'
import { Redis } from 'ioredis'
import { jwtVerify, SignJWT } from 'jose'
import { Server, type Socket } from 'socket.io'
import { z } from 'zod'
import { memoryPollState, redisPollState, type PollState } from './poll-state'
import {
  newSetup,
  REDIS_URL_ENV,
  SETUP_ENV,
  type BaselineReady,
  type BaselineSetup,
} from './protocol'

const setup: BaselineSetup = process.env[SETUP_ENV]
  ? (JSON.parse(process.env[SETUP_ENV]) as BaselineSetup)
  : newSetup()
const SECRET = Buffer.from(setup.secretHex, 'hex')
const { conference } = setup
const TOKEN_TTL = '1h'
const redisUrl = process.env[REDIS_URL_ENV]
/** The Redis connections of this process (adapter publish, adapter subscribe, poll state). */
const redisClients: Redis[] = []
function connectRedis(url: string) {
  const client = new Redis(url, { maxRetriesPerRequest: 1 })
  redisClients.push(client)
  return client
}

/** The poll state the old server kept per conference (here: its one conference). */
const state: PollState = redisUrl
  ? redisPollState(conference, connectRedis(redisUrl))
  : memoryPollState(conference)

const room = `conference:${conference.id}`
const hosts = `conference:${conference.id}:hosts`

interface Identity {
  role: 'host' | 'audience'
  voter: string
}

const VoteSchema = z.strictObject({
  questionId: z.string().min(1).max(64),
  optionIds: z.array(z.string().min(1).max(64)).min(1).max(20),
})

type VoteAck = (
  reply: { ok: true; replaced: boolean } | { ok: false; code: string; message: string },
) => void

async function sign(identity: Identity) {
  return new SignJWT({ role: identity.role, conferenceId: conference.id })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(identity.voter)
    .setIssuedAt()
    .setExpirationTime(TOKEN_TTL)
    .sign(SECRET)
}

async function verify(token: unknown): Promise<Identity | null> {
  if (typeof token !== 'string') return null
  try {
    const { payload } = await jwtVerify(token, SECRET, { algorithms: ['HS256'] })
    if (payload.conferenceId !== conference.id || typeof payload.sub !== 'string') return null
    if (payload.role !== 'host' && payload.role !== 'audience') return null
    return { role: payload.role, voter: payload.sub }
  } catch {
    return null
  }
}

// ---- REST ---------------------------------------------------------------------------------------

const http = createServer((req, res) => {
  route(req, res).catch(() => send(res, 500, { success: false, message: 'Internal error' }))
})

async function route(req: IncomingMessage, res: ServerResponse) {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname
  const base = `/api/conference/${conference.id}/questions/${conference.questionId}`
  if (req.method === 'POST' && path === `/api/conference/by-code/${conference.code}/join`) {
    // Anonymous audience: the token's subject is their voter identity.
    return send(res, 200, { token: await sign({ role: 'audience', voter: randomUUID() }) })
  }
  if (path === `${base}/live` || path === `${base}/results`) {
    const identity = await verify(req.headers.authorization?.replace(/^Bearer /, ''))
    if (!identity) return send(res, 401, { success: false, message: 'Sign in as a host' })
    if (identity.role !== 'host') return send(res, 403, { success: false, message: 'Hosts only' })
    if (req.method === 'POST' && path === `${base}/live`) {
      await state.goLive()
      io.to(room).emit('question.live', {
        questionId: conference.questionId,
        options: conference.optionIds,
      })
      return send(res, 200, { questionId: conference.questionId, status: 'ACTIVE' })
    }
    if (req.method === 'GET' && path === `${base}/results`)
      return send(res, 200, { results: (await state.stats()).results })
  }
  send(res, 404, { success: false, message: 'Not found' })
}

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}

// ---- Socket.IO ----------------------------------------------------------------------------------

const io = new Server(http, { serveClient: false })
// The adapter's publishing and subscribing connections, as its documentation sets them up.
if (redisUrl) io.adapter(createAdapter(connectRedis(redisUrl), connectRedis(redisUrl)))

io.use((socket, next) => {
  verify(socket.handshake.auth?.token).then((identity) => {
    if (!identity) return next(new Error('UNAUTHORIZED'))
    socket.data.identity = identity
    next()
  }, next)
})

io.on('connection', (socket: Socket) => {
  const identity = socket.data.identity as Identity
  void socket.join(identity.role === 'host' ? [room, hosts] : room)
  // Replies go out in the order the state answered: a vote is acked before its count is emitted.
  void connected(socket, identity).catch((error: unknown) => console.error(error))

  socket.on('vote', (payload: unknown, ack: unknown) => {
    if (typeof ack !== 'function') return
    void vote(identity, payload, ack as VoteAck).catch(() =>
      (ack as VoteAck)({ ok: false, code: 'INTERNAL', message: 'Internal error' }),
    )
  })

  // The ConferenceRoom's ping → pong, as an event with an ack: the floor under a vote's round trip.
  socket.on('room.ping', (ack: unknown) => {
    if (typeof ack === 'function') ack({ at: Date.now() })
  })

  socket.on('disconnect', () => {
    if (identity.role !== 'audience') return
    state.audienceChanged(-1).then(
      (stats) => io.to(hosts).emit('room.stats', stats),
      (error: unknown) => console.error(error),
    )
  })
})

async function connected(socket: Socket, identity: Identity) {
  const stats = identity.role === 'audience' ? await state.audienceChanged(1) : await state.stats()
  const live = await state.isLive()
  socket.emit('conference.snapshot', {
    conferenceId: conference.id,
    liveQuestionId: live ? conference.questionId : null,
    ...(identity.role === 'host' ? stats : { audienceCount: stats.audienceCount }),
  })
  if (identity.role === 'audience') io.to(hosts).emit('room.stats', stats)
}

async function vote(identity: Identity, payload: unknown, reply: VoteAck) {
  if (identity.role !== 'audience')
    return reply({ ok: false, code: 'FORBIDDEN', message: 'Only the audience votes' })
  const ballot = VoteSchema.safeParse(payload)
  if (!ballot.success)
    return reply({ ok: false, code: 'VALIDATION_ERROR', message: 'Malformed vote' })
  const { questionId, optionIds } = ballot.data
  const notOpen = {
    ok: false,
    code: 'CONFLICT',
    message: 'This question is not open for voting',
  } as const
  if (questionId !== conference.questionId) return reply(notOpen)
  const option = optionIds[0]!
  if (optionIds.length !== 1 || !conference.optionIds.includes(option))
    return reply({ ok: false, code: 'VALIDATION_ERROR', message: 'Choose exactly one option' })
  const outcome = await state.vote(identity.voter, option)
  if (!outcome.live) return reply(notOpen)
  reply({ ok: true, replaced: outcome.replaced })
  if (outcome.changed) io.to(hosts).emit('room.stats', outcome.stats)
}

// With Redis: listen (and so tell the benchmark it is ready) once every connection is up, so no
// broadcast of another process is missed by this one's sockets.
void Promise.all(
  redisClients.map((c) => (c.status === 'ready' ? undefined : once(c, 'ready'))),
).then(() =>
  http.listen(0, '127.0.0.1', () => {
    const address = http.address()
    const port = typeof address === 'object' && address ? address.port : 0
    sign({ role: 'host', voter: 'host' }).then(
      (hostToken) => {
        const ready: BaselineReady = { type: 'ready', port, conference, hostToken }
        process.send?.(ready)
      },
      // Not ready after all: the benchmark sees this process exit before it listened, and fails.
      (error: unknown) => {
        console.error(error)
        process.exit(1)
      },
    )
  }),
)

const stop = () => {
  // Not awaited: the process exits right after, which closes whatever is still open.
  void io.close()
  for (const client of redisClients) client.disconnect()
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
// Never outlive the benchmark that started it.
process.on('disconnect', stop)
