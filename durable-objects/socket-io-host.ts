// A room's Socket.IO sessions (durable-objects/socket-io/README.md: what a host does): the Engine.IO
// handshake on WebSocket or HTTP long-polling, the upgrade from polling to WebSocket, CONNECT by
// credential, events as native frames, and the heartbeat on the room's alarm. The room composes it
// and hears of members through the hooks it passes in. A polling session's member is a
// PollingSocket (socket-io-polling.ts), which rooms handle as the WebSocket it stands for.
import { log } from '../worker/log'
import {
  IDENTITY_HEADER,
  RealtimeIdentitySchema,
  TICKET_AT_HEADER,
  type RealtimeIdentity,
} from '../shared/realtime'
import type { ClientFrame, SocketAttachment } from './realtime-room'
import {
  SOCKET_IO_REFUSAL_HEADER,
  type SocketIoAdmission,
} from '../worker/realtime/socket-io-identity'
import { nativeFrame, ROOM_NAMESPACE } from './socket-io-framing'
import { PollingSocket } from './socket-io-polling'
import type { EngineReply } from './socket-io/engine-errors'
import { encodeFrame } from './socket-io/engine-packets'
import { routeEngineRequest } from './socket-io/engine-request'
import {
  beginPoll,
  beginPost,
  beginUpgrade,
  closeSession,
  finishPost,
  openSession,
  pollReply,
  receiveProbe,
  receiveWebSocket,
  webSocketClosed,
  type EngineMessage,
  type EngineOptions,
  type EngineOutcome,
  type EngineSession,
  type EngineTransport,
} from './socket-io/engine-session'
import { CONNECT_TIMEOUT, heartbeat, type HeartbeatPeer } from './socket-io/heartbeat'
import {
  INVALID_NAMESPACE,
  leaveNamespace,
  newSocketIoState,
  receiveSocketIo,
  type AuthResult,
  type SocketIoState,
} from './socket-io/socket-io-connection'

/** A Socket.IO socket's own state, kept in its attachment so that it survives hibernation. */
export interface SioState {
  session: EngineSession
  io: SocketIoState<RealtimeIdentity>
  /** The identity the Worker found in the handshake's credential, if any, and when. */
  preauth: RealtimeIdentity | null
  preauthAt: number
  /** Why the Worker refused the handshake's credential, if it did: the CONNECT's refusal. */
  preauthRefusal?: string
}

/** A Socket.IO socket before its CONNECT: no identity yet, and no member of the room. */
type PendingSioAttachment = Omit<SocketAttachment, 'identity'> & {
  identity: RealtimeIdentity | null
  sio: SioState
}

/** What the host needs from the room it serves. */
export interface SocketIoRoomHooks {
  /** Whether a CONNECT's `auth.token` admits its bearer to `room`, as whom and since when. */
  verifyToken(room: string, token: string): Promise<SocketIoAdmission>
  /** Whether the room can replay to `identity` exactly what came after `seq` (connection state recovery). */
  recoverable(identity: RealtimeIdentity, seq: number): boolean
  /** Why `identity`, admitted at `at`, may not join, if it may not. */
  admissionRefused(identity: RealtimeIdentity, at: number): string | undefined
  /** A socket was accepted: the room opens its frame budgets. */
  accepted(ws: WebSocket, at: number): void
  /** A socket connected to the room's namespace: it is a member from now on. */
  join(ws: WebSocket, attachment: SocketAttachment, url: URL): Promise<void>
  /**
   * An EVENT as the native frame: budgeted and handled as the room handles its own frames. `sent`
   * is the event as the client emitted it, for a host that reads positional arguments.
   */
  frame(ws: WebSocket, frame: ClientFrame, sent: SentEvent): void | Promise<void>
  /** Ends a socket from the room's side (nothing it sends afterwards is handled). */
  close(ws: WebSocket, code: number, reason: string): void
  /** Whether the room closed this socket. */
  closed(ws: WebSocket): boolean
  /**
   * A member that is no WebSocket of the runtime's (a polling session) ended: the room does what
   * it does when a socket closes (the runtime tells it of its own WebSockets).
   */
  gone(ws: WebSocket): Promise<void>
  attachmentOf(ws: WebSocket): SocketAttachment
  setAttachment(ws: WebSocket, attachment: SocketAttachment): void
  /** Asks for the shared alarm by `at`. */
  alarmBy(at: number): void
  /**
   * Replaces the CONNECT check (`auth.token`, else the pre-authenticated identity, then
   * `admissionRefused`) for a host whose credentials differ: the Socket.IO gateway admits sockets
   * without one (a guest's invite token may come with `join-room`) and reads `auth.inviteToken`.
   */
  authenticate?(
    auth: Record<string, unknown>,
    preauth: { identity: RealtimeIdentity; at: number } | null,
  ): Promise<{ ok: true; identity: RealtimeIdentity; at: number } | { ok: false; message: string }>
  /**
   * The Engine.IO sid of a new session (default: random). The gateway's is its object's id, so
   * that the Worker routes the session's later requests to it without a lookup.
   */
  newSessionId?(): string | undefined
}

