// A Node host for the Socket.IO core (durable-objects/socket-io/) on node:http and `ws`, driving it
// the way a Durable Object will: held polls, probe sockets, one heartbeat "alarm", and the runtime's
// `3` → `6` auto-response emulated with its timestamp. Its in-memory app echoes, acks, broadcasts
// with recovery offsets and replays, so the real socket.io-client can be pointed at it.
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import { corsHeaders, preflightHeaders } from '../../durable-objects/socket-io/cors'
import type { EngineReply } from '../../durable-objects/socket-io/engine-errors'
import { ENGINE_PATH, routeEngineRequest } from '../../durable-objects/socket-io/engine-request'
import {
  beginPoll,
  beginPost,
  beginUpgrade,
  closeSession,
  ENGINE_DEFAULTS,
  enqueue,
  finishPost,
  openSession,
  pollReply,
  receiveProbe,
  receiveWebSocket,
  takePoll,
  webSocketClosed,
  type CloseReason,
  type EngineOptions,
  type EngineOutcome,
  type EngineSession,
} from '../../durable-objects/socket-io/engine-session'
import { CONNECT_TIMEOUT, heartbeat } from '../../durable-objects/socket-io/heartbeat'
import { formatOffset, type RecoveryRequest } from '../../durable-objects/socket-io/recovery'
import {
  INVALID_NAMESPACE,
  leaveNamespace,
  newSocketIoState,
  receiveSocketIo,
  type SocketIoAction,
  type SocketIoState,
} from '../../durable-objects/socket-io/socket-io-connection'
import { encodeAck, encodeEvent } from '../../durable-objects/socket-io/socket-io-packets'

interface Identity {
  user: string
}

interface Handshake {
  query: string
}

interface Hosted {
  session: EngineSession
  io: SocketIoState<Identity>
  handshake: Handshake
  /** Answers the held GET. */
  held: ((reply: EngineReply) => void) | null
  ws: WebSocket | null
  probe: WebSocket | null
  /** What the emulated runtime recorded when it answered `3` by itself. */
  autoPongAt: number | null
  /** Socket.IO messages are handled one after the other. */
  chain: Promise<void>
}

export interface SocketIoNodeHostOptions {
  engine?: Partial<EngineOptions>
  allowedOrigins?: string[]
  /** Connection state recovery: sockets get a pid, broadcasts carry offsets, returning clients are replayed to. */
  recovery?: boolean
  /** A session that joins no namespace this long after opening is closed (ms). */
  connectTimeout?: number
}

export interface SocketIoNodeHost {
  /** `http://127.0.0.1:<port>` */
  url: string
  engine: EngineOptions
  /** Engine.IO sessions by sid. */
  sessions: Map<string, Hosted>
  pingsSent: number
  /** Why sessions ended, in order. */
  closed: CloseReason[]
  /** What the recovery hook received. */
  recoveries: RecoveryRequest[]
  /** The clients' answers to `question` events. */
  answers: unknown[][]
  /** Sends an event to every socket of `/` with the next seq as its offset (when recovery is on). */
  broadcast(event: string, ...args: unknown[]): void
  /** Closes every transport without a close packet, as a network loss would. */
  dropConnections(): void
  close(): Promise<void>
}

/**
 * The app: token `secret` authenticates, `/` and `/admin` exist; `echo` acks its arguments; `ask`
 * makes the server emit `question` with an ack, the answer landing in `answers`; `leave` makes the
 * server disconnect the socket from its namespace.
 */
