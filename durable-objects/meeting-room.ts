// One video meeting room: WebRTC signaling between the meeting owner (admin) and the invited
// guest. The Worker decides who is which before the upgrade; the room admits one socket per role
// (a reconnect replaces the older socket), relays offers, answers and ICE candidates only to the
// addressed peer, and tells each side when the other arrives or drops.
import {
  MEETING_CLOSE_CODES,
  MEETING_FRAME_BUDGETS,
  MEETING_ROLES,
  MEETING_SENDERS,
  MeetingClientMessageSchema,
  type MeetingPeers,
  type MeetingRole,
  type MeetingServerEvent,
  type MeetingServerMessage,
} from '../shared/meeting'
import { FrameBudgets } from './frame-budgets'
import { RealtimeRoom, type ClientFrame, type SocketAttachment } from './realtime-room'

interface MeetingAttachment extends SocketAttachment {
  /** Set by `join-room`; only joined sockets signal and count as present. */
  joined?: boolean
}

const OPEN = 1
const isRole = (role: string): role is MeetingRole =>
  (MEETING_ROLES as readonly string[]).includes(role)
const other = (role: MeetingRole): MeetingRole => (role === 'admin' ? 'guest' : 'admin')

export class MeetingRoom extends RealtimeRoom<unknown, MeetingServerMessage> {
  protected readonly kind = 'meeting' as const
  protected readonly frameBudgets = new FrameBudgets(MEETING_FRAME_BUDGETS)

  // ---- RPC from the Worker (REST) -------------------------------------------------------------

  /** Tells the room's admin that media was saved to the meeting; answers how many sockets heard. */
  async meetingDataAvailable(
    event: Extract<MeetingServerEvent, { type: 'meeting-data-available' }>,
  ) {
    const admins = this.sockets('admin')
    for (const ws of admins) this.send(ws, event)
    return admins.length
  }

  // ---- Sockets --------------------------------------------------------------------------------

  protected override async onConnect(ws: WebSocket, attachment: SocketAttachment, url: URL) {
    const { role, subject } = attachment.identity
    if (!isRole(role))
      return this.refuse(
        ws,
        'FORBIDDEN',
        'Not a meeting participant',
        MEETING_CLOSE_CODES.NOT_A_PARTICIPANT,
      )
    const sameRole = this.sockets(role, { joinedOnly: false }).filter((s) => s !== ws)
    if (sameRole.some((s) => this.attachment(s).identity.subject !== subject)) {
      // Only a guest can differ: admin tickets are issued to the room's owner alone.
      return this.refuse(
        ws,
        'CONFLICT',
        'This meeting already has a guest',
        MEETING_CLOSE_CODES.GUEST_TAKEN,
      )
    }
    // The same person again (a reload, a second tab): the newer socket wins.
    for (const old of sameRole)
      old.close(MEETING_CLOSE_CODES.REPLACED, 'Replaced by a newer connection')
    await super.onConnect(ws, attachment, url)
  }

  protected override async onMessage(
    ws: WebSocket,
    attachment: SocketAttachment,
    frame: ClientFrame,
  ) {
    const message = this.parseFrame(ws, frame, MeetingClientMessageSchema)
    if (!message) return
    const role = attachment.identity.role as MeetingRole
    const rid = message.rid
    if (!MEETING_SENDERS[message.type].includes(role)) {
      return this.send(ws, {
        type: 'error',
        rid,
        code: 'FORBIDDEN',
        message: `'${message.type}' cannot be sent by the ${role}`,
      })
    }
    const self = attachment as MeetingAttachment
    if (message.type === 'join-room') return this.join(ws, self, rid)
    if (!self.joined) {
      return this.send(ws, {
        type: 'error',
        rid,
        code: 'BAD_REQUEST',
        message: "Send 'join-room' first",
      })
    }
    switch (message.type) {
      case 'admin-waiting':
        this.toRole('guest', { type: 'admin-waiting', from: 'admin' })
        break
      case 'user-opened-link':
        this.toRole('admin', this.openedLink(self))
        break
      case 'user-started-session':
        this.toRole('admin', { type: 'user-started-session', from: 'guest' })
        break
      case 'message-settings-updated':
        this.toRole('guest', {
          type: 'message-settings-updated',
          from: 'admin',
          settings: message.settings,
        })
        break
      case 'offer':
      case 'answer':
      case 'ice-candidate': {
        const to = message.to ?? other(role)
        if (to === role) {
          return this.send(ws, {
            type: 'error',
            rid,
            code: 'BAD_REQUEST',
            message: 'Signaling must be addressed to the other participant',
          })
        }
        const event: MeetingServerEvent =
          message.type === 'ice-candidate'
            ? { type: 'ice-candidate', from: role, candidate: message.candidate }
            : { type: message.type, from: role, sdp: message.sdp }
        if (this.toRole(to, event) === 0) {
          return this.send(ws, {
            type: 'error',
            rid,
            code: 'NOT_FOUND',
            message: `The ${to} is not in the room`,
          })
        }
        break
      }
    }
    if (rid) this.send(ws, { type: 'ack', rid })
  }

  protected override async onClose(ws: WebSocket, attachment: SocketAttachment) {
    const self = attachment as MeetingAttachment
    const role = self.identity.role
    if (!self.joined || !isRole(role)) return
    // A socket replaced by a newer one of the same person is not a departure.
    if (this.sockets(role, { joinedOnly: false }).some((s) => s !== ws)) return
    this.toRole(other(role), { type: 'user-disconnected', role })
  }

  private join(ws: WebSocket, self: MeetingAttachment, rid: string | undefined) {
    const role = self.identity.role as MeetingRole
    const peers: MeetingPeers = {
      admin: this.sockets('admin').some((s) => s !== ws),
      guest: this.sockets('guest').some((s) => s !== ws),
    }
    if (!self.joined) {
      self.joined = true
      this.setAttachment(ws, self)
    }
    this.send(ws, { type: 'ack', rid, role, peers })
    if (role === 'guest') {
      this.toRole('admin', this.openedLink(self))
      if (peers.admin) this.send(ws, { type: 'admin-waiting', from: 'admin' })
    } else if (peers.guest) {
      this.toRole('guest', { type: 'admin-waiting', from: 'admin' })
    }
  }

  private openedLink(self: MeetingAttachment): MeetingServerEvent {
    const name = self.identity.name
    return { type: 'user-opened-link', from: 'guest', ...(name ? { name } : {}) }
  }

  /** Sends to the open sockets of `role` that joined; answers how many there were. */
  private toRole(role: MeetingRole, event: MeetingServerEvent): number {
    const targets = this.sockets(role)
    for (const ws of targets) this.send(ws, event)
    return targets.length
  }

  private sockets(role: MeetingRole, opts: { joinedOnly?: boolean } = {}): WebSocket[] {
    return this.ctx
      .getWebSockets(`role:${role}`)
      .filter(
        (ws) => ws.readyState === OPEN && (opts.joinedOnly === false || this.attachment(ws).joined),
      )
  }

  private attachment(ws: WebSocket): MeetingAttachment {
    return this.attachmentOf<MeetingAttachment>(ws)
  }

  private refuse(
    ws: WebSocket,
    code: 'FORBIDDEN' | 'CONFLICT',
    message: string,
    closeCode: number,
  ) {
    this.send(ws, { type: 'error', code, message })
    ws.close(closeCode, message)
  }
}