/** An EVENT as the client emitted it. */
export interface SentEvent {
  event: string
  args: unknown[]
  ackId: number | null
}

/** The tag of Socket.IO sockets: they get their identity after the upgrade, so no role tag. */
const SIO_TAG = 'sio'
/** The Engine.IO frame of a server ping. */
const PING_FRAME = encodeFrame({ type: 'ping' })
/**
 * How long an ended polling session is remembered for a last GET to collect its `1` (the reference
 * waits as long); afterwards its sid is unknown.
 */
const CLOSED_POLLING_GRACE = 30_000

/**
 * @example
 * const host = new SocketIoHost(ctx, { ...ENGINE_DEFAULTS, pingInterval: 5_000 }, hooks)
 * if (url.pathname === ENGINE_PATH) return host.request(request, url)
 */
export class SocketIoHost {
  constructor(
    private readonly ctx: DurableObjectState,
    private readonly engine: EngineOptions,
    private readonly room: SocketIoRoomHooks,
  ) {}

  /** Polling sessions by sid, from the handshake until forgotten after their end. */
  private readonly polling = new Map<string, PollingSocket>()
  /** The runtime's WebSockets of polling sessions (probing or upgraded), and whose they are. */
  private readonly transports = new Map<WebSocket, PollingSocket>()

  /**
   * A `/socket.io/` request: a handshake (WebSocket or polling), a poll, a POST, or the upgrade of
   * a polling session. CORS is the Worker's (its CORS middleware answers preflights and adds the
   * headers with credentials for CORS_ORIGINS before anything reaches a room).
   */
  request(request: Request, url: URL): Response | Promise<Response> {
    const upgrade = request.headers.get('upgrade')?.toLowerCase() === 'websocket'
    const route = routeEngineRequest(
      { method: request.method, url: request.url, upgrade },
      (sid) => this.polling.get(sid)?.session,
    )
    switch (route.kind) {
      case 'error':
        return answer(route.reply)
      case 'accept-and-close': {
        const { 0: client, 1: server } = new WebSocketPair()
        server.accept()
        server.close(1000, 'Upgrade refused')
        return new Response(null, { status: 101, webSocket: client })
      }
      case 'handshake':
        return this.open(request, url, route.transport)
      case 'poll':
        return this.poll(this.polling.get(route.session.id)!)
      case 'post':
        return this.post(this.polling.get(route.session.id)!, request)
      case 'upgrade':
        return this.upgrade(this.polling.get(route.session.id)!)
    }
  }