export async function startSocketIoNodeHost(
  options: SocketIoNodeHostOptions = {},
): Promise<SocketIoNodeHost> {
  const engine: EngineOptions = { ...ENGINE_DEFAULTS, ...options.engine }
  const allowedOrigins = options.allowedOrigins ?? []
  const sessions = new Map<string, Hosted>()
  // The room's log: a gap-free seq per broadcast, replayed to recovering clients.
  const log: { seq: number; event: string; args: unknown[] }[] = []
  let nextAckId = 0
  let alarm: { at: number; timer: NodeJS.Timeout } | null = null

  const host: SocketIoNodeHost = {
    url: '',
    engine,
    sessions,
    pingsSent: 0,
    closed: [],
    recoveries: [],
    answers: [],
    broadcast(event, ...args) {
      const seq = log.length + 1
      log.push({ seq, event, args })
      // Encoded once, the same string for every socket.
      const frame = encodeEvent(
        '/',
        event,
        args,
        options.recovery ? { offset: formatOffset(seq) } : {},
      )
      for (const hosted of sessions.values()) if (hosted.io.namespaces['/']) deliver(hosted, frame)
    },
    dropConnections() {
      for (const hosted of sessions.values()) {
        hosted.ws?.terminate()
        hosted.probe?.terminate()
        forget(hosted, 'transport close')
      }
    },
    async close() {
      if (alarm) clearTimeout(alarm.timer)
      for (const hosted of sessions.values()) forget(hosted, 'forced close')
      wss.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }

  const app = {
    async authenticate(nsp: string, auth: Record<string, unknown>) {
      if (nsp !== '/' && nsp !== '/admin') return { ok: false as const, message: INVALID_NAMESPACE }
      if (auth.token !== 'secret') return { ok: false as const, message: 'invalid token' }
      return { ok: true as const, identity: { user: 'alice' } }
    },
    ...(options.recovery
      ? {
          async recover(_nsp: string, _identity: Identity, request: RecoveryRequest) {
            host.recoveries.push(request)
            return request.seq <= log.length
          },
        }
      : {}),
  }

  function deliver(hosted: Hosted, frame: string) {
    if (hosted.session.transport === 'websocket') hosted.ws?.send(frame)
    else {
      enqueue(hosted.session, frame)
      wake(hosted)
    }
  }

  function wake(hosted: Hosted) {
    if (!hosted.held) return
    const body = takePoll(hosted.session)
    if (body === null) return
    const answer = hosted.held
    hosted.held = null
    answer(pollReply(body))
    if (hosted.session.closed) sessions.delete(hosted.session.id)
  }

  /** Ends a session: polling clients collect their `1` on the held (or next) poll. */
  function forget(hosted: Hosted, reason: CloseReason) {
    if (!sessions.has(hosted.session.id)) return
    if (!hosted.session.closed) closeSession(hosted.session, reason)
    host.closed.push(hosted.session.closed ?? reason)
    hosted.ws?.close()
    hosted.probe?.close()
    const waiting = hosted.session.transport === 'polling' && hosted.session.queue.length > 0
    if (hosted.held || !waiting) {
      wake(hosted)
      sessions.delete(hosted.session.id)
    }
  }

  function apply(hosted: Hosted, result: EngineOutcome, ws: WebSocket | null) {
    for (const frame of result.send) ws?.send(frame)
    for (const message of result.messages) {
      hosted.chain = hosted.chain
        .then(() => receiveSocketIo(hosted.io, message, app, hosted.handshake))
        .then((actions) => actions.forEach((action) => act(hosted, action)))
        // A throwing hook ends the session rather than stalling its later messages.
        .catch(() => forget(hosted, 'forced close'))
    }
    if (result.wakePoll) wake(hosted)
    if (result.close) forget(hosted, result.close)
  }

  function act(hosted: Hosted, action: SocketIoAction<Identity>) {
    switch (action.type) {
      case 'send':
        return deliver(hosted, action.frame)
      case 'connected':
        if (action.recovered) {
          for (const entry of log.filter((e) => e.seq > action.recovered!.seq)) {
            deliver(
              hosted,
              encodeEvent(action.nsp, entry.event, entry.args, { offset: formatOffset(entry.seq) }),
            )
          }
        }
        return
      case 'event':
        if (action.event === 'echo' && action.ackId !== null) {
          return deliver(hosted, encodeAck(action.nsp, action.ackId, action.args))
        }
        if (action.event === 'leave') {
          const frame = leaveNamespace(hosted.io, action.nsp)
          return frame === null ? undefined : deliver(hosted, frame)
        }
        if (action.event === 'ask') {
          return deliver(
            hosted,
            encodeEvent(action.nsp, 'question', action.args, { ackId: nextAckId++ }),
          )
        }
        return
      case 'ack':
        host.answers.push(action.args)
        return
      case 'disconnected':
        return
      case 'close':
        return forget(hosted, action.reason === 'parse error' ? 'parse error' : 'forced close')
    }
  }

  function track(session: EngineSession, query: string): Hosted {
    const hosted: Hosted = {
      session,
      io: newSocketIoState(),
      handshake: { query },
      held: null,
      ws: null,
      probe: null,
      autoPongAt: null,
      chain: Promise.resolve(),
    }
    sessions.set(session.id, hosted)
    setAlarm(
      session.openedAt + Math.min(engine.pingInterval, options.connectTimeout ?? CONNECT_TIMEOUT),
    )
    return hosted
  }

  // One timer standing for the Durable Object's alarm: earliest wins, like setAlarm after getAlarm.
  function setAlarm(at: number | null) {
    if (at === null || (alarm && alarm.at <= at)) return
    if (alarm) clearTimeout(alarm.timer)
    alarm = { at, timer: setTimeout(runAlarm, Math.max(0, at - Date.now())) }
  }

  function runAlarm() {
    alarm = null
    const now = Date.now()
    const peers = [...sessions.values()]
      .filter((hosted) => !hosted.session.closed)
      .map((hosted) => ({
        id: hosted.session.id,
        openedAt: hosted.session.openedAt,
        pingedAt: hosted.session.pingedAt,
        pongAt: Math.max(hosted.session.pongAt ?? -1, hosted.autoPongAt ?? -1),
        connected: Object.keys(hosted.io.namespaces).length > 0,
      }))
    const plan = heartbeat(now, peers, {
      ...engine,
      coalesce: engine.pingInterval / 10,
      connectTimeout: options.connectTimeout ?? CONNECT_TIMEOUT,
    })
    for (const id of plan.ping) {
      const hosted = sessions.get(id)!
      hosted.session.pingedAt = now
      host.pingsSent++
      deliver(hosted, '2')
    }
    for (const id of plan.close) forget(sessions.get(id)!, 'ping timeout')
    setAlarm(plan.nextAt)
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse) {
    const cors = corsHeaders(req.headers.origin ?? null, allowedOrigins)
    const reply = (answer: EngineReply) => {
      res.writeHead(answer.status, { ...answer.headers, ...cors }).end(answer.body)
    }
    if (!req.url?.startsWith(ENGINE_PATH)) return reply({ status: 404, headers: {}, body: '' })
    if (req.method === 'OPTIONS') {
      const headers = preflightHeaders(
        req.headers.origin ?? null,
        allowedOrigins,
        req.headers['access-control-request-headers'] ?? null,
      )
      return res.writeHead(204, headers).end()
    }
    const route = routeEngineRequest(
      { method: req.method ?? 'GET', url: req.url, upgrade: false },
      (sid) => sessions.get(sid)?.session,
    )
    switch (route.kind) {
      case 'error':
        return reply(route.reply)
      case 'handshake': {
        const { session, frame } = openSession('polling', Date.now(), engine)
        track(session, req.url)
        return reply(pollReply(frame))
      }
      case 'poll': {
        const hosted = sessions.get(route.session.id)!
        const start = beginPoll(hosted.session)
        if (!start.ok) {
          reply(start.reply)
          return forget(hosted, start.close)
        }
        if (start.body !== null) {
          reply(pollReply(start.body))
          if (hosted.session.closed) sessions.delete(hosted.session.id)
          return
        }
        hosted.held = reply
        // The reference ends the session when a held poll's connection goes away.
        res.on('close', () => {
          if (hosted.held === reply) {
            hosted.held = null
            forget(hosted, 'transport close')
          }
        })
        return
      }
      case 'post': {
        const hosted = sessions.get(route.session.id)!
        const length = req.headers['content-length']
        const refused = beginPost(
          hosted.session,
          {
            contentType: req.headers['content-type'] ?? null,
            contentLength: length ? Number(length) : null,
          },
          engine,
        )
        if (refused) {
          reply(refused.reply)
          if (refused.close) forget(hosted, refused.close)
          return
        }
        const chunks: Buffer[] = []
        for await (const chunk of req) chunks.push(chunk as Buffer)
        const { reply: answer, outcome } = finishPost(
          hosted.session,
          Buffer.concat(chunks).toString('utf8'),
          Date.now(),
          engine,
        )
        reply(answer)
        return apply(hosted, outcome, null)
      }
      case 'upgrade':
      case 'accept-and-close':
        return reply({ status: 400, headers: {}, body: '' })
    }
  }

  const wss = new WebSocketServer({ noServer: true })

  function onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer) {
    const url = req.url ?? ''
    if (!url.startsWith(ENGINE_PATH)) return socket.destroy()
    const route = routeEngineRequest(
      { method: req.method ?? 'GET', url, upgrade: true },
      (sid) => sessions.get(sid)?.session,
    )
    if (route.kind === 'error') {
      const { status, headers, body } = route.reply
      const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status]}`, 'Connection: close']
      for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`)
      lines.push(`Content-Length: ${Buffer.byteLength(body)}`, '', body)
      socket.end(lines.join('\r\n'))
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (route.kind === 'accept-and-close') return ws.close()
      if (route.kind === 'upgrade') {
        const hosted = sessions.get(route.session.id)!
        beginUpgrade(hosted.session)
        hosted.probe = ws
        return listen(hosted, ws)
      }
      if (route.kind !== 'handshake') return ws.close()
      const { session, frame } = openSession('websocket', Date.now(), engine)
      const hosted = track(session, url)
      hosted.ws = ws
      ws.send(frame)
      listen(hosted, ws)
    })
  }

  function listen(hosted: Hosted, ws: WebSocket) {
    ws.on('message', (raw: RawData, isBinary: boolean) => {
      const data = isBinary ? toArrayBuffer(raw) : raw.toString()
      if (hosted.probe === ws) {
        const result = receiveProbe(hosted.session, data)
        for (const frame of result.send) ws.send(frame)
        if (result.upgraded) {
          hosted.probe = null
          hosted.ws = ws
        }
        if (result.abort) {
          hosted.probe = null
          ws.close()
        }
        if (result.wakePoll) wake(hosted)
        return
      }
      // The runtime's auto-response: `3` answered with `6`, its time recorded, the object asleep.
      if (data === '3') {
        hosted.autoPongAt = Date.now()
        ws.send('6')
        return
      }
      apply(hosted, receiveWebSocket(hosted.session, data, Date.now(), engine), ws)
    })
    ws.on('close', () => {
      const wasProbe = hosted.probe === ws
      if (wasProbe) hosted.probe = null
      else if (hosted.ws !== ws) return
      apply(hosted, webSocketClosed(hosted.session, wasProbe), null)
    })
  }

  const server = createServer((req, res) => {
    // Errors here are the harness's own bugs: answer 500 so the test sees them.
    onRequest(req, res).catch((error: unknown) => {
      res.writeHead(500).end(String(error))
    })
  })
  server.on('upgrade', onUpgrade)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  host.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return host
}

function toArrayBuffer(raw: RawData): ArrayBuffer {
  const buffer = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw as ArrayBuffer)
  return buffer.buffer.slice(
    buffer.byteOffset,
    buffer.byteOffset + buffer.byteLength,
  ) as ArrayBuffer
}
