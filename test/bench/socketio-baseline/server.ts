// The old stack's conference polling, minimal, as the fan-out benchmark's baseline: one Node
// process with Socket.IO 4 (in-memory adapter, single server) and plain node:http for the REST
// calls (the old Express stack would only add work on this side).
//
// Faithful to the Sanora seed where it speaks: JWT on the socket handshake (its "Socket.IO
// authentication middleware"), REST `POST …/questions/:questionId/live` to push a question,
// "conference polling state" in process memory (the seed's fallback when REDIS_URL is unset — its
// default single-server setup), live counts emitted per vote (the new design's "coalesced, not sent
// per vote" is the change from it). Where the seed is silent we keep the fair minimal version:
// counts go per vote to the hosts only (a per-vote broadcast to every audience socket would be N²
// frames and no contest), the audience gets no periodic counts (the ConferenceRoom sends them once a
// second: extra work on its side), and a vote is acked once it is in the tally. Durability matches
// the benchmark's ConferenceRoom, whose Durable Object storage is in memory under wrangler dev and
// Miniflare without persistence; in production the room's storage is durable and this is not.
//
// Started by the benchmark as a child process (IPC): sends `{ type: 'ready', port, ... }` once
// listening, with the conference it serves and a host token. Ends on SIGTERM or when the parent goes.
import { randomBytes, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { jwtVerify, SignJWT } from 'jose'
import { Server, type Socket } from 'socket.io'
import { z } from 'zod'
import { OPTIONS } from '../tally'
import type { BaselineConference, BaselineReady, RoomStats, Tally } from './protocol'

const SECRET = randomBytes(32)
const TOKEN_TTL = '1h'

const conference: BaselineConference = {
  id: randomUUID(),
  code: randomBytes(4).toString('hex').toUpperCase(),
  questionId: randomUUID(),
  optionIds: OPTIONS.map(() => randomUUID()),
}

/** The poll state the old server kept per conference (here: its one conference). */
const state = {
  live: false,
  /** voter → chosen option: a second vote replaces the first, so nobody counts twice. */
  votes: new Map<string, string>(),
  counts: Object.fromEntries(conference.optionIds.map((o) => [o, 0])) as Record<string, number>,
  audience: 0,
}

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

function tally(): Tally {
  return {
    questionId: conference.questionId,
    counts: { ...state.counts },
    totalResponses: state.votes.size,
  }
}

function stats(): RoomStats {
  return { audienceCount: state.audience, results: tally() }
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
      state.live = true
      io.to(room).emit('question.live', {
        questionId: conference.questionId,
        options: conference.optionIds,
      })
      return send(res, 200, { questionId: conference.questionId, status: 'ACTIVE' })
    }
    if (req.method === 'GET' && path === `${base}/results`)
      return send(res, 200, { results: tally() })
  }
  send(res, 404, { success: false, message: 'Not found' })
}

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}

// ---- Socket.IO ----------------------------------------------------------------------------------

const io = new Server(http, { serveClient: false })

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
  if (identity.role === 'audience') state.audience += 1
  socket.emit('conference.snapshot', {
    conferenceId: conference.id,
    liveQuestionId: state.live ? conference.questionId : null,
    ...(identity.role === 'host' ? stats() : { audienceCount: state.audience }),
  })
  if (identity.role === 'audience') io.to(hosts).emit('room.stats', stats())

  socket.on('vote', (payload: unknown, ack: unknown) => {
    if (typeof ack !== 'function') return
    const reply = ack as VoteAck
    if (identity.role !== 'audience')
      return reply({ ok: false, code: 'FORBIDDEN', message: 'Only the audience votes' })
    const vote = VoteSchema.safeParse(payload)
    if (!vote.success)
      return reply({ ok: false, code: 'VALIDATION_ERROR', message: 'Malformed vote' })
    const { questionId, optionIds } = vote.data
    if (questionId !== conference.questionId || !state.live)
      return reply({ ok: false, code: 'CONFLICT', message: 'This question is not open for voting' })
    const option = optionIds[0]!
    if (optionIds.length !== 1 || !(option in state.counts))
      return reply({ ok: false, code: 'VALIDATION_ERROR', message: 'Choose exactly one option' })
    const previous = state.votes.get(identity.voter)
    if (previous !== option) {
      if (previous) state.counts[previous]! -= 1
      state.counts[option]! += 1
      state.votes.set(identity.voter, option)
    }
    reply({ ok: true, replaced: previous !== undefined })
    if (previous !== option) io.to(hosts).emit('room.stats', stats())
  })

  // The ConferenceRoom's ping → pong, as an event with an ack: the floor under a vote's round trip.
  socket.on('room.ping', (ack: unknown) => {
    if (typeof ack === 'function') ack({ at: Date.now() })
  })

  socket.on('disconnect', () => {
    if (identity.role !== 'audience') return
    state.audience -= 1
    io.to(hosts).emit('room.stats', stats())
  })
})

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
})

const stop = () => {
  // Not awaited: the process exits right after, which closes whatever is still open.
  void io.close()
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
// Never outlive the benchmark that started it.
process.on('disconnect', stop)
