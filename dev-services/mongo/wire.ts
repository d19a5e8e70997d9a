// MongoDB wire protocol framing: splitting a byte stream into messages, decoding OP_MSG (body
// plus document sequences) and legacy OP_QUERY, and encoding OP_MSG / OP_REPLY responses.
import { BSON, type Document } from 'bson'
import { WireProtocolError, describe } from './errors.js'

const OP_REPLY = 1
export const OP_QUERY = 2004
export const OP_MSG = 2013

const HEADER_SIZE = 16
const MAX_MESSAGE_SIZE = 48_000_000
const FLAG_CHECKSUM_PRESENT = 1 << 0
const FLAG_MORE_TO_COME = 1 << 1

/** How stored and incoming documents are decoded: Long stays Long so it round-trips. */
export const DESERIALIZE_OPTIONS = {
  promoteLongs: false,
  promoteValues: true,
  bsonRegExp: false,
} as const
const SERIALIZE_OPTIONS = { checkKeys: false, ignoreUndefined: true } as const

export interface RawMessage {
  requestId: number
  responseTo: number
  opCode: number
  body: Buffer
}

export interface CommandRequest {
  requestId: number
  opCode: typeof OP_MSG | typeof OP_QUERY
  db: string
  command: Document
  /** OP_MSG moreToCome: the client expects no reply (unacknowledged writes). */
  noReply: boolean
}

/** Accumulates socket chunks and yields complete messages (copying each byte once). */
export class MessageFramer {
  private chunks: Buffer[] = []
  private buffered = 0

  push(chunk: Buffer): RawMessage[] {
    this.chunks.push(chunk)
    this.buffered += chunk.length
    const out: RawMessage[] = []
    while (this.buffered >= 4) {
      const length = this.peekLength()
      if (length < HEADER_SIZE || length > MAX_MESSAGE_SIZE) {
        throw new WireProtocolError(`invalid message length ${length}`)
      }
      if (this.buffered < length) break
      const buf = this.take(length)
      out.push({
        requestId: buf.readInt32LE(4),
        responseTo: buf.readInt32LE(8),
        opCode: buf.readInt32LE(12),
        body: buf.subarray(HEADER_SIZE),
      })
    }
    return out
  }

  private peekLength(): number {
    const first = this.chunks[0] as Buffer
    if (first.length >= 4) return first.readInt32LE(0)
    this.chunks = [Buffer.concat(this.chunks)]
    return (this.chunks[0] as Buffer).readInt32LE(0)
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks)
    const rest = all.subarray(n)
    this.chunks = rest.length ? [rest] : []
    this.buffered = rest.length
    return all.subarray(0, n)
  }
}

/** Decodes an OP_MSG or OP_QUERY; throws when the body is not valid for its opcode. */
export function decodeCommand(msg: RawMessage): CommandRequest {
  try {
    if (msg.opCode === OP_MSG) return decodeOpMsg(msg)
    if (msg.opCode === OP_QUERY) return decodeOpQuery(msg)
  } catch (err) {
    if (err instanceof WireProtocolError) throw err
    throw new WireProtocolError(`malformed message (opCode ${msg.opCode}): ${describe(err)}`, err)
  }
  throw new WireProtocolError(`unsupported opCode ${msg.opCode}`)
}

function readDoc(buf: Buffer, offset: number): { doc: Document; end: number } {
  const size = buf.readInt32LE(offset)
  if (size < 5 || offset + size > buf.length) throw new WireProtocolError('truncated BSON document')
  const doc = BSON.deserialize(buf.subarray(offset, offset + size), DESERIALIZE_OPTIONS)
  return { doc, end: offset + size }
}

function decodeOpMsg(msg: RawMessage): CommandRequest {
  const body = msg.body
  const flags = body.readUInt32LE(0)
  const end = flags & FLAG_CHECKSUM_PRESENT ? body.length - 4 : body.length
  let offset = 4
  let command: Document | undefined
  const sequences: [string, Document[]][] = []
  while (offset < end) {
    const kind = body.readUInt8(offset)
    offset += 1
    if (kind === 0) {
      const { doc, end: next } = readDoc(body, offset)
      command = doc
      offset = next
    } else if (kind === 1) {
      const size = body.readInt32LE(offset)
      const sectionEnd = offset + size
      const nul = body.indexOf(0, offset + 4)
      if (nul < 0 || nul >= sectionEnd)
        throw new WireProtocolError('bad document sequence identifier')
      const identifier = body.toString('utf8', offset + 4, nul)
      const docs: Document[] = []
      let p = nul + 1
      while (p < sectionEnd) {
        const { doc, end: next } = readDoc(body, p)
        docs.push(doc)
        p = next
      }
      sequences.push([identifier, docs])
      offset = sectionEnd
    } else {
      throw new WireProtocolError(`unknown OP_MSG section kind ${kind}`)
    }
  }
  if (!command) throw new WireProtocolError('OP_MSG without a body section')
  for (const [identifier, docs] of sequences) command[identifier] = docs
  const db = typeof command.$db === 'string' ? command.$db : 'admin'
  return {
    requestId: msg.requestId,
    opCode: OP_MSG,
    db,
    command,
    noReply: (flags & FLAG_MORE_TO_COME) !== 0,
  }
}

function decodeOpQuery(msg: RawMessage): CommandRequest {
  const body = msg.body
  const nul = body.indexOf(0, 4)
  if (nul < 0) throw new WireProtocolError('bad OP_QUERY collection name')
  const fullName = body.toString('utf8', 4, nul)
  // skip numberToSkip and numberToReturn
  const { doc } = readDoc(body, nul + 1 + 8)
  const command = doc.$query && typeof doc.$query === 'object' ? (doc.$query as Document) : doc
  const dot = fullName.indexOf('.')
  const db = dot < 0 ? fullName : fullName.slice(0, dot)
  const coll = dot < 0 ? '' : fullName.slice(dot + 1)
  if (coll !== '$cmd') command.__legacyQueryNamespace = fullName
  return { requestId: msg.requestId, opCode: OP_QUERY, db, command, noReply: false }
}

function header(length: number, requestId: number, responseTo: number, opCode: number): Buffer {
  const h = Buffer.alloc(HEADER_SIZE)
  h.writeInt32LE(length, 0)
  h.writeInt32LE(requestId, 4)
  h.writeInt32LE(responseTo, 8)
  h.writeInt32LE(opCode, 12)
  return h
}

export function encodeOpMsg(requestId: number, responseTo: number, reply: Document): Buffer {
  const doc = BSON.serialize(reply, SERIALIZE_OPTIONS)
  const prefix = Buffer.alloc(5) // flagBits (0) + section kind 0
  const length = HEADER_SIZE + prefix.length + doc.length
  return Buffer.concat([header(length, requestId, responseTo, OP_MSG), prefix, doc])
}

export function encodeOpReply(requestId: number, responseTo: number, reply: Document): Buffer {
  const doc = BSON.serialize(reply, SERIALIZE_OPTIONS)
  const fields = Buffer.alloc(20) // responseFlags, cursorID (int64), startingFrom, numberReturned
  fields.writeInt32LE(1, 16)
  const length = HEADER_SIZE + fields.length + doc.length
  return Buffer.concat([header(length, requestId, responseTo, OP_REPLY), fields, doc])
}
