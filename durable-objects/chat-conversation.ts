// One conversation: messages numbered by seq and acknowledged only once stored here, delivery and
// read receipts, typing indicators, and replay of exactly what a reconnecting member missed (also as
// Socket.IO connection state recovery). Members connect natively with a ticket or over Socket.IO
// with their access token. Messages reach MongoDB in batches on an alarm, retried until they are in.
import { ObjectId, type AnyBulkWriteOperation } from 'mongodb'
import {
  CHAT_CLOSE_CODES,
  CHAT_FRAME_BUDGETS,
  ChatClientMessageSchema,
  TYPING_TTL_MS,
  type ChatMessage,
  type ChatServerMessage,
} from '../shared/chat'
import type { RealtimeIdentity } from '../shared/realtime'
import { configFor } from '../worker/config'
import type { Bindings } from '../worker/env'
import { conversations, messages, reads, type MessageDoc, type ReadDoc } from '../worker/chat/store'
import { media } from '../worker/media/store'
import { userChannel } from '../worker/realtime/rooms'
import { admitSocketIo } from '../worker/realtime/socket-io-identity'
import { isBlockedBetween } from '../worker/social/store'
import { ChatStore } from './chat-store'
import { FrameBudgets } from './frame-budgets'
import { TokenBuckets } from './token-buckets'
import { RealtimeRoom, RoomError, type ClientFrame, type SocketAttachment } from './realtime-room'
import { CHAT_SEND_RATE, TYPING_THROTTLE_MS } from './room-limits'

const FLUSH_DELAY_MS = 200
const RETRY_DELAY_MS = 5000

