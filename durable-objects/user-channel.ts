// One user's channel: one socket per signed-in device. It fans out events delivered for the user
// (the `deliver` RPC: notifications, transcoding progress, chat unread), tracks whether the user is
// online and tells the people allowed to see it, and serves Videodesk's notification room. Devices
// connect natively with a ticket or over Socket.IO with their access token.
import { ObjectId } from 'mongodb'
import type { RealtimeIdentity, Revocation } from '../shared/realtime'
import {
  USER_FRAME_BUDGETS,
  UserClientMessageSchema,
  type UserChannelEvent,
  type UserServerMessage,
} from '../shared/user-channel'
import { configFor } from '../worker/config'
import type { Bindings } from '../worker/env'
import { announcePresence, isUserId, type PresenceState } from '../worker/notifications/presence'
import { unreadCount } from '../worker/notifications/store'
import { log } from '../worker/log'
import {
  parseRoomKey,
  registeredStub,
  roomKey,
  type RegisteredKind,
} from '../worker/realtime/rooms'
import { admitSocketIo } from '../worker/realtime/socket-io-identity'
import { FrameBudgets } from './frame-budgets'
import { RealtimeRoom, type ClientFrame, type SocketAttachment } from './realtime-room'

// A reload or a network hop closes and reopens within this; watchers should not see it flicker.
const OFFLINE_GRACE_MS = 2000
const RETRY_MS = 5000

interface UserSocketAttachment extends SocketAttachment {
  /** Joined Videodesk's notification room: also receives `new-notification` frames. */
  notificationRoom?: boolean
}

const KEY = {
  seq: 'seq',
  owner: 'owner',
  presence: 'presence',
  offlineAt: 'offline_at',
  unannounced: 'unannounced',
  rooms: 'rooms',
} as const

/** Rooms remembered per user; past this the oldest entries (most likely long closed) go first. */
const MAX_TRACKED_ROOMS = 500

export class UserChannel extends RealtimeRoom<Bindings, UserServerMessage> {
  protected readonly kind = 'user' as const
  protected readonly frameBudgets = new FrameBudgets(USER_FRAME_BUDGETS)
  protected override readonly servesSocketIo = true

  private get kv() {
    return this.ctx.storage.kv
  }

  // ---- RPC from the Worker ---------------------------------------------------------------------

  /** What the presence route answers; null lastSeenAt when this object never saw the user. */
  async presence(): Promise<{ online: boolean; lastSeenAt: string | null }> {
    const state = this.presenceState()
    // Sockets lost without a close event (the runtime restarted) leave "online" behind; settle it.
    if (
      state.online &&
      this.openSockets().length === 0 &&
      (await this.ctx.storage.getAlarm()) === null
    )
      this.alarmBy(Date.now())
    return {
      online: state.online,
      lastSeenAt: state.lastSeenAt === null ? null : new Date(state.lastSeenAt).toISOString(),
    }
  }

  // ---- Registry of the user's sockets in other rooms (for revocation) ---------------------------

  /**
   * RPC from the Worker before it lets one of this user's sockets into another room (or from a
   * Socket.IO gateway session the account connects to): records the room, so that a revocation
   * reaches it, and refuses (false) an upgrade a revocation covers.
   */
  async admit(
    kind: RegisteredKind,
    id: string,
    identity: Pick<RealtimeIdentity, 'subject' | 'session'>,
    ticketAt: number,
  ): Promise<boolean> {
    if (this.revoked(identity, ticketAt)) return false
    const rooms = this.trackedRooms()
    rooms[roomKey(kind, id)] = Date.now()
    const keys = Object.keys(rooms)
    if (keys.length > MAX_TRACKED_ROOMS) {
      keys.sort((a, b) => rooms[a]! - rooms[b]!)
      for (const key of keys.slice(0, keys.length - MAX_TRACKED_ROOMS)) delete rooms[key]
    }
    this.kv.put(KEY.rooms, rooms)
    return true
  }

  /**
   * RPC from a Socket.IO gateway session that ended: its entry goes now rather than at the next
   * revocation, since every connection is a session of its own.
   */
  async release(kind: RegisteredKind, id: string): Promise<void> {
    const rooms = this.trackedRooms()
    const key = roomKey(kind, id)
    if (!(key in rooms)) return
    delete rooms[key]
    this.kv.put(KEY.rooms, rooms)
  }

  /**
   * RPC from the Worker when sessions end: closes the covered sockets here and in every room the
   * user was let into, and forgets the rooms where none of the user's sockets is left open.
   */
  async revokeEverywhere(revocation: Revocation): Promise<void> {
    const started = Date.now()
    await this.revokeSockets(revocation)
    const emptied: string[] = []
    await Promise.all(
      Object.keys(this.trackedRooms()).map(async (key) => {
        const { kind, id } = parseRoomKey(key)
        try {
          const open = await registeredStub(this.env, kind, id)?.revokeSockets(revocation)
          if (open === 0) emptied.push(key)
        } catch (error) {
          log('error', 'revocation did not reach a room', {
            room: key,
            error: error instanceof Error ? error.message : String(error),
          })
        }
      }),
    )
    // Re-read: a room admitted while the calls were out keeps its fresh entry.
    const rooms = this.trackedRooms()
    for (const key of emptied) if ((rooms[key] ?? 0) <= started) delete rooms[key]
    this.kv.put(KEY.rooms, rooms)
  }

  private trackedRooms(): Record<string, number> {
    return this.kv.get<Record<string, number>>(KEY.rooms) ?? {}
  }

  // ---- Sockets ---------------------------------------------------------------------------------

