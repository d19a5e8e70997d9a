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

export interface SocketAttachment {
  identity: RealtimeIdentity
  room: string
  connectedAt: number
  /** When the ticket that admitted the socket was minted (ms). */
  ticketAt: number
}

const REVOCATIONS_KEY = 'revocations'

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

  override async fetch(request: Request): Promise<Response> {
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
    const url = new URL(request.url)
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
    for (const ws of this.ctx.getWebSockets(`subject:${revocation.subject}`)) {
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
    if (this.revokedSockets.has(ws)) return
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
    const attachment = this.attachmentOf(ws)
    if (frame.type === 'ping') {
      const ping = PingSchema.safeParse(json)
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
    await this.onClose(ws, this.attachmentOf(ws))
    // 1005/1006 cannot be sent back; close with a normal code in their place.
    ws.close(code === 1005 || code === 1006 ? 1000 : code, reason)
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    await this.onClose(ws, this.attachmentOf(ws))
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
    try {
      ws.send(JSON.stringify(message))
    } catch {
      // The socket closed between the event and the send; its close handler cleans up.
    }
  }

  /** Sends one serialisation of `message` to every open socket, optionally filtered by tag. */
  protected broadcast(
    message: Out | BaseServerMessage,
    opts: { tag?: string; except?: WebSocket } = {},
  ): void {
    const data = JSON.stringify(message)
    for (const ws of this.ctx.getWebSockets(opts.tag)) {
      if (ws === opts.except) continue
      try {
        ws.send(data)
      } catch {
        // Closed sockets are cleaned up by their close handler.
      }
    }
  }

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
