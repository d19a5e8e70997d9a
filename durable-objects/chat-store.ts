// The ChatConversation's SQLite storage: members, messages numbered by seq (kept until safely in
// MongoDB, then the most recent ones only), each member's delivery and read positions, and who
// still has to be told about new messages.
import type { ChatMessage } from '../shared/chat'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS messages (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, sender TEXT NOT NULL, text TEXT NOT NULL,
  attachments TEXT NOT NULL, client_id TEXT, created_at INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0,
  persisted INTEGER NOT NULL DEFAULT 0);
CREATE UNIQUE INDEX IF NOT EXISTS messages_client ON messages (sender, client_id) WHERE client_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS receipts (member TEXT PRIMARY KEY, delivered INTEGER NOT NULL DEFAULT 0,
  read INTEGER NOT NULL DEFAULT 0, dirty INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS pending_notify (member TEXT PRIMARY KEY);
`

/** Persisted messages kept in the object for fast replay; older ones are read from MongoDB. */
const KEPT_MESSAGES = 1000

type Row = {
  seq: number
  id: string
  sender: string
  text: string
  attachments: string
  client_id: string | null
  created_at: number
  deleted: number
}

export class ChatStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly conversationId: () => string,
  ) {
    sql.exec(SCHEMA)
  }

  meta(key: string): string | undefined {
    return this.sql
      .exec<{ value: string }>('SELECT value FROM meta WHERE key = ?', key)
      .toArray()[0]?.value
  }

  setMeta(key: string, value: string | number) {
    this.sql.exec(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      key,
      String(value),
    )
  }

  members(): string[] {
    return JSON.parse(this.meta('members') ?? '[]') as string[]
  }

  lastSeq(): number {
    return Number(this.meta('last_seq') ?? 0)
  }

  private toMessage(r: Row): ChatMessage {
    return {
      id: r.id,
      conversationId: this.conversationId(),
      seq: r.seq,
      senderId: r.sender,
      text: r.deleted ? '' : r.text,
      attachments: r.deleted ? [] : (JSON.parse(r.attachments) as string[]),
      clientId: r.client_id,
      createdAt: new Date(r.created_at).toISOString(),
      deleted: r.deleted === 1,
    }
  }

  byClientId(sender: string, clientId: string): ChatMessage | undefined {
    const row = this.sql
      .exec<Row>('SELECT * FROM messages WHERE sender = ? AND client_id = ?', sender, clientId)
      .toArray()[0]
    return row ? this.toMessage(row) : undefined
  }

  /** Stores a message under the next seq; durable before any reply leaves the object. */
  append(m: {
    id: string
    sender: string
    text: string
    attachments: string[]
    clientId?: string
    now: number
  }): ChatMessage {
    const seq = this.lastSeq() + 1
    this.sql.exec(
      'INSERT INTO messages (seq, id, sender, text, attachments, client_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      seq,
      m.id,
      m.sender,
      m.text,
      JSON.stringify(m.attachments),
      m.clientId ?? null,
      m.now,
    )
    this.setMeta('last_seq', seq)
    return this.message(seq)!
  }

  message(seq: number): ChatMessage | undefined {
    const row = this.sql.exec<Row>('SELECT * FROM messages WHERE seq = ?', seq).toArray()[0]
    return row ? this.toMessage(row) : undefined
  }

  markDeleted(seq: number) {
    this.sql.exec('UPDATE messages SET deleted = 1, persisted = 0 WHERE seq = ?', seq)
  }

  oldestKept(): number | undefined {
    return (
      this.sql.exec<{ s: number | null }>('SELECT MIN(seq) AS s FROM messages').toArray()[0]!.s ??
      undefined
    )
  }

  /** Messages with after < seq < before, oldest first, at most `limit`. */
  range(after: number, before: number, limit: number, newestFirst = false): ChatMessage[] {
    return this.sql
      .exec<Row>(
        `SELECT * FROM messages WHERE seq > ? AND seq < ? ORDER BY seq ${newestFirst ? 'DESC' : 'ASC'} LIMIT ?`,
        after,
        before,
        limit,
      )
      .toArray()
      .map((r) => this.toMessage(r))
  }

  unpersisted(limit = 500): ChatMessage[] {
    return this.sql
      .exec<Row>('SELECT * FROM messages WHERE persisted = 0 ORDER BY seq LIMIT ?', limit)
      .toArray()
      .map((r) => this.toMessage(r))
  }

  markPersisted(seqs: number[]) {
    for (const seq of seqs) this.sql.exec('UPDATE messages SET persisted = 1 WHERE seq = ?', seq)
    this.sql.exec(
      'DELETE FROM messages WHERE persisted = 1 AND seq <= ?',
      this.lastSeq() - KEPT_MESSAGES,
    )
  }

  /** Raises a member's delivered/read position (never lowers it); true when it moved. */
  advanceReceipt(member: string, kind: 'delivered' | 'read', seq: number): boolean {
    const current = this.receipt(member)
    const next = { delivered: current.delivered, read: current.read }
    if (kind === 'read') {
      next.read = Math.max(current.read, seq)
      next.delivered = Math.max(current.delivered, next.read)
    } else next.delivered = Math.max(current.delivered, seq)
    if (next.read === current.read && next.delivered === current.delivered) return false
    this.sql.exec(
      `INSERT INTO receipts (member, delivered, read, dirty) VALUES (?, ?, ?, 1)
       ON CONFLICT(member) DO UPDATE SET delivered = excluded.delivered, read = excluded.read, dirty = 1`,
      member,
      next.delivered,
      next.read,
    )
    return true
  }

  receipt(member: string): { delivered: number; read: number } {
    return (
      this.sql
        .exec<{ delivered: number; read: number }>(
          'SELECT delivered, read FROM receipts WHERE member = ?',
          member,
        )
        .toArray()[0] ?? { delivered: 0, read: 0 }
    )
  }

  dirtyReceipts(): { member: string; delivered: number; read: number }[] {
    return this.sql
      .exec<{ member: string; delivered: number; read: number }>(
        'SELECT member, delivered, read FROM receipts WHERE dirty = 1',
      )
      .toArray()
  }

  cleanReceipts(members: string[]) {
    for (const m of members) this.sql.exec('UPDATE receipts SET dirty = 0 WHERE member = ?', m)
  }

  queueNotify(members: string[]) {
    for (const m of members)
      this.sql.exec('INSERT OR IGNORE INTO pending_notify (member) VALUES (?)', m)
  }

  takeNotify(): string[] {
    const members = this.sql
      .exec<{ member: string }>('SELECT member FROM pending_notify')
      .toArray()
      .map((r) => r.member)
    this.sql.exec('DELETE FROM pending_notify')
    return members
  }
}