  protected override async onConnect(ws: WebSocket, attachment: SocketAttachment) {
    this.kv.put(KEY.owner, attachment.room)
    this.send(ws, {
      type: 'welcome',
      room: { kind: 'user', id: attachment.room },
      identity: attachment.identity,
      seq: this.seq(),
    })
    // Announced from the alarm, off the upgrade's path. A pending "offline" (reopened within the
    // grace period) needs nothing: its alarm finds a socket open and announces nothing.
    if (!this.presenceState().online) this.alarmBy(Date.now())
  }

  protected override async onClose(ws: WebSocket) {
    if (this.openSockets().some((s) => s !== ws)) return
    this.kv.put(KEY.offlineAt, Date.now())
    this.alarmBy(Date.now() + OFFLINE_GRACE_MS)
  }

  // ---- Socket.IO ------------------------------------------------------------------------------

  /**
   * The owner's access token in the CONNECT (worker/realtime/socket-io-identity.ts). No recovery:
   * the channel keeps no log of what it delivered, so a reconnecting device always starts afresh.
   */
  protected override socketIoAdmission(room: string, token: string) {
    const deps = { config: configFor(this.env), db: () => this.db(), env: this.env }
    return admitSocketIo(deps, 'user', room, token)
  }

  protected override async onMessage(
    ws: WebSocket,
    attachment: SocketAttachment,
    frame: ClientFrame,
  ) {
    const parsed = UserClientMessageSchema.safeParse(frame)
    if (!parsed.success) {
      const known = UserClientMessageSchema.options.some((o) => o.shape.type.value === frame.type)
      if (!known) return super.onMessage(ws, attachment, frame)
      return this.send(ws, {
        type: 'error',
        rid: frame.rid,
        code: 'VALIDATION_ERROR',
        message: `Invalid '${frame.type}' message`,
        details: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      })
    }
    const message = parsed.data
    switch (message.type) {
      case 'join-notification-room':
      case 'leave-notification-room': {
        const joined = message.type === 'join-notification-room'
        this.setAttachment(ws, { ...attachment, notificationRoom: joined } as UserSocketAttachment)
        return this.send(ws, { type: 'ack', rid: message.rid, room: 'notifications', joined })
      }
      case 'unread.get': {
        const owner = attachment.room
        try {
          const count = isUserId(owner)
            ? await unreadCount(await this.db(), new ObjectId(owner))
            : 0
          return this.send(ws, { type: 'ack', rid: message.rid, unreadCount: count })
        } catch {
          return this.send(ws, {
            type: 'error',
            rid: message.rid,
            code: 'SERVICE_UNAVAILABLE',
            message: 'Notifications are unavailable; try again',
          })
        }
      }
    }
  }

  // ---- Delivery --------------------------------------------------------------------------------

  /**
   * RPC from the Worker and the other rooms, the one way to reach a user's devices: numbers the
   * event and sends it to every open socket; answers how many got it (0: the caller may push).
   */
  deliver(event: UserChannelEvent): number {
    const sockets = this.openSockets()
    // Nobody to number it for: a counter write per event for an absent user buys nothing.
    if (sockets.length === 0) return 0
    const seq = this.seq() + 1
    this.kv.put(KEY.seq, seq)
    this.broadcast({ ...event, seq })
    if (event.type === 'notification.new') {
      const legacy = JSON.stringify({
        type: 'new-notification',
        seq,
        notification: event.notification,
      } satisfies UserServerMessage)
      this.sendEach(
        legacy,
        sockets.filter((ws) => this.attachmentOf<UserSocketAttachment>(ws).notificationRoom),
      )
    }
    return sockets.length
  }

  private seq(): number {
    return this.kv.get<number>(KEY.seq) ?? 0
  }

  /** The user's connected devices (a Socket.IO socket once it has connected). */
  private openSockets(): WebSocket[] {
    return this.roomSockets().filter((ws) => ws.readyState === WebSocket.OPEN)
  }

  // ---- Presence --------------------------------------------------------------------------------

  private presenceState(): PresenceState {
    return this.kv.get<PresenceState>(KEY.presence) ?? { online: false, lastSeenAt: null }
  }

  /**
   * Settles presence: compares "has an open socket" with what was last announced and announces
   * the difference. A close followed by a reopen within the grace period announces nothing. The
   * alarm is shared with the Socket.IO heartbeat, so it may run before that grace period is over.
   */
  protected override async onAlarm() {
    const owner = this.kv.get<string>(KEY.owner)
    if (!owner) return
    const online = this.openSockets().length > 0
    let state = this.presenceState()
    if (online !== state.online) {
      // A close older than the last "online" (sockets lost without one) is not when they left.
      const closedAt = this.kv.get<number>(KEY.offlineAt) ?? 0
      if (!online && Date.now() < closedAt + OFFLINE_GRACE_MS)
        return this.alarmBy(closedAt + OFFLINE_GRACE_MS)
      state = {
        online,
        lastSeenAt: !online && closedAt >= (state.lastSeenAt ?? 0) ? closedAt : Date.now(),
      }
      this.kv.put(KEY.presence, state)
      this.kv.put(KEY.unannounced, true)
    }
    if (!this.kv.get<boolean>(KEY.unannounced)) return
    // Channels of test or guest identities have no account to record or announce.
    if (!isUserId(owner)) return void this.kv.delete(KEY.unannounced)
    try {
      await announcePresence(await this.db(), this.env, owner, state)
      // A socket opening or closing meanwhile scheduled the next alarm, which settles it.
      this.kv.delete(KEY.unannounced)
    } catch {
      // MongoDB unreachable: the state is kept and announced on the retry.
      this.alarmBy(Date.now() + RETRY_MS)
    }
  }
}
