// Base class for every room: hibernatable WebSockets, the identity forwarded by the Worker kept in
// each socket's attachment, each socket's frame budgets, frames parsed against the shared protocol,
// and lifecycle hooks (onConnect, onMessage, onClose) for the room's own logic. Each room sends only
// its protocol's server messages (shared/<room>.ts), checked by type here and never parsed at run time.
import { DurableObject } from 'cloudflare:workers'
import { log } from '../worker/log'
import { configFor } from '../worker/config'
import { createDatabase, type Database } from '../worker/services/db'
import type { ErrorCode } from '../shared/errors'
import {
  clientFrameType,
  ClientFrameSchema,
  CLOSE_CODES,
  IDENTITY_HEADER,
  isClientFrame,
  MAX_CLIENT_FRAME_BYTES,
  PingSchema,
  RealtimeIdentitySchema,
  REVOCATION_MEMORY_MS,
  revocationCovers,
  TICKET_AT_HEADER,
  type RealtimeIdentity,
  type Revocation,
  type BaseServerMessage,
  type RoomKind,
} from '../shared/realtime'
import { OVER_BUDGET_MESSAGE, type FrameBudgets } from './frame-budgets'
import { sioFrame } from './socket-io-framing'
import { ENGINE_PATH } from './socket-io/engine-request'
import { ENGINE_DEFAULTS } from './socket-io/engine-session'
import { SocketIoHost, type SioState } from './socket-io-host'
import { SOCKET_IO_REFUSED, type SocketIoAdmission } from '../worker/realtime/socket-io-identity'

export interface SocketAttachment {
  identity: RealtimeIdentity
  room: string
  connectedAt: number
  /** When the ticket that admitted the socket was minted (ms). */
  ticketAt: number
  /** Set on a Socket.IO socket (`/socket.io/`): its Engine.IO session and namespace state. */
  sio?: SioState
}

const REVOCATIONS_KEY = 'revocations'
const NO_MEMBERS: ReadonlyMap<WebSocket, string[]> = new Map()

/** A refusal by a room's logic: sent as an `error` frame, or returned as a value over RPC. */
export class RoomError extends Error {
  override readonly name = 'RoomError'
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message)
  }
}

/** RPC results carry refusals as values: thrown errors lose their code crossing the boundary. */
export type RoomResult<T> = T | { error: { code: ErrorCode; message: string } }

export type ClientFrame = { type: string; rid?: string; [key: string]: unknown }

/** What JSON.parse could not read (a symbol: allocation-free, and no JSON value equals it). */
const NOT_JSON = Symbol('not JSON')

/**
 * `Out` is the room's server message union (ConferenceServerMessage, …): every frame it sends is
 * checked against it when compiled. The base class's own frames (welcome, pong, error) belong to
 * every room's union.
 */
export abstract class RealtimeRoom<
  Env = unknown,
  Out extends { type: string } = BaseServerMessage,