export class ChatConversation extends RealtimeRoom<Bindings, ChatServerMessage> {
  protected readonly kind = 'chat' as const
  protected readonly frameBudgets = new FrameBudgets(CHAT_FRAME_BUDGETS)
  protected override readonly servesSocketIo = true
  private readonly store: ChatStore
  private flushScheduled = false
  private readonly sendLimit = new TokenBuckets(CHAT_SEND_RATE.burst, CHAT_SEND_RATE.perSecond)
  private readonly lastTyping = new Map<string, number>()
  private readonly blockCache = new Map<string, { blocked: Promise<boolean>; at: number }>()

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env)
    this.store = new ChatStore(ctx.storage.sql, () => this.store.meta('conversation_id') ?? '')
  }

  // ---- RPC from the Worker ---------------------------------------------------------------------

  /**
   * `lastSeq` is the conversation document's: this object's own count is never behind it, except
   * for a conversation imported with its history, whose messages this object never numbered.
   */
  async setup(
    conversationId: string,
    type: 'direct' | 'group',
    members: string[],
    lastSeq?: number,
  ) {
    this.store.setMeta('conversation_id', conversationId)
    if (lastSeq !== undefined && lastSeq > this.store.lastSeq())
      this.store.setMeta('last_seq', lastSeq)
    this.store.setMeta('type', type)
    this.store.setMeta('members', JSON.stringify(members))
    // Removed members lose their open sockets at once.
    for (const ws of this.roomSockets()) {
      const { identity } = this.attachmentOf(ws)
      if (!members.includes(identity.subject))
        this.closeSocket(ws, CHAT_CLOSE_CODES.NOT_A_MEMBER, 'No longer a member')
    }
  }

  async postMessage(
    senderId: string,
    input: { text: string; attachments: string[]; clientId?: string },
  ) {
    return this.run(() => this.sendMessage(senderId, input))
  }

  async deleteMessage(userId: string, seq: number) {
    return this.run(() => {
      const message = this.store.message(seq)
      if (!message || message.deleted) throw new RoomError('NOT_FOUND', 'Message not found')
      if (message.senderId !== userId)
        throw new RoomError('FORBIDDEN', 'You can delete only your own messages')
      this.store.markDeleted(seq)
      this.broadcast({ type: 'message.deleted', seq: this.store.lastSeq(), messageSeq: seq })
      this.scheduleFlush()
      return { seq }
    })
  }

  async markRead(userId: string, seq: number) {
    return this.run(() => this.receipt(userId, 'read', seq))
  }

  /**
   * A page of messages, oldest first: the `limit` right after `after`, or else the `limit` right
   * before `before` (the latest when absent). Recent ones come from this object; older ones, which
   * it no longer keeps, from MongoDB (everything it dropped was persisted first).
   */
  async history(opts: { before?: number; after?: number; limit: number }): Promise<ChatMessage[]> {
    const lastSeq = this.store.lastSeq()
    const oldest = this.store.oldestKept() ?? lastSeq + 1
    const fromDb = async (
      filter: { $gt?: number; $lt: number },
      direction: 1 | -1,
      limit: number,
    ) => {
      if (limit <= 0) return []
      const conversationId = new ObjectId(this.store.meta('conversation_id'))
      const docs = await messages(await this.db())
        .find({ conversationId, seq: filter })
        .sort({ seq: direction })
        .limit(limit)
        .toArray()
      return docs.map((m) => this.fromDoc(m))
    }
    if (opts.after !== undefined) {
      const older =
        opts.after + 1 < oldest ? await fromDb({ $gt: opts.after, $lt: oldest }, 1, opts.limit) : []
      const start = Math.max(opts.after, oldest - 1, older.at(-1)?.seq ?? 0)
      return [...older, ...this.store.range(start, lastSeq + 1, opts.limit - older.length)]
    }
    const before = Math.min(opts.before ?? lastSeq + 1, lastSeq + 1)
    const recent = this.store.range(oldest - 1, before, opts.limit, true)
    const older = await fromDb({ $lt: Math.min(before, oldest) }, -1, opts.limit - recent.length)
    return [...recent, ...older].reverse()
  }

  // ---- Sockets ---------------------------------------------------------------------------------

  /**
   * Open sockets per member. Reading every socket's attachment on each send cost more than the
   * send itself in a big group, so the counts are built once after a wake and kept on connect and
   * close; `counted` makes a socket count once whichever of the two saw it first.
   */
  private viewing: Map<string, number> | undefined
  private readonly counted = new WeakSet<WebSocket>()

  private viewers(): Map<string, number> {
    if (!this.viewing) {
      this.viewing = new Map()
      for (const ws of this.roomSockets()) {
        this.countViewer(ws, this.attachmentOf(ws).identity.subject)
      }
    }
    return this.viewing
  }

  private countViewer(ws: WebSocket, subject: string) {
    if (!this.viewing || this.counted.has(ws)) return
    this.counted.add(ws)
    this.viewing.set(subject, (this.viewing.get(subject) ?? 0) + 1)
  }

  protected override async onClose(ws: WebSocket, attachment: SocketAttachment) {
    if (!this.viewing || !this.counted.has(ws)) return
    this.counted.delete(ws)
    const left = (this.viewing.get(attachment.identity.subject) ?? 1) - 1
    if (left > 0) this.viewing.set(attachment.identity.subject, left)
    else this.viewing.delete(attachment.identity.subject)
  }

  protected override async onConnect(ws: WebSocket, attachment: SocketAttachment, url: URL) {
    if (!this.store.members().includes(attachment.identity.subject)) {
      this.send(ws, {
        type: 'error',
        code: 'FORBIDDEN',
        message: 'Not a member of this conversation',
      })
      this.closeSocket(ws, CHAT_CLOSE_CODES.NOT_A_MEMBER, 'Not a member')
      return
    }
    this.countViewer(ws, attachment.identity.subject)
    const lastSeq = this.store.lastSeq()
    this.send(ws, {
      type: 'welcome',
      room: { kind: 'chat', id: attachment.room },
      identity: attachment.identity,
      seq: lastSeq,
    })
    const since = url.searchParams.get('since')
    if (since !== null) {
      // Exactly what was missed, in order: every message after `since`. Pages older than this
      // object keeps come from MongoDB; messages sent meanwhile wait for the replay, which goes on
      // until it reaches the last one (a page from here involves no I/O, so nothing slips between).
      this.catchingUp.add(ws)
      try {
        let cursor = Number(since)
        while (cursor < this.store.lastSeq()) {
          const page = await this.history({ after: cursor, limit: 500 })
          if (page.length === 0) break
          for (const message of page)
            this.send(ws, { type: 'message.new', seq: message.seq, message })
          cursor = page.at(-1)!.seq
        }
      } finally {
        this.catchingUp.delete(ws)
      }
    }
    this.send(ws, {
      type: 'sync.complete',
      seq: this.store.lastSeq(),
      receipts: this.allReceipts(),
    })
  }

  /** Sockets replaying what they missed: they get no live frames until the replay has caught up. */
  private readonly catchingUp = new Set<WebSocket>()

  protected override broadcast(
    message: ChatServerMessage,
    opts: { tag?: string; except?: WebSocket } = {},
  ): void {
    if (this.catchingUp.size === 0) return super.broadcast(message, opts)
    const sockets = this.roomSockets(opts.tag).filter(
      (ws) => ws !== opts.except && !this.catchingUp.has(ws),
    )
    this.sendEach(JSON.stringify(message), sockets)
  }

  // ---- Socket.IO ------------------------------------------------------------------------------

  /** A member's access token in the CONNECT (worker/realtime/socket-io-identity.ts). */
  protected override socketIoAdmission(room: string, token: string) {
    const deps = { config: configFor(this.env), db: () => this.db(), env: this.env }
    return admitSocketIo(deps, 'chat', room, token)
  }

  /**
   * As `since` natively: every message after `seq` comes from here or from MongoDB, so any offset
   * this conversation has reached is recovered exactly; one beyond it (never issued here) is not.
   */
  protected override socketIoRecoverable(_identity: RealtimeIdentity, seq: number) {
    return seq <= this.store.lastSeq()
  }

  protected override async onMessage(
    ws: WebSocket,
    attachment: SocketAttachment,
    frame: ClientFrame,
  ) {
    const message = this.parseFrame(ws, frame, ChatClientMessageSchema)
    if (!message) return
    const userId = attachment.identity.subject
    try {
      switch (message.type) {
        case 'message.send': {
          const stored = await this.sendMessage(userId, message)
          return this.send(ws, {
            type: 'ack',
            rid: message.rid,
            seq: stored.seq,
            id: stored.id,
            createdAt: stored.createdAt,
          })
        }
        case 'message.delivered':
        case 'message.read':
          this.receipt(userId, message.type === 'message.read' ? 'read' : 'delivered', message.seq)
          return this.send(ws, { type: 'ack', rid: message.rid })
        case 'typing':
          return this.typing(ws, attachment.identity, message.active)
      }
    } catch (error) {
      if (!(error instanceof RoomError)) throw error
      this.send(ws, { type: 'error', rid: message.rid, code: error.code, message: error.message })
    }
  }

  // ---- Conversation logic ----------------------------------------------------------------------

  private async sendMessage(
    senderId: string,
    input: { text: string; attachments: string[]; clientId?: string },
  ): Promise<ChatMessage> {
    const members = this.store.members()
    if (!members.includes(senderId))
      throw new RoomError('FORBIDDEN', 'Not a member of this conversation')
    if (input.clientId) {
      const earlier = this.store.byClientId(senderId, input.clientId)
      if (earlier) return earlier
    }
    const text = input.text.trim()
    if (!text && input.attachments.length === 0)
      throw new RoomError('VALIDATION_ERROR', 'A message needs text or an attachment')
    if (!this.sendLimit.take(senderId))
      throw new RoomError('RATE_LIMITED', 'You are sending messages too fast; slow down')
    if (this.store.meta('type') === 'direct') {
      const other = members.find((m) => m !== senderId)
      if (other && (await this.blocked(senderId, other)))
        throw new RoomError('FORBIDDEN', 'You cannot message this user')
    }
    if (input.attachments.length > 0) await this.checkAttachments(senderId, input.attachments)
    const message = this.store.append({
      id: new ObjectId().toHexString(),
      sender: senderId,
      text,
      attachments: input.attachments,
      clientId: input.clientId,
      now: Date.now(),
    })
    this.store.advanceReceipt(senderId, 'read', message.seq)
    this.broadcast({ type: 'message.new', seq: message.seq, message })
    // Members without a socket here hear about it on their UserChannel (coalesced per flush).
    const viewing = this.viewers()
    this.store.queueNotify(members.filter((m) => m !== senderId && !viewing.has(m)))
    this.scheduleFlush()
    return message
  }

  private receipt(userId: string, kind: 'delivered' | 'read', seq: number) {
    if (!this.store.members().includes(userId))
      throw new RoomError('FORBIDDEN', 'Not a member of this conversation')
    if (seq > this.store.lastSeq())
      throw new RoomError('VALIDATION_ERROR', 'No message with this seq yet')
    if (this.store.advanceReceipt(userId, kind, seq)) {
      const r = this.store.receipt(userId)
      this.broadcast({
        type: 'receipt.updated',
        seq: this.store.lastSeq(),
        userId,
        deliveredSeq: r.delivered,
        readSeq: r.read,
      })
      this.scheduleFlush()
    }
    return { seq }
  }

  private typing(ws: WebSocket, identity: RealtimeIdentity, active: boolean) {
    const now = Date.now()
    const last = this.lastTyping.get(identity.subject) ?? 0
    // Throttled: repeated "typing" within the window only extends what clients already show.
    if (active && now - last < TYPING_THROTTLE_MS) return
    this.lastTyping.set(identity.subject, active ? now : 0)
    this.broadcast(
      {
        type: 'typing.changed',
        seq: this.store.lastSeq(),
        userId: identity.subject,
        active,
        until: active ? new Date(now + TYPING_TTL_MS).toISOString() : null,
      },
      { except: ws },
    )
  }

  private allReceipts() {
    return Object.fromEntries(this.store.members().map((m) => [m, this.store.receipt(m)]))
  }

  /**
   * One lookup shared by every message that needs it: messages sent back to back all wait for the
   * same answer and then go on in the order they arrived (each awaiting its own query would let
   * them overtake one another, and a burst would queue a query per message).
   */
  private blocked(a: string, b: string): Promise<boolean> {
    const key = [a, b].sort().join(':')
    const cached = this.blockCache.get(key)
    if (cached && Date.now() - cached.at < 30_000) return cached.blocked
    const blocked = this.db().then((db) => isBlockedBetween(db, new ObjectId(a), new ObjectId(b)))
    this.blockCache.set(key, { blocked, at: Date.now() })
    // A failed lookup is not remembered: the next message asks again.
    blocked.catch(() => this.blockCache.delete(key))
    return blocked
  }

  /** Attachments are the sender's own media that finished uploading. */
  private async checkAttachments(senderId: string, ids: string[]) {
    const found = await media(await this.db()).countDocuments({
      _id: { $in: ids.map((id) => new ObjectId(id)) },
      ownerId: new ObjectId(senderId),
      status: { $in: ['ready', 'processing'] },
    })
    if (found !== new Set(ids).size)
      throw new RoomError('VALIDATION_ERROR', 'Attachments must be your own uploaded media')
  }

  private fromDoc(m: MessageDoc): ChatMessage {
    return {
      id: m._id.toHexString(),
      conversationId: m.conversationId.toHexString(),
      seq: m.seq,
      senderId: m.senderId.toHexString(),
      text: m.deletedAt ? '' : m.text,
      attachments: m.deletedAt ? [] : m.attachments.map((a) => a.toHexString()),
      clientId: m.clientId ?? null,
      createdAt: m.createdAt.toISOString(),
      deleted: Boolean(m.deletedAt),
    }
  }

  private scheduleFlush() {
    if (this.flushScheduled) return
    this.flushScheduled = true
    this.alarmBy(Date.now() + FLUSH_DELAY_MS)
  }

  /** The alarm is shared with the Socket.IO heartbeat: it flushes whenever there is work, early or not. */
  protected override async onAlarm() {
    if (!this.flushScheduled && !this.flushPending()) return
    this.flushScheduled = false
    try {
      await this.flush()
    } catch {
      // MongoDB is unreachable: everything is still in storage; try again shortly.
      this.flushScheduled = true
      this.alarmBy(Date.now() + RETRY_DELAY_MS)
    }
  }

  /** Whether storage holds what MongoDB does not yet (after a wake, flushScheduled is forgotten). */
  private flushPending(): boolean {
    return this.store.unpersisted(1).length > 0 || this.store.dirtyReceipts().length > 0
  }

  /** Writes pending messages, deletions and receipts to MongoDB, then tells absent members. */
  private async flush() {
    const db = await this.db()
    const conversationId = new ObjectId(this.store.meta('conversation_id'))
    for (let batch = this.store.unpersisted(); batch.length > 0; batch = this.store.unpersisted()) {
      const ops: AnyBulkWriteOperation<MessageDoc>[] = batch.map((m) => ({
        updateOne: {
          filter: { conversationId, seq: m.seq },
          update: {
            $setOnInsert: {
              _id: new ObjectId(m.id),
              senderId: new ObjectId(m.senderId),
              text: m.text,
              attachments: m.attachments.map((a) => new ObjectId(a)),
              createdAt: new Date(m.createdAt),
              ...(m.clientId ? { clientId: m.clientId } : {}),
            },
            ...(m.deleted ? { $set: { deletedAt: new Date(), text: '', attachments: [] } } : {}),
          },
          upsert: true,
        },
      }))
      await messages(db).bulkWrite(ops, { ordered: false })
      const last = batch.filter((m) => !m.deleted).at(-1)
      if (last) {
        await conversations(db).updateOne(
          { _id: conversationId, lastSeq: { $lt: last.seq } },
          {
            $set: {
              lastSeq: last.seq,
              lastMessage: {
                seq: last.seq,
                senderId: new ObjectId(last.senderId),
                text: last.text.slice(0, 200),
                at: new Date(last.createdAt),
              },
              lastActivityAt: new Date(last.createdAt),
              updatedAt: new Date(),
            },
          },
        )
      }
      this.store.markPersisted(batch.map((m) => m.seq))
    }
    const dirty = this.store.dirtyReceipts()
    if (dirty.length > 0) {
      const ops: AnyBulkWriteOperation<ReadDoc>[] = dirty.map((r) => ({
        updateOne: {
          filter: { conversationId, userId: new ObjectId(r.member) },
          update: {
            $max: { readSeq: r.read, deliveredSeq: r.delivered },
            $setOnInsert: { _id: new ObjectId() },
          },
          upsert: true,
        },
      }))
      await reads(db).bulkWrite(ops, { ordered: false })
      this.store.cleanReceipts(dirty.map((r) => r.member))
    }
    const absent = this.store.takeNotify()
    const lastSeq = this.store.lastSeq()
    await Promise.all(
      absent.map((member) =>
        userChannel(this.env, member)
          ?.deliver({
            type: 'chat.unread',
            conversationId: conversationId.toHexString(),
            lastSeq,
            unread: lastSeq - this.store.receipt(member).read,
          })
          .catch(() => undefined),
      ),
    )
  }
}
