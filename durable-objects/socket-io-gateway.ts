// One Socket.IO connection of a Videodesk client, which names no room in its URL and picks one
// after it connects (`join-room`). The Worker sends each new session to a new object of this class
// and the session's sid is the object's id, so every later request of the session finds it again.
// It hosts the Engine.IO/Socket.IO session with SocketIoHost, checks credentials as REST does, and
// relays the events through native sockets into the MeetingRoom and the account's UserChannel,
// where they are budgeted, relayed and revoked exactly as native frames are. An account's session
// is recorded in the account's registry at CONNECT, so that ending it closes the socket even while
// it is in no room (`revokeSockets`).
//
// Cost: while it relays, the gateway holds an outgoing WebSocket, so it stays in memory (outgoing
// sockets do not hibernate). A meeting has two peers, so that is at most two awake objects per
// meeting, beside the room's; a connection that joined nothing hibernates like any socket.
import { DurableObject } from 'cloudflare:workers'
import { log } from '../worker/log'
import { configFor } from '../worker/config'
import type { Bindings } from '../worker/env'
import { AppError } from '../worker/errors'
import { meetingAdminIdentity, meetingGuestIdentity } from '../worker/meetings/room-admission'
import { GATEWAY, roomStub, userChannel } from '../worker/realtime/rooms'
import { accountIdentityOf } from '../worker/realtime/tickets'
import type { ErrorCode } from '../shared/errors'
import {
  BASE_FRAME_BUDGETS,
  CLOSE_CODES,
  OTHER_FRAMES,
  revocationCovers,
  type RealtimeIdentity,
  type Revocation,
} from '../shared/realtime'
import { FrameBudgets, OVER_BUDGET_MESSAGE } from './frame-budgets'
import type { SocketAttachment } from './realtime-room'
import { ROOM_NAMESPACE, sioFrame } from './socket-io-framing'
import { ENGINE_PATH } from './socket-io/engine-request'
import { ENGINE_DEFAULTS } from './socket-io/engine-session'
import { encodeAck, encodeEvent } from './socket-io/socket-io-packets'
import { SocketIoHost, type SentEvent } from './socket-io-host'
import {
  accessClaims,
  isInviteToken,
  legacyAccessClaims,
  liveAccount,
  withDatabase,
} from './socket-io-gateway-auth'
import { readGatewayEvent, type GatewayEvent } from './socket-io-gateway-events'
import { NativeRelay, type RelayRefusal } from './socket-io-gateway-relay'

/** Who a socket is before it proves an account: it may still join a meeting with an invite token. */
const VISITOR: RealtimeIdentity = { subject: 'visitor', kind: 'guest', role: 'visitor' }

/** The invite token the CONNECT carried (`auth.inviteToken`, or an `auth.token` that is one). */
const INVITE_KEY = 'invite'

/**
 * The events the gateway handles itself, each a MongoDB check or two; relayed events are budgeted
 * by the room they go to, as native frames.
 */
const GATEWAY_FRAME_BUDGETS = {
  ping: BASE_FRAME_BUDGETS.ping,
  'join-room': { burst: 10, perSecond: 1 },
  'join-notification-room': { burst: 10, perSecond: 1 },
  'leave-notification-room': { burst: 10, perSecond: 1 },
  [OTHER_FRAMES]: BASE_FRAME_BUDGETS[OTHER_FRAMES],
}

/** Close codes of the rooms that end the whole Socket.IO session, not just its place in a room. */
const SESSION_ENDING: readonly number[] = [
  CLOSE_CODES.SESSION_ENDED,
  CLOSE_CODES.ACCESS_WITHDRAWN,
  CLOSE_CODES.RATE_LIMITED,
]