> extends DurableObject<Env> {
  protected abstract readonly kind: RoomKind
  /**
   * Each socket's budget per frame type, from the table the room's protocol declares
   * (`new FrameBudgets(CONFERENCE_FRAME_BUDGETS)`): checked here before a frame reaches the room.
   */
  protected abstract readonly frameBudgets: FrameBudgets

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    // An instance woken from hibernation or restarted does not know the alarm an earlier one set:
    // read it first, so that alarmBy never postpones it (a chat's flush, presence's grace period)
    // behind a later heartbeat.
    void ctx.blockConcurrencyWhile(async () => {
      this.alarmAt = (await ctx.storage.getAlarm()) ?? undefined
    })
  }

  /** Rooms that host Socket.IO sessions (`/socket.io/?room=<kind>:<id>`) set this. */
  protected readonly servesSocketIo: boolean = false

  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url)
    if (url.pathname === ENGINE_PATH && this.socketIo) return this.socketIo.request(request, url)
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') {
      return Response.json(
        { success: false, code: 'BAD_REQUEST', message: 'Expected a WebSocket upgrade' },
        { status: 426 },
      )
    }
    const parsedIdentity = RealtimeIdentitySchema.safeParse(
      JSON.parse(request.headers.get(IDENTITY_HEADER) ?? 'null'),
    )
    if (!parsedIdentity.success) {
      return Response.json(
        { success: false, code: 'UNAUTHORIZED', message: 'Missing identity' },
        { status: 401 },
      )
    }
    const room = url.searchParams.get('room') ?? ''
    const ticketAt = Number(request.headers.get(TICKET_AT_HEADER)) || Date.now()
    const refusal = this.admissionRefused(parsedIdentity.data, ticketAt, url)
    if (refusal) {
      return Response.json(
        { success: false, code: 'UNAUTHORIZED', message: refusal },
        { status: 401 },
      )
    }
    const { 0: client, 1: server } = new WebSocketPair()
    const attachment: SocketAttachment = {
      identity: parsedIdentity.data,
      room,
      connectedAt: Date.now(),
      ticketAt,
    }
    this.ctx.acceptWebSocket(server, [
      `subject:${attachment.identity.subject}`,
      `role:${attachment.identity.role}`,
    ])
    this.setAttachment(server, attachment)
    this.frameBudgets.open(server, attachment.connectedAt)
    await this.onConnect(server, attachment, url)
    return new Response(null, { status: 101, webSocket: client })
  }

  // ---- Revocation ------------------------------------------------------------------------------

  /**
   * Why an upgrade that passed the Worker's checks is refused here, if it is: a revocation that
   * ran between those checks and this upgrade. Rooms add their own reasons (a removed participant).
   */
  protected admissionRefused(
    identity: RealtimeIdentity,
    ticketAt: number,
    _url: URL,
  ): string | undefined {
    return this.revoked(identity, ticketAt) ? 'This session has ended' : undefined
  }

  /** Whether a revocation this room remembers covers `identity` admitted at `ticketAt`. */
  protected revoked(identity: Pick<RealtimeIdentity, 'subject' | 'session'>, ticketAt: number) {
    return this.rememberedRevocations().some((r) => revocationCovers(r, identity, ticketAt))
  }

  /** Sockets closed by a revocation: whatever they still send is dropped, never handled. */
  private readonly revokedSockets = new WeakSet<WebSocket>()

  /**
   * RPC from the subject's registry: closes every socket the revocation covers and remembers it
   * for a while. Answers how many sockets of the subject stay open here.
   */
  async revokeSockets(revocation: Revocation): Promise<number> {
    this.rememberRevocation(revocation)
    let open = 0
    for (const ws of this.roomSockets(`subject:${revocation.subject}`)) {
      const attachment = this.attachmentOf(ws)
      if (revocationCovers(revocation, attachment.identity, attachment.ticketAt ?? 0))
        this.closeSocket(ws, revocation.code, revocation.reason)
      else if (ws.readyState === WebSocket.OPEN) open += 1
    }
    return open
  }

  /** Ends a socket from the room's side; nothing it sends afterwards is handled. */
  protected closeSocket(ws: WebSocket, code: number, reason: string) {
    this.revokedSockets.add(ws)
    try {
      this.socketIo?.farewell(ws)
      ws.close(code, reason)
    } catch {
      // Already closing.
    }
  }

  private revocations: Revocation[] | undefined

  private rememberedRevocations(): Revocation[] {
    const horizon = Date.now() - REVOCATION_MEMORY_MS
    this.revocations ??= this.ctx.storage.kv.get<Revocation[]>(REVOCATIONS_KEY) ?? []
    if (this.revocations.some((r) => r.at < horizon)) {
      this.revocations = this.revocations.filter((r) => r.at >= horizon)
      this.ctx.storage.kv.put(REVOCATIONS_KEY, this.revocations)
    }
    return this.revocations
  }

  private rememberRevocation(revocation: Revocation) {
    this.revocations = [...this.rememberedRevocations(), revocation]
    this.ctx.storage.kv.put(REVOCATIONS_KEY, this.revocations)
  }

  // ---- Frames --------------------------------------------------------------------------------

  // Not async: a vote, most of what a live room receives, is handled without a promise of its own.
  override webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): void | Promise<void> {
    // A polling session's WebSocket (probe or upgraded): its member is the session's PollingSocket.
    if (this.socketIo?.carries(ws)) return this.socketIo.transportMessage(ws, raw)
    if (this.revokedSockets.has(ws)) return
    const sio = this.attachmentOf(ws).sio
    if (sio && this.socketIo) return this.socketIo.message(ws, sio, raw)
    const size = typeof raw === 'string' ? raw.length : raw.byteLength
    // Read only as far as the budget needs, the frame's type; oversize and binary frames not at all.
    const json =
      typeof raw === 'string' && size <= MAX_CLIENT_FRAME_BYTES ? parseJson(raw) : NOT_JSON
    const typed = isClientFrame(json)
    if (!this.withinBudget(ws, clientFrameType(json), typed ? json.rid : undefined)) return
    if (size > MAX_CLIENT_FRAME_BYTES) {
      return this.send(ws, {
        type: 'error',
        code: 'PAYLOAD_TOO_LARGE',
        message: `Frames are limited to ${MAX_CLIENT_FRAME_BYTES} bytes`,
      })
    }
    if (typeof raw !== 'string') {
      return this.send(ws, {
        type: 'error',
        code: 'BAD_REQUEST',
        message: 'Frames must be JSON text',
      })
    }
    if (json === NOT_JSON) {
      return this.send(ws, {
        type: 'error',
        code: 'BAD_REQUEST',
        message: 'Frame is not valid JSON',
      })
    }
    let frame: ClientFrame
    if (typed) frame = json
    else {
      const parsed = ClientFrameSchema.safeParse(json)
      if (!parsed.success) {
        return this.send(ws, {
          type: 'error',
          code: 'VALIDATION_ERROR',
          message: 'Frame must be an object with a string `type`',
          details: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        })
      }
      frame = parsed.data
    }
    return this.handleFrame(ws, frame)
  }

  /** A frame within its budget, whatever its framing: a ping, or the room's message. */
  private handleFrame(ws: WebSocket, frame: ClientFrame): void | Promise<void> {
    const attachment = this.attachmentOf(ws)
    if (frame.type === 'ping') {
      const ping = PingSchema.safeParse(frame)
      if (!ping.success)
        return this.send(ws, {
          type: 'error',
          rid: frame.rid,
          code: 'VALIDATION_ERROR',
          message: 'Invalid ping',
        })
      return this.send(ws, { type: 'pong', rid: ping.data.rid, at: Date.now() })
    }
    let handled: void | Promise<void>
    try {
      handled = this.onMessage(ws, attachment, frame)
    } catch (error) {
      return this.sendFailure(ws, attachment, frame, error)
    }
    return handled?.catch((error: unknown) => this.sendFailure(ws, attachment, frame, error))
  }

  /**
   * Spends the frame from its socket's budget (frame-budgets.ts). Over it, the frame is dropped
   * unanswered but for one RATE_LIMITED error a second, and a socket that keeps going over is closed.
   */
  private withinBudget(ws: WebSocket, type: string | undefined, rid: string | undefined): boolean {
    const verdict = this.frameBudgets.take(ws, type, Date.now())
    if (verdict === 'handle') return true
    if (verdict === 'warn') {
      this.send(ws, {
        type: 'error',
        rid,
        code: 'RATE_LIMITED',
        message: OVER_BUDGET_MESSAGE,
      })
    } else if (verdict === 'close') {
      this.closeSocket(ws, CLOSE_CODES.RATE_LIMITED, 'Kept sending over its frame budget')
    }
    return false
  }

  /**
   * Answers a message whose handling failed in a way the room did not expect (a database that did
   * not answer, a bug): a client waiting for its ack must never just hear nothing.
   */
  protected sendFailure(
    ws: WebSocket,
    attachment: SocketAttachment,
    frame: { type: string; rid?: string },
    error: unknown,
  ) {
    const unavailable =
      error instanceof Error &&
      /^(Mongo(ServerSelection|Network|TopologyClosed)|WaitQueueTimeout)/.test(error.name)
    log('error', 'room message failed', {
      room: attachment.room,
      type: frame.type,
      error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
    })
    this.send(ws, {
      type: 'error',
      rid: frame.rid,
      code: unavailable ? 'SERVICE_UNAVAILABLE' : 'INTERNAL',
      message: unavailable
        ? 'The database is unavailable, try again shortly'
        : 'Something went wrong; try again',
    })
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    await this.socketGone(ws)
    // 1005/1006 cannot be sent back; close with a normal code in their place.
    ws.close(code === 1005 || code === 1006 ? 1000 : code, reason)
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    await this.socketGone(ws)
  }

  /** A socket closed: the room hears of members only (a Socket.IO socket once it connected). */
  private async socketGone(ws: WebSocket) {
    // A polling session's WebSocket: the session hears of it, and the room of the session's end.
    if (this.socketIo?.carries(ws)) return this.socketIo.transportClosed(ws)
    const attachment = this.attachmentOf(ws)
    if (attachment.sio && !this.socketIo?.leave(ws)) return
    await this.onClose(ws, attachment)
  }

  /**
   * Attachments as last written, by socket: deserializing one for every message was a tenth of a
   * busy room's time. Sockets woken from hibernation are new objects and read theirs once.
   */
  private readonly attachments = new WeakMap<WebSocket, SocketAttachment>()

  protected attachmentOf<T extends SocketAttachment = SocketAttachment>(ws: WebSocket): T {
    let attachment = this.attachments.get(ws)
    if (!attachment) {
      attachment = ws.deserializeAttachment() as SocketAttachment
      this.attachments.set(ws, attachment)
    }
    return attachment as T
  }

  /** Stores a socket's attachment (it survives hibernation) and keeps the copy in memory. */
  protected setAttachment(ws: WebSocket, attachment: SocketAttachment) {
    ws.serializeAttachment(attachment)
    this.attachments.set(ws, attachment)
  }

  /** Called once a socket is accepted; the default greets it with the room and its identity. */
  protected async onConnect(ws: WebSocket, attachment: SocketAttachment, _url: URL): Promise<void> {
    this.send(ws, {
      type: 'welcome',
      room: { kind: this.kind, id: attachment.room },
      identity: attachment.identity,
      seq: 0,
    })
  }

  /** Room-specific messages; the default refuses every type it does not know. */
  protected onMessage(
    ws: WebSocket,
    _attachment: SocketAttachment,
    frame: ClientFrame,
  ): void | Promise<void> {
    this.send(ws, {
      type: 'error',
      rid: frame.rid,
      code: 'BAD_REQUEST',
      message: `Unknown message type '${frame.type}'`,
    })
  }

  /** Runs a room operation for an RPC caller, answering a RoomError as a value. */
  protected async run<T>(fn: () => T | Promise<T>): Promise<RoomResult<T>> {
    try {
      return await fn()
    } catch (error) {
      if (error instanceof RoomError) return { error: { code: error.code, message: error.message } }
      throw error
    }
  }

  /** Parses a frame with a room's message schema; answers a validation error and undefined when it fails. */
  protected parseFrame<T>(
    ws: WebSocket,
    frame: ClientFrame,
    schema: {
      safeParse(
        data: unknown,
      ):
        | { success: true; data: T }
        | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } }
    },
  ): T | undefined {
    const parsed = schema.safeParse(frame)
    if (parsed.success) return parsed.data
    this.send(ws, {
      type: 'error',
      rid: frame.rid,
      code: 'VALIDATION_ERROR',
      message: `Invalid '${frame.type}' message`,
      details: parsed.error.issues.map((i) => ({
        path: i.path.map(String).join('.'),
        message: i.message,
      })),
    })
    return undefined
  }

  protected async onClose(_ws: WebSocket, _attachment: SocketAttachment): Promise<void> {}

  protected send(ws: WebSocket, message: Out | BaseServerMessage): void {
    this.sendEach(JSON.stringify(message), [ws])
  }

  /**
   * Sends one serialised message to each socket in its framing: the native text as it is, and for
   * Socket.IO sockets one frame encoded once for all of them.
   */
  protected sendEach(body: string, sockets: Iterable<WebSocket>): void {
    const members = this.sioMembers()
    let frame: string | undefined
    for (const ws of sockets) {
      try {
        ws.send(members.size > 0 && members.has(ws) ? (frame ??= sioFrame(body)) : body)
      } catch {
        // The socket closed between the event and the send; its close handler cleans up.
      }
    }
  }

  /**
   * The room's members with `tag` (every member without one), whatever their framing: what rooms
   * use in place of getWebSockets, which also holds Socket.IO sockets that have not connected.
   */
  protected roomSockets(tag?: string): WebSocket[] {
    const members = this.sioMembers()
    const native =
      tag === undefined
        ? this.ctx.getWebSockets().filter((ws) => !this.attachmentOf(ws).sio)
        : this.ctx.getWebSockets(tag)
    if (members.size === 0) return native
    // Interleaved, so that a broadcast to a mixed audience reaches both framings in the same time:
    // listed one framing after the other, the second waited for every send to the first (measured
    // in BENCHMARKS.md, "Socket.IO framing beside native": the gap followed the order, either way).
    const mixed: WebSocket[] = []
    let next = 0
    for (const [ws, tags] of members) {
      if (tag !== undefined && !tags.includes(tag)) continue
      mixed.push(ws)
      if (next < native.length) mixed.push(native[next++]!)
    }
    for (; next < native.length; next++) mixed.push(native[next]!)
    return mixed
  }

  /** Sends one serialisation of `message` to every open socket, optionally filtered by tag. */
  protected broadcast(
    message: Out | BaseServerMessage,
    opts: { tag?: string; except?: WebSocket } = {},
  ): void {
    const sockets = this.roomSockets(opts.tag).filter((ws) => ws !== opts.except)
    this.sendEach(JSON.stringify(message), sockets)
  }

  // ---- Socket.IO (durable-objects/socket-io/README.md: what a host does) -------------------------

  /**
   * Whether CONNECT's `auth.token` admits its bearer, as whom, or why not. Rooms that serve
   * Socket.IO check it as the Worker does (worker/realtime/socket-io-identity.ts admitSocketIo).
   */
  protected async socketIoAdmission(_room: string, _token: string): Promise<SocketIoAdmission> {
    return { ok: false, message: SOCKET_IO_REFUSED.invalid }
  }

  /**
   * Connection state recovery: whether `onConnect` with `since=seq` replays to `identity` exactly
   * what came after `seq`. No by default: the client then gets the room's fresh welcome.
   */
  protected socketIoRecoverable(_identity: RealtimeIdentity, _seq: number): boolean {
    return false
  }

  /**
   * The Engine.IO session id a new session gets, when the room needs it to say something (an
   * audience shard's names the shard, so the Worker routes the session's later requests to it).
   */
  protected socketIoSessionId(): string | undefined {
    return undefined
  }

  private socketIoHost: SocketIoHost | undefined

  /** The room's Socket.IO sessions, when it serves them. */
  private get socketIo(): SocketIoHost | undefined {
    if (!this.servesSocketIo) return undefined
    if (!this.socketIoHost) {
      const config = configFor(this.env as object)
      const engine = {
        ...ENGINE_DEFAULTS,
        pingInterval: config.SOCKET_IO_PING_INTERVAL_MS,
        pingTimeout: config.SOCKET_IO_PING_TIMEOUT_MS,
      }
      this.socketIoHost = new SocketIoHost(this.ctx, engine, {
        verifyToken: (room, token) => this.socketIoAdmission(room, token),
        recoverable: (identity, seq) => this.socketIoRecoverable(identity, seq),
        admissionRefused: (identity, at) =>
          this.admissionRefused(identity, at, new URL('http://room/')),
        accepted: (ws, at) => this.frameBudgets.open(ws, at),
        join: (ws, attachment, url) => this.onConnect(ws, attachment, url),
        frame: (ws, frame) =>
          this.withinBudget(ws, frame.type, frame.rid) ? this.handleFrame(ws, frame) : undefined,
        close: (ws, code, reason) => this.closeSocket(ws, code, reason),
        closed: (ws) => this.revokedSockets.has(ws),
        gone: (ws) => this.socketGone(ws),
        attachmentOf: (ws) => this.attachmentOf(ws),
        setAttachment: (ws, attachment) => this.setAttachment(ws, attachment),
        alarmBy: (at) => this.alarmBy(at),
        newSessionId: () => this.socketIoSessionId(),
      })
    }
    return this.socketIoHost
  }

  /** Connected Socket.IO sockets and their tags (none when the room serves no Socket.IO). */
  private sioMembers(): ReadonlyMap<WebSocket, string[]> {
    return this.socketIo?.members() ?? NO_MEMBERS
  }

  // ---- Alarm -----------------------------------------------------------------------------------

  /** When the stored alarm goes off (undefined: none is set). */
  private alarmAt: number | undefined

  /**
   * Sets the alarm for `at` unless it is already set to go off sooner. The one alarm serves the
   * Socket.IO heartbeat and the room (onAlarm): each asks for the time it needs, the earliest wins,
   * and each tolerates running early.
   */
  protected alarmBy(at: number) {
    if (this.alarmAt !== undefined && this.alarmAt <= at) return
    this.alarmAt = at
    void this.ctx.storage.setAlarm(at)
  }

  override async alarm() {
    this.alarmAt = undefined
    this.socketIo?.heartbeat()
    await this.onAlarm()
  }

  /** The room's part of the alarm. */
  protected async onAlarm(): Promise<void> {}

  // ---- MongoDB ---------------------------------------------------------------------------------

  private database: Database | undefined

  /** A MongoDB client kept warm for the object's lifetime (objects may reuse their own I/O). */
  protected db(this: RealtimeRoom<object>) {
    if (!this.database) {
      const config = configFor(this.env)
      this.database = createDatabase({
        uri: config.MONGODB_URI,
        dbName: config.MONGODB_DB,
        // Long-lived: a few connections, so one slow query does not hold up every other.
        pool: { maxPoolSize: 4, minPoolSize: 0 },
      })
    }
    return this.database.db()
  }
}

/** The frame's JSON, or NOT_JSON when it is not JSON. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return NOT_JSON
  }
}
