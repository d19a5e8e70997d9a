// A room's Socket.IO sessions (durable-objects/socket-io/README.md: what a host does), WebSocket
// transport: the handshake, CONNECT by credential, events as native frames, and the heartbeat on
// the room's alarm. The room composes it and hears of members through the hooks it passes in.
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
import { encodeFrame } from './socket-io/engine-packets'
import { routeEngineRequest } from './socket-io/engine-request'
import {
  closeSession,
  openSession,
  receiveWebSocket,
  type EngineMessage,
  type EngineOptions,
  type EngineSession,
} from './socket-io/engine-session'
import { CONNECT_TIMEOUT, heartbeat } from './socket-io/heartbeat'
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
  /** An EVENT as the native frame: budgeted and handled as the room handles its own frames. */
  frame(ws: WebSocket, frame: ClientFrame): void | Promise<void>
  /** Ends a socket from the room's side (nothing it sends afterwards is handled). */
  close(ws: WebSocket, code: number, reason: string): void
  /** Whether the room closed this socket. */
  closed(ws: WebSocket): boolean
  attachmentOf(ws: WebSocket): SocketAttachment
  setAttachment(ws: WebSocket, attachment: SocketAttachment): void
  /** Asks for the shared alarm by `at`. */
  alarmBy(at: number): void
}

/** The tag of Socket.IO sockets: they get their identity after the upgrade, so no role tag. */
const SIO_TAG = 'sio'
/** The Engine.IO frame of a server ping. */
const PING_FRAME = encodeFrame({ type: 'ping' })

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

  /**
   * A `/socket.io/` request. Sessions are WebSocket-only for now: a polling handshake gets the
   * reference's "Transport unknown" refusal, and any sid is unknown, so no request reaches
   * poll, post or upgrade.
   */
  request(request: Request, url: URL): Response {
    const upgrade = request.headers.get('upgrade')?.toLowerCase() === 'websocket'
    const route = routeEngineRequest(
      { method: request.method, url: request.url, upgrade },
      () => undefined,
    )
    if (route.kind === 'error' || (route.kind === 'handshake' && route.transport === 'polling')) {
      const reply =
        route.kind === 'error'
          ? route.reply
          : {
              status: 400,
              headers: { 'Content-Type': 'application/json' },
              body: JSON.stringify({ code: 0, message: 'Transport unknown' }),
            }
      return new Response(reply.body, { status: reply.status, headers: reply.headers })
    }
    const { 0: client, 1: server } = new WebSocketPair()
    if (route.kind !== 'handshake') {
      server.accept()
      server.close(1000, 'Upgrade refused')
      return new Response(null, { status: 101, webSocket: client })
    }
    const now = Date.now()
    const parsed = RealtimeIdentitySchema.safeParse(
      JSON.parse(request.headers.get(IDENTITY_HEADER) ?? 'null'),
    )
    const { session, frame } = openSession('websocket', now, this.engine)
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
    this.ctx.acceptWebSocket(server, [SIO_TAG])
    this.ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('3', '6'))
    this.room.setAttachment(server, attachment as SocketAttachment)
    this.room.accepted(server, now)
    server.send(frame)
    this.room.alarmBy(now + Math.min(this.engine.pingInterval, CONNECT_TIMEOUT))
    return new Response(null, { status: 101, webSocket: client })
  }

  /** Socket.IO messages of one socket are handled one after the other (CONNECT awaits its auth). */
  private readonly chains = new WeakMap<WebSocket, Promise<void>>()

  /** A message on a Socket.IO socket. */
  message(ws: WebSocket, sio: SioState, raw: string | ArrayBuffer): Promise<void> | void {
    const outcome = receiveWebSocket(sio.session, raw, Date.now(), this.engine)
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
          await this.room.frame(ws, nativeFrame(action.event, action.args, action.ackId))
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
   * Connected Socket.IO sockets and the tags a native socket of the same identity would carry;
   * rebuilt from the attachments after a wake.
   */
  private memberMap: Map<WebSocket, string[]> | undefined

  members(): Map<WebSocket, string[]> {
    if (!this.memberMap) {
      this.memberMap = new Map()
      for (const ws of this.ctx.getWebSockets(SIO_TAG)) {
        const attachment = this.room.attachmentOf(ws) as PendingSioAttachment
        if (attachment.identity && ws.readyState === WebSocket.OPEN)
          this.memberMap.set(ws, memberTags(attachment.identity))
      }
    }
    return this.memberMap
  }

  /** The heartbeat: pings due, the silent closed, the alarm set for the next round. */
  heartbeat() {
    const sockets = this.ctx.getWebSockets(SIO_TAG)
    if (sockets.length === 0) return
    const now = Date.now()
    const byId = new Map<string, WebSocket>()
    const peers = sockets.map((ws) => {
      const { session, io } = this.room.attachmentOf(ws).sio!
      byId.set(session.id, ws)
      const auto = this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? null
      return {
        id: session.id,
        openedAt: session.openedAt,
        pingedAt: session.pingedAt,
        pongAt: Math.max(session.pongAt ?? 0, auto ?? 0) || null,
        connected: Object.keys(io.namespaces).length > 0,
      }
    })
    const plan = heartbeat(now, peers, {
      pingInterval: this.engine.pingInterval,
      pingTimeout: this.engine.pingTimeout,
      coalesce: this.engine.pingInterval / 4,
      connectTimeout: CONNECT_TIMEOUT,
    })
    for (const id of plan.ping) {
      const ws = byId.get(id)!
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
      const ws = byId.get(id)!
      closeSession(this.room.attachmentOf(ws).sio!.session, 'ping timeout')
      this.room.close(ws, 1000, 'ping timeout')
    }
    if (plan.nextAt !== null) this.room.alarmBy(plan.nextAt)
  }
}

/** The tags a native socket of `identity` is accepted with. */
function memberTags(identity: RealtimeIdentity): string[] {
  return [`subject:${identity.subject}`, `role:${identity.role}`]
}