  /** A new session: a WebSocket is accepted and sent the open frame; a polling GET answered with it. */
  private open(request: Request, url: URL, transport: EngineTransport): Response {
    const now = Date.now()
    const parsed = RealtimeIdentitySchema.safeParse(
      JSON.parse(request.headers.get(IDENTITY_HEADER) ?? 'null'),
    )
    const { session, frame } = openSession(transport, now, this.engine, this.room.newSessionId?.())
    const attachment: PendingSioAttachment = {
      identity: null,
      room: url.searchParams.get('room') ?? '',
      connectedAt: now,
      ticketAt: now,
      sio: {
        session,
        io: newSocketIoState(),
        preauth: parsed.success ? parsed.data : null,
        preauthAt: Number(request.headers.get(TICKET_AT_HEADER)) || now,
        preauthRefusal: request.headers.get(SOCKET_IO_REFUSAL_HEADER) ?? undefined,
      },
    }
    this.room.alarmBy(now + Math.min(this.engine.pingInterval, CONNECT_TIMEOUT))
    if (transport === 'polling') {
      const socket = new PollingSocket(session, (ended) => this.ended(ended))
      this.polling.set(session.id, socket)
      this.room.setAttachment(socket.handle, attachment as SocketAttachment)
      this.room.accepted(socket.handle, now)
      return answer(pollReply(frame))
    }
    const { 0: client, 1: server } = new WebSocketPair()
    this.ctx.acceptWebSocket(server, [SIO_TAG])
    this.ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('3', '6'))
    this.room.setAttachment(server, attachment as SocketAttachment)
    this.room.accepted(server, now)
    server.send(frame)
    return new Response(null, { status: 101, webSocket: client })
  }

  /**
   * A GET of a polling session: answered at once with what is queued, or held until something is
   * (an event, a ping at the heartbeat, the close). The held GET is answered from whichever request
   * or alarm queued the frame: a Durable Object's requests share one I/O context, so the promise
   * may be resolved from another request's handler.
   */
  private async poll(socket: PollingSocket): Promise<Response> {
    const start = beginPoll(socket.session)
    if (!start.ok) {
      // A second GET while one is held: the session ends (the held one gets `1`), this one a 400.
      this.room.close(socket.handle, 1000, start.close)
      return answer(start.reply)
    }
    const body = start.body ?? (await socket.hold())
    if (socket.drained) this.forget(socket)
    return answer(pollReply(body))
  }

  /** A POST of a polling session: its packets applied, answered `ok` without waiting for the room. */
  private async post(socket: PollingSocket, request: Request): Promise<Response> {
    const length = request.headers.get('content-length')
    const refused = beginPost(
      socket.session,
      {
        contentType: request.headers.get('content-type'),
        contentLength: length === null ? null : Number(length),
      },
      this.engine,
    )
    if (refused) {
      if (refused.close) this.room.close(socket.handle, 1000, refused.close)
      return answer(refused.reply)
    }
    const { reply, outcome } = finishPost(
      socket.session,
      await request.text(),
      Date.now(),
      this.engine,
    )
    if (!this.room.closed(socket.handle)) void this.apply(socket.handle, outcome)
    return answer(reply)
  }

  /**
   * A WebSocket for a polling session: accepted as its probe socket. It is hibernatable and holds
   * the session's attachment, so that once upgraded it carries the session through a hibernation.
   */
  private upgrade(socket: PollingSocket): Response {
    const { 0: client, 1: server } = new WebSocketPair()
    this.ctx.acceptWebSocket(server, [SIO_TAG])
    this.ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('3', '6'))
    beginUpgrade(socket.session)
    socket.probe = server
    this.transports.set(server, socket)
    server.serializeAttachment(this.room.attachmentOf(socket.handle))
    return new Response(null, { status: 101, webSocket: client })
  }

  /** Whether `ws` is the runtime's WebSocket of a polling session (probing, or upgraded). */
  carries(ws: WebSocket): boolean {
    return this.transports.size > 0 && this.transports.has(ws)
  }

  /** A message on a polling session's WebSocket: the probe's `2probe`/`5`, then the session's own. */
  transportMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> | void {
    const socket = this.transports.get(ws)!
    if (socket.probe !== ws) {
      if (this.room.closed(socket.handle)) return
      return this.message(socket.handle, this.room.attachmentOf(socket.handle).sio!, raw)
    }
    const result = receiveProbe(socket.session, raw)
    for (const frame of result.send) ws.send(frame)
    if (result.upgraded) {
      socket.probe = null
      socket.upgraded = ws
      // The session's state, now on WebSocket, goes into the socket's attachment.
      this.room.setAttachment(socket.handle, this.room.attachmentOf(socket.handle))
    }
    if (result.abort) {
      socket.probe = null
      this.transports.delete(ws)
      ws.close(1000, 'Upgrade refused')
    }
    if (result.wakePoll) socket.flush()
  }

  /** A polling session's WebSocket closed: a probe ends only the upgrade, the upgraded one the session. */
  transportClosed(ws: WebSocket): void {
    const socket = this.transports.get(ws)!
    this.transports.delete(ws)
    const wasProbe = socket.probe === ws
    if (wasProbe) socket.probe = null
    else if (socket.upgraded === ws) socket.upgraded = null
    else return
    // The room's close handler answers the client's close; the session only hears of it.
    if (webSocketClosed(socket.session, wasProbe).close) socket.close()
  }

  /** A polling session ended: the room hears of it as of a closed socket, after this call returns. */
  private ended(socket: PollingSocket) {
    if (socket.drained || socket.upgraded) this.forget(socket)
    else this.room.alarmBy(Date.now() + CLOSED_POLLING_GRACE)
    void Promise.resolve()
      .then(() => this.room.gone(socket.handle))
      .catch((error: unknown) => {
        log('error', 'socket.io close failed', {
          error:
            error instanceof Error ? { name: error.name, message: error.message } : String(error),
        })
      })
  }

  /** Drops an ended polling session: its sid is unknown from now on. */
  private forget(socket: PollingSocket) {
    this.polling.delete(socket.session.id)
  }

  /** Socket.IO messages of one socket are handled one after the other (CONNECT awaits its auth). */
  private readonly chains = new WeakMap<WebSocket, Promise<void>>()

  /** A message on a Socket.IO member's WebSocket. */
  message(ws: WebSocket, sio: SioState, raw: string | ArrayBuffer): Promise<void> | void {
    return this.apply(ws, receiveWebSocket(sio.session, raw, Date.now(), this.engine))
  }

  /** What a member's session received, on whichever transport. */
  private apply(ws: WebSocket, outcome: EngineOutcome): Promise<void> | void {
    for (const frame of outcome.send) ws.send(frame)
    if (outcome.close) return this.room.close(ws, 1000, outcome.close)
    if (outcome.messages.length === 0) {
      this.room.setAttachment(ws, this.room.attachmentOf(ws))
      return
    }
    const chain = (this.chains.get(ws) ?? Promise.resolve())
      .then(async () => {
        for (const message of outcome.messages) await this.packet(ws, message)
      })
      .catch((error: unknown) => {
        log('error', 'socket.io message failed', {
          error:
            error instanceof Error ? { name: error.name, message: error.message } : String(error),
        })
        this.room.close(ws, 1011, 'forced close')
      })
    this.chains.set(ws, chain)
    return chain
  }

  private async packet(ws: WebSocket, message: EngineMessage) {
    if (this.room.closed(ws)) return
    const attachment = this.room.attachmentOf(ws) as PendingSioAttachment
    let admittedAt = attachment.ticketAt
    const actions = await receiveSocketIo(
      attachment.sio.io,
      message,
      {
        authenticate: async (nsp, auth) => {
          const result = await this.authenticate(attachment, nsp, auth)
          if (result.ok) admittedAt = result.at
          return result
        },
        // Every event carries its seq as the offset; recovered only when the room can replay exactly
        // what came after it (otherwise the client gets the room's snapshot and a new pid).
        recover: async (_nsp, identity, request) => this.room.recoverable(identity, request.seq),
      },
      undefined,
    )
    for (const action of actions) {
      switch (action.type) {
        case 'send':
          ws.send(action.frame)
          break
        case 'connected': {
          const member = { ...attachment, identity: action.socket.identity, ticketAt: admittedAt }
          this.room.setAttachment(ws, member)
          this.members().set(ws, memberTags(member.identity))
          const url = new URL(`http://room/?room=${encodeURIComponent(member.room)}`)
          if (action.recovered) url.searchParams.set('since', String(action.recovered.seq))
          await this.room.join(ws, member, url)
          break
        }
        case 'event':
          await this.room.frame(ws, nativeFrame(action.event, action.args, action.ackId), action)
          break
        case 'ack':
          break
        case 'disconnected':
        case 'close':
          this.room.close(
            ws,
            1000,
            action.type === 'close' ? action.reason : 'client namespace disconnect',
          )
          break
      }
    }
    if (!this.room.closed(ws)) this.room.setAttachment(ws, this.room.attachmentOf(ws))
  }

  /** CONNECT: `auth.token`, else the Worker's pre-authenticated identity; then the room's own checks. */
  private async authenticate(
    attachment: PendingSioAttachment,
    nsp: string,
    auth: Record<string, unknown>,
  ): Promise<
    | (AuthResult<RealtimeIdentity> & { ok: false })
    | { ok: true; identity: RealtimeIdentity; at: number }
  > {
    if (nsp !== ROOM_NAMESPACE) return { ok: false, message: INVALID_NAMESPACE }
    if (this.room.authenticate) {
      const { preauth, preauthAt } = attachment.sio
      return this.room.authenticate(auth, preauth && { identity: preauth, at: preauthAt })
    }
    const token = typeof auth.token === 'string' ? auth.token : undefined
    const proven = token ? await this.room.verifyToken(attachment.room, token) : null
    const identity = proven?.ok ? proven.identity : attachment.sio.preauth
    const at = proven?.ok ? proven.at : attachment.sio.preauthAt
    if (!identity) {
      return {
        ok: false,
        message:
          (proven?.ok === false ? proven.message : undefined) ??
          attachment.sio.preauthRefusal ??
          'Authentication required: pass auth.token',
      }
    }
    const refusal = this.room.admissionRefused(identity, at)
    if (refusal) return { ok: false, message: refusal }
    return { ok: true, identity, at }
  }

  /** The DISCONNECT that tells a client it left the namespace, so it does not reconnect on its own. */
  farewell(ws: WebSocket): void {
    const sio = this.room.attachmentOf(ws).sio
    const disconnect = sio && leaveNamespace(sio.io, ROOM_NAMESPACE)
    if (disconnect) ws.send(disconnect)
  }

  /** A Socket.IO socket closed: whether it was a member (it had connected). */
  leave(ws: WebSocket): boolean {
    return this.members().delete(ws)
  }

  /**
   * Connected Socket.IO members and the tags a native socket of the same identity would carry;
   * rebuilt from the WebSockets' attachments after a wake (polling sessions do not outlive one).
   */
  private memberMap: Map<WebSocket, string[]> | undefined

  members(): Map<WebSocket, string[]> {
    if (!this.memberMap) {
      this.memberMap = new Map()
      for (const ws of this.sessionWebSockets()) {
        const attachment = this.room.attachmentOf(ws) as PendingSioAttachment
        if (attachment.identity && ws.readyState === WebSocket.OPEN)
          this.memberMap.set(ws, memberTags(attachment.identity))
      }
    }
    return this.memberMap
  }

  /**
   * The Socket.IO WebSockets that are sessions of their own: not those of a polling session in
   * memory (its PollingSocket stands for them). A socket whose attachment still says polling is a
   * probe whose session was lost with the object's memory: it is closed.
   */
  private sessionWebSockets(): WebSocket[] {
    const sockets: WebSocket[] = []
    for (const ws of this.ctx.getWebSockets(SIO_TAG)) {
      if (this.carries(ws)) continue
      if (this.room.attachmentOf(ws).sio?.session.transport === 'websocket') sockets.push(ws)
      else {
        try {
          ws.close(1000, 'transport close')
        } catch {
          // Already closing.
        }
      }
    }
    return sockets
  }

  /**
   * The heartbeat: pings due (polling sessions get theirs on the held GET), the silent closed, the
   * alarm set for the next round; ended polling sessions past their grace forgotten.
   */
  heartbeat() {
    const now = Date.now()
    for (const socket of this.polling.values()) {
      if (socket.endedAt === null) continue
      if (now - socket.endedAt >= CLOSED_POLLING_GRACE) this.forget(socket)
      else this.room.alarmBy(socket.endedAt + CLOSED_POLLING_GRACE)
    }
    const members = new Map<string, WebSocket>()
    const peers: HeartbeatPeer[] = []
    const add = (ws: WebSocket, transport: WebSocket | null) => {
      const { session, io } = this.room.attachmentOf(ws).sio!
      if (session.closed) return
      members.set(session.id, ws)
      const auto = transport && this.ctx.getWebSocketAutoResponseTimestamp(transport)?.getTime()
      peers.push({
        id: session.id,
        openedAt: session.openedAt,
        pingedAt: session.pingedAt,
        pongAt: Math.max(session.pongAt ?? 0, auto ?? 0) || null,
        connected: Object.keys(io.namespaces).length > 0,
      })
    }
    for (const ws of this.sessionWebSockets()) add(ws, ws)
    for (const socket of this.polling.values()) add(socket.handle, socket.upgraded)
    if (peers.length === 0) return
    const plan = heartbeat(now, peers, {
      pingInterval: this.engine.pingInterval,
      pingTimeout: this.engine.pingTimeout,
      coalesce: this.engine.pingInterval / 4,
      connectTimeout: CONNECT_TIMEOUT,
    })
    for (const id of plan.ping) {
      const ws = members.get(id)!
      const attachment = this.room.attachmentOf(ws)
      attachment.sio!.session.pingedAt = now
      this.room.setAttachment(ws, attachment)
      try {
        ws.send(PING_FRAME)
      } catch {
        // Closing; its close handler cleans up.
      }
    }
    for (const id of plan.close) {
      const ws = members.get(id)!
      closeSession(this.room.attachmentOf(ws).sio!.session, 'ping timeout')
      this.room.close(ws, 1000, 'ping timeout')
    }
    if (plan.nextAt !== null) this.room.alarmBy(plan.nextAt)
  }
}

/** An EngineReply as the Response a Durable Object answers with. */
function answer(reply: EngineReply): Response {
  return new Response(reply.body, { status: reply.status, headers: reply.headers })
}

/** The tags a native socket of `identity` is accepted with. */
function memberTags(identity: RealtimeIdentity): string[] {
  return [`subject:${identity.subject}`, `role:${identity.role}`]
}