export class SocketIoGateway extends DurableObject<Bindings> {
  private readonly budgets = new FrameBudgets(GATEWAY_FRAME_BUDGETS)
  /** The meeting room joined, through its relay. */
  private meeting: { roomId: string; relay: NativeRelay } | undefined
  /** The account's UserChannel, while in the notification room. */
  private notifications: NativeRelay | undefined

  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url)
    if (url.pathname !== ENGINE_PATH)
      return Response.json(
        { success: false, code: 'NOT_FOUND', message: 'Not found' },
        { status: 404 },
      )
    return this.host.request(request, url)
  }

  override webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): void | Promise<void> {
    // A polling session's WebSocket (probe or upgraded): its member is the session's PollingSocket.
    if (this.host.carries(ws)) return this.host.transportMessage(ws, raw)
    if (this.closedSockets.has(ws)) return
    const sio = this.attachmentOf(ws).sio
    if (sio) return this.host.message(ws, sio, raw)
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    await this.socketGone(ws)
    // 1005/1006 cannot be sent back; close with a normal code in their place.
    ws.close(code === 1005 || code === 1006 ? 1000 : code, reason)
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    await this.socketGone(ws)
  }

  /** A WebSocket closed: a polling session's transport tells its session, any other is the client's. */
  private async socketGone(ws: WebSocket) {
    if (this.host.carries(ws)) return this.host.transportClosed(ws)
    await this.ended(ws)
  }

  override async alarm(): Promise<void> {
    this.alarmAt = undefined
    this.host.heartbeat()
  }

  // ---- The Socket.IO session (SocketIoHost and its hooks) -------------------------------------

  private sioHost: SocketIoHost | undefined

  private get host(): SocketIoHost {
    if (!this.sioHost) {
      const config = configFor(this.env)
      const engine = {
        ...ENGINE_DEFAULTS,
        pingInterval: config.SOCKET_IO_PING_INTERVAL_MS,
        pingTimeout: config.SOCKET_IO_PING_TIMEOUT_MS,
      }
      this.sioHost = new SocketIoHost(this.ctx, engine, {
        newSessionId: () => this.ctx.id.toString(),
        authenticate: (auth, preauth) => this.authenticate(auth, preauth),
        // Unused: `authenticate` replaces the room's CONNECT check.
        verifyToken: async () => ({ ok: false, message: 'Invalid or expired token' }),
        admissionRefused: () => undefined,
        // Signaling is ephemeral and the gateway keeps no log: a reconnect joins its room again.
        recoverable: () => false,
        accepted: (ws, at) => void this.budgets.open(ws, at),
        // Nothing to greet with: the client is in no room until `join-room`.
        join: async (ws, member) => this.joined(ws, member),
        frame: (ws, _frame, sent) => this.event(ws, sent),
        close: (ws, code, reason) => this.end(ws, code, reason),
        closed: (ws) => this.closedSockets.has(ws),
        gone: (ws) => this.ended(ws),
        attachmentOf: (ws) => this.attachmentOf(ws),
        setAttachment: (ws, attachment) => this.setAttachment(ws, attachment),
        alarmBy: (at) => this.alarmBy(at),
      })
    }
    return this.sioHost
  }

  /**
   * CONNECT: an account's access token (`auth.token`, else the one the Worker found in the
   * handshake's query, header or cookie) must be valid and its session live; an invite token is
   * checked and kept for `join-room`. No credential at all is allowed: a guest may bring the
   * invite token with `join-room`.
   */
  private async authenticate(
    auth: Record<string, unknown>,
    preauth: { identity: RealtimeIdentity } | null,
  ): Promise<
    { ok: true; identity: RealtimeIdentity; at: number } | { ok: false; message: string }
  > {
    const secret = configFor(this.env).JWT_SECRET
    const token = typeof auth.token === 'string' ? auth.token : undefined
    let invite = typeof auth.inviteToken === 'string' ? auth.inviteToken : undefined
    if (invite !== undefined && !(await isInviteToken(secret, invite)))
      return { ok: false, message: 'Invalid or expired invite link' }
    let claims: AccountClaims | null =
      token === undefined
        ? null
        : ((await accessClaims(secret, token)) ?? (await legacyAccessClaims(this.env, token)))
    if (token !== undefined && !claims) {
      if (!(await isInviteToken(secret, token)))
        return { ok: false, message: 'Invalid or expired token' }
      invite ??= token
    }
    claims ??= accountOf(preauth?.identity ?? null)
    if (invite !== undefined) this.ctx.storage.kv.put(INVITE_KEY, invite)
    const now = Date.now()
    if (!claims) return { ok: true, identity: VISITOR, at: now }
    const { userId, sessionId } = claims
    try {
      const account = await withDatabase(this.env, async (db) =>
        liveAccount(await db(), { userId, sessionId }),
      )
      if (typeof account === 'string') return { ok: false, message: account }
      const identity = accountIdentityOf(account, sessionId, account.role)
      // The account's registry records this session, so that ending it reaches the socket in no
      // room; a revocation made since `now` (when the checks began) refuses it here.
      const registry = userChannel(this.env, userId)
      if (registry && !(await registry.admit(GATEWAY, this.ctx.id.toString(), identity, now)))
        return { ok: false, message: 'This session has ended' }
      return { ok: true, identity, at: now }
    } catch (error) {
      log('error', 'socket.io gateway could not check a session', {
        error:
          error instanceof Error ? { name: error.name, message: error.message } : String(error),
      })
      return { ok: false, message: 'The service is unavailable; try again shortly' }
    }
  }

  // ---- Revocation -------------------------------------------------------------------------------

  /**
   * Revocations heard while a CONNECT was between the registry's `admit` and joining (its member
   * not yet known): `joined` checks them. In memory: the CONNECT in flight keeps the object awake.
   */
  private readonly revocations: Revocation[] = []

  /**
   * RPC from the account's registry (UserChannel.revokeEverywhere): ends the session if the
   * revocation covers it, DISCONNECT then close with the revocation's code, as a room does.
   * Answers how many of the subject's sockets stay open here (0 or 1), so that the registry
   * forgets a session that is over.
   */
  async revokeSockets(revocation: Revocation): Promise<number> {
    this.revocations.push(revocation)
    let open = 0
    for (const ws of this.host.members().keys()) {
      if (this.closedSockets.has(ws)) continue
      const { identity, ticketAt } = this.attachmentOf(ws)
      if (identity.subject !== revocation.subject) continue
      if (revocationCovers(revocation, identity, ticketAt ?? 0))
        this.end(ws, revocation.code, revocation.reason)
      else if (ws.readyState === WebSocket.OPEN) open += 1
    }
    return open
  }

  /** A socket connected: a revocation that arrived while it was connecting ends it now. */
  private joined(ws: WebSocket, member: SocketAttachment) {
    const covering = this.revocations.find((r) =>
      revocationCovers(r, member.identity, member.ticketAt ?? 0),
    )
    if (covering) this.end(ws, covering.code, covering.reason)
  }

  /** An EVENT: Videodesk's events (socket-io-gateway-events.ts), each authorised here or by its room. */
  private async event(ws: WebSocket, sent: SentEvent): Promise<void> {
    const request = readGatewayEvent(sent.event, sent.args)
    if (request.kind !== 'meeting' && !this.withinBudget(ws, sent)) return
    try {
      await this.handle(ws, request, sent.ackId)
    } catch (error) {
      log('error', 'socket.io gateway event failed', {
        event: sent.event,
        error:
          error instanceof Error ? { name: error.name, message: error.message } : String(error),
      })
      this.refuse(ws, sent.ackId, {
        code: 'SERVICE_UNAVAILABLE',
        message: 'Something went wrong; try again',
      })
    }
  }

  private async handle(ws: WebSocket, request: GatewayEvent, ackId: number | null) {
    switch (request.kind) {
      case 'refused':
        return this.refuse(ws, ackId, request)
      case 'join-room':
        return this.joinRoom(ws, request.roomId, request.token, ackId)
      case 'notifications':
        return request.join ? this.joinNotifications(ws, ackId) : this.leaveNotifications(ws, ackId)
      case 'meeting': {
        const joined = this.meeting
        if (!joined)
          return this.refuse(ws, ackId, { code: 'BAD_REQUEST', message: "Send 'join-room' first" })
        if (request.roomId !== undefined && request.roomId !== joined.roomId) {
          return this.refuse(ws, ackId, {
            code: 'BAD_REQUEST',
            message: `This connection is in room ${joined.roomId}; send 'join-room' for another first`,
          })
        }
        return joined.relay.send(withRid(request.frame, ackId))
      }
    }
  }

  // ---- join-room: the meeting room, as its admin or its guest --------------------------------

  /**
   * Admits the socket to `roomId` (worker/meetings/room-admission.ts, as the REST tickets do) and
   * joins it through a relay. An invite token (this event's, else the CONNECT's) makes it the
   * guest; without one, an account is the admin if it owns the room or is the first to claim it.
   */
  private async joinRoom(
    ws: WebSocket,
    roomId: string,
    token: string | undefined,
    ackId: number | null,
  ) {
    if (this.meeting?.roomId !== roomId) {
      const admitted = await this.meetingIdentity(ws, roomId, token)
      if ('code' in admitted) return this.refuse(ws, ackId, admitted)
      // Another room: the old one sees this socket leave.
      this.leaveMeeting()
      const stub = roomStub(this.env, 'meeting', roomId)
      if (!stub)
        return this.refuse(ws, ackId, {
          code: 'SERVICE_UNAVAILABLE',
          message: 'Meeting rooms are not available here',
        })
      // `closed` runs only once the relay is open, so `opened` is set by then.
      const opened = await NativeRelay.open(stub, roomId, admitted.identity, admitted.at, {
        frame: (body) => this.forward(ws, body),
        closed: (code, reason) => {
          if (this.meeting?.relay !== opened) return
          this.meeting = undefined
          this.relayClosed(ws, code, reason)
        },
      })
      if (!(opened instanceof NativeRelay)) return this.refuse(ws, ackId, opened)
      this.meeting = { roomId, relay: opened }
    }
    // The room answers with the ack (`{ role, peers }`) and tells the other peer.
    this.meeting.relay.send(withRid({ type: 'join-room' }, ackId))
  }

  private async meetingIdentity(
    ws: WebSocket,
    roomId: string,
    joinToken: string | undefined,
  ): Promise<{ identity: RealtimeIdentity; at: number } | RelayRefusal> {
    const invite = joinToken ?? this.ctx.storage.kv.get<string>(INVITE_KEY)
    const account = accountOf(this.attachmentOf(ws).identity)
    if (invite === undefined && !account) {
      return {
        code: 'UNAUTHORIZED',
        message:
          "Join with the invite link's token (join-room's token, or auth.inviteToken), or connect as the room's owner (auth.token)",
      }
    }
    const secret = configFor(this.env).JWT_SECRET
    return withDatabase(this.env, async (db) => {
      try {
        const at = Date.now()
        if (invite !== undefined)
          return { identity: await meetingGuestIdentity(db, secret, roomId, invite), at }
        const user = await liveAccount(await db(), account!)
        if (typeof user === 'string') return { code: 'UNAUTHORIZED', message: user }
        const identity = await meetingAdminIdentity(
          await db(),
          roomId,
          user,
          account!.sessionId,
          new Date(at),
        )
        // The account's registry records the room, so that ending the session closes the relay.
        const registry = userChannel(this.env, account!.userId)
        if (registry && !(await registry.admit('meeting', roomId, identity, at)))
          return { code: 'UNAUTHORIZED', message: 'This session has ended' }
        return { identity, at }
      } catch (error) {
        if (error instanceof AppError) return { code: error.code, message: error.message }
        throw error
      }
    })
  }

  private leaveMeeting() {
    this.meeting?.relay.close()
    this.meeting = undefined
  }

  // ---- The notification room: the account's UserChannel ---------------------------------------

  /**
   * `join-notification-room`: the account's own channel sends this socket `new-notification`
   * (whatever room, email or user id the client names: the socket's identity decides).
   */
  private async joinNotifications(ws: WebSocket, ackId: number | null) {
    if (!this.notifications) {
      const account = accountOf(this.attachmentOf(ws).identity)
      if (!account) {
        return this.refuse(ws, ackId, {
          code: 'UNAUTHORIZED',
          message: 'The notification room needs a signed-in account: connect with auth.token',
        })
      }
      const user = await withDatabase(this.env, async (db) => liveAccount(await db(), account))
      if (typeof user === 'string')
        return this.refuse(ws, ackId, { code: 'UNAUTHORIZED', message: user })
      const stub = userChannel(this.env, account.userId)
      if (!stub)
        return this.refuse(ws, ackId, {
          code: 'SERVICE_UNAVAILABLE',
          message: 'Notifications are not available here',
        })
      const identity = accountIdentityOf(user, account.sessionId, user.role)
      const opened = await NativeRelay.open(stub, account.userId, identity, Date.now(), {
        frame: (body) => this.forward(ws, body),
        closed: (code, reason) => {
          if (this.notifications !== opened) return
          this.notifications = undefined
          this.relayClosed(ws, code, reason)
        },
      })
      if (!(opened instanceof NativeRelay)) return this.refuse(ws, ackId, opened)
      this.notifications = opened
    }
    this.notifications.send(withRid({ type: 'join-notification-room' }, ackId))
  }

  /** `leave-notification-room`: the channel's socket closes; the ack is the channel's own shape. */
  private leaveNotifications(ws: WebSocket, ackId: number | null) {
    this.notifications?.close()
    this.notifications = undefined
    if (ackId !== null)
      this.sendTo(ws, encodeAck(ROOM_NAMESPACE, ackId, [{ room: 'notifications', joined: false }]))
  }

  // ---- Relays to the client --------------------------------------------------------------------

  /**
   * A room's frame as a Socket.IO event of the same name (an ack or a refusal with a rid as the
   * client's ack). What only a native client needs is dropped: the room's welcome, pongs, and the
   * acks of requests that asked for none.
   */
  private forward(ws: WebSocket, body: string) {
    const { type, rid } = JSON.parse(body) as { type: string; rid?: string }
    if (type === 'welcome' || type === 'pong' || (type === 'ack' && rid === undefined)) return
    this.sendTo(ws, sioFrame(body))
  }

  /**
   * A room closed its relay: a revocation (or a socket over its budgets) ends the whole session,
   * as it would a native socket; anything else (a newer connection of the same person) takes the
   * socket out of that room, and the client hears why in an `error` event.
   */
  private relayClosed(ws: WebSocket, code: number, reason: string) {
    if (SESSION_ENDING.includes(code)) return this.end(ws, code, reason)
    this.sendTo(
      ws,
      encodeEvent(ROOM_NAMESPACE, 'error', [
        { code: 'CONFLICT', message: reason || 'The room closed the connection' },
      ]),
    )
  }

  private refuse(
    ws: WebSocket,
    ackId: number | null,
    refusal: { code: ErrorCode; message: string },
  ) {
    const error = { code: refusal.code, message: refusal.message }
    this.sendTo(
      ws,
      ackId === null
        ? encodeEvent(ROOM_NAMESPACE, 'error', [error])
        : encodeAck(ROOM_NAMESPACE, ackId, [{ error }]),
    )
  }

  private withinBudget(ws: WebSocket, sent: SentEvent): boolean {
    const verdict = this.budgets.take(ws, sent.event, Date.now())
    if (verdict === 'handle') return true
    if (verdict === 'warn')
      this.refuse(ws, sent.ackId, { code: 'RATE_LIMITED', message: OVER_BUDGET_MESSAGE })
    else if (verdict === 'close')
      this.end(ws, CLOSE_CODES.RATE_LIMITED, 'Kept sending over its frame budget')
    return false
  }

  private sendTo(ws: WebSocket, frame: string) {
    try {
      ws.send(frame)
    } catch {
      // The client closed meanwhile; its close handler cleans up.
    }
  }

  // ---- Ending -----------------------------------------------------------------------------------

  private readonly closedSockets = new WeakSet<WebSocket>()

  /** Ends the session from this side: DISCONNECT (so the client does not reconnect), then close. */
  private end(ws: WebSocket, code: number, reason: string) {
    if (this.closedSockets.has(ws)) return
    this.closedSockets.add(ws)
    this.leaveMeeting()
    this.leaveNotifications(ws, null)
    try {
      this.host.farewell(ws)
      ws.close(code, reason)
    } catch {
      // Already closing.
    }
    void this.forget(ws)
  }

  /** The client's socket is gone: leave the rooms and forget the session. */
  private async ended(ws: WebSocket) {
    this.closedSockets.add(ws)
    this.host.leave(ws)
    this.leaveMeeting()
    this.notifications?.close()
    this.notifications = undefined
    await this.forget(ws)
  }

  private forgotten = false

  /**
   * Nothing outlives the session: its object is never addressed again once its sid is gone, and
   * the account's registry drops it.
   */
  private async forget(ws: WebSocket) {
    if (this.forgotten) return
    this.forgotten = true
    const account = accountOf(this.attachmentOf(ws).identity)
    await Promise.all([
      this.ctx.storage.deleteAlarm(),
      this.ctx.storage.deleteAll(),
      account && this.release(account.userId),
    ])
  }

  private async release(userId: string) {
    try {
      await userChannel(this.env, userId)?.release(GATEWAY, this.ctx.id.toString())
    } catch (error) {
      // Left for the next revocation, which finds the session over and drops it.
      log('error', 'socket.io gateway could not leave the registry', {
        error: error instanceof Error ? error.message : String(error),
      })
    }
  }

  // ---- Attachments and the alarm -----------------------------------------------------------------

  private readonly attachments = new WeakMap<WebSocket, SocketAttachment>()

  private attachmentOf(ws: WebSocket): SocketAttachment {
    let attachment = this.attachments.get(ws)
    if (!attachment) {
      attachment = ws.deserializeAttachment() as SocketAttachment
      this.attachments.set(ws, attachment)
    }
    return attachment
  }

  private setAttachment(ws: WebSocket, attachment: SocketAttachment) {
    ws.serializeAttachment(attachment)
    this.attachments.set(ws, attachment)
  }

  private alarmAt: number | undefined

  private alarmBy(at: number) {
    if (this.alarmAt !== undefined && this.alarmAt <= at) return
    this.alarmAt = at
    void this.ctx.storage.setAlarm(at)
  }
}

/** An account and the session its token was issued for. */
interface AccountClaims {
  userId: string
  sessionId: string
}

/** The account a socket proved at CONNECT; null for a visitor. */
function accountOf(identity: RealtimeIdentity | null): AccountClaims | null {
  if (identity?.kind !== 'user' || !identity.session) return null
  return { userId: identity.subject, sessionId: identity.session }
}

function withRid<T extends object>(frame: T, ackId: number | null): T & { rid?: string } {
  return ackId === null ? frame : { ...frame, rid: String(ackId) }
}
