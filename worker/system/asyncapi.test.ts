import { Parser } from '@asyncapi/parser'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  CHAT_ACKS,
  CHAT_FRAME_BUDGETS,
  ChatClientMessageSchema,
  ChatServerMessageSchema,
} from '../../shared/chat'
import {
  CONFERENCE_ACKS,
  CONFERENCE_FRAME_BUDGETS,
  ConferenceClientMessageSchema,
  ConferenceServerMessageSchema,
} from '../../shared/conference'
import {
  MEETING_ACKS,
  MEETING_FRAME_BUDGETS,
  MeetingClientMessageSchema,
  MeetingServerMessageSchema,
} from '../../shared/meeting'
import { OTHER_FRAMES, type RoomKind } from '../../shared/realtime'
import {
  USER_ACKS,
  USER_FRAME_BUDGETS,
  UserClientMessageSchema,
  UserServerMessageSchema,
} from '../../shared/user-channel'
import { asyncApiDocument } from './asyncapi'
import { SOCKET_IO_ROOM_KINDS } from '../realtime/socket-io-identity'

/**
 * What each room takes and sends, read from what the room itself runs on rather than from the
 * document's own list: its frame budget table (every type a socket may send, `ping` included), the
 * schema it parses frames with, the server union its `send` and `broadcast` are typed against, and
 * its acks by request type.
 */
const ROOMS = [
  {
    kind: 'conference',
    budgets: CONFERENCE_FRAME_BUDGETS,
    client: ConferenceClientMessageSchema,
    server: ConferenceServerMessageSchema,
    acks: CONFERENCE_ACKS,
  },
  {
    kind: 'chat',
    budgets: CHAT_FRAME_BUDGETS,
    client: ChatClientMessageSchema,
    server: ChatServerMessageSchema,
    acks: CHAT_ACKS,
  },
  {
    kind: 'meeting',
    budgets: MEETING_FRAME_BUDGETS,
    client: MeetingClientMessageSchema,
    server: MeetingServerMessageSchema,
    acks: MEETING_ACKS,
  },
  {
    kind: 'user',
    budgets: USER_FRAME_BUDGETS,
    client: UserClientMessageSchema,
    server: UserServerMessageSchema,
    acks: USER_ACKS,
  },
] satisfies {
  kind: RoomKind
  budgets: Record<string, unknown>
  client: z.ZodDiscriminatedUnion<z.ZodObject[]>
  server: z.ZodUnion
  acks: Record<string, z.ZodObject>
}[]

type Doc = ReturnType<typeof asyncApiDocument>
interface Message {
  name: string
  payload: unknown
}
interface Operation {
  action: 'send' | 'receive'
  channel: { $ref: string }
  messages: { $ref: string }[]
  reply?: { messages: { $ref: string }[] }
}

const document = () =>
  asyncApiDocument({ host: 'edge.test', protocol: 'wss', version: '0.0.0-test' })

/** Follows a `#/…` reference through the document (channel messages point at components). */
function resolve(doc: Doc, target: { $ref: string }): Message | undefined {
  let node: unknown = doc
  for (const key of target.$ref.slice(2).split('/')) {
    node = (node as Record<string, unknown> | undefined)?.[key]
    if (node && typeof node === 'object' && '$ref' in node) node = resolve(doc, node as never)
  }
  return node as Message | undefined
}

/** Every server → client message schema of a room's union (discriminated unions flattened). */
function serverSchemas(union: z.ZodUnion): z.ZodObject[] {
  return union.options.flatMap((option) =>
    option instanceof z.ZodDiscriminatedUnion
      ? (option.options as z.ZodObject[])
      : [option as z.ZodObject],
  )
}

const typeOf = (schema: z.ZodObject) => (schema.shape.type as z.ZodLiteral<string>).value
const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') => {
  const {
    $schema: _draft,
    description: _description,
    ...rest
  } = z.toJSONSchema(schema, {
    target: 'draft-7',
    io,
  })
  return rest
}

/** What a room takes or sends that `doc` does not document (with its payload), by room. */
function undocumented(doc: Doc): string[] {
  const missing: string[] = []
  for (const room of ROOMS) {
    const operations = Object.values(doc.operations as Record<string, Operation>).filter(
      (op) => op.channel.$ref === `#/channels/${room.kind}`,
    )
    const received = operations.filter((op) => op.action === 'receive')
    // Sent on its own, or as the reply to a request (pong, error).
    const sent = operations.flatMap((op) =>
      [...(op.action === 'send' ? op.messages : []), ...(op.reply?.messages ?? [])].map((m) =>
        resolve(doc, m),
      ),
    )
    const receiving = (type: string) =>
      received.find((op) => op.messages.some((m) => resolve(doc, m)?.name === type))

    const requestTypes = new Set([
      ...Object.keys(room.budgets).filter((type) => type !== OTHER_FRAMES),
      ...room.client.options.map((schema) => typeOf(schema as z.ZodObject)),
    ])
    for (const type of requestTypes) {
      const op = receiving(type)
      if (!op) missing.push(`${room.kind}: request ${type}`)
      else if (!op.reply?.messages.some((m) => resolve(doc, m)?.name === 'error'))
        missing.push(`${room.kind}: the error answering ${type}`)
    }
    for (const schema of room.client.options as z.ZodObject[]) {
      const op = receiving(typeOf(schema))
      const documented = op?.messages.map((m) => resolve(doc, m)?.payload)
      if (op && !documented?.some((p) => equal(p, jsonSchema(schema, 'input'))))
        missing.push(`${room.kind}: request ${typeOf(schema)}'s payload`)
    }
    for (const [type, ack] of Object.entries(room.acks)) {
      const replies = receiving(type)?.reply?.messages.map((m) => resolve(doc, m)) ?? []
      if (!replies.some((m) => m?.name === 'ack' && equal(m.payload, jsonSchema(ack, 'output'))))
        missing.push(`${room.kind}: ack of ${type}`)
    }
    for (const schema of serverSchemas(room.server)) {
      const type = typeOf(schema)
      // Acks are documented as the replies of the requests they answer (checked above).
      if (type === 'ack') continue
      if (!sent.some((m) => m?.name === type && equal(m.payload, jsonSchema(schema, 'output'))))
        missing.push(`${room.kind}: server message ${type}`)
    }
    const ackOptions = serverSchemas(room.server).filter((s) => typeOf(s) === 'ack')
    for (const schema of ackOptions)
      if (!Object.values(room.acks).includes(schema as never))
        missing.push(`${room.kind}: an ack in its server union answers no request type`)
  }
  return missing
}

const equal = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

describe('asyncApiDocument', () => {
  it('documents every message each room accepts and sends, acks and errors included', () => {
    expect(undocumented(document())).toEqual([])
  })

  it('notices a message, an ack or a payload missing from the document', () => {
    const doc = structuredClone(document())
    const channels = doc.channels as Record<string, { messages: Record<string, unknown> }>
    const messages = doc.components.messages as Record<string, Message>
    delete doc.operations['conference.send.question.live' as keyof typeof doc.operations]
    delete doc.operations['chat.receive.typing' as keyof typeof doc.operations]
    delete channels.meeting!.messages['meeting.ack.join-room']
    messages['user.event.chat.unread']!.payload = { type: 'object' }
    expect(undocumented(doc)).toEqual([
      'conference: server message question.live',
      'chat: request typing',
      'meeting: ack of join-room',
      'user: server message chat.unread',
    ])
  })

  it('is a valid AsyncAPI 3.0 document: the official parser reports no error', async () => {
    const { document: parsed, diagnostics } = await new Parser().parse(
      JSON.parse(JSON.stringify(document())),
    )
    // The parser gives no document when any diagnostic is an error; the messages say which.
    const found = diagnostics.map((d) => `${d.path.join('.')}: ${d.message}`).join('\n')
    expect(parsed, found).toBeDefined()
    expect(parsed?.version()).toBe('3.0.0')
    expect(
      parsed
        ?.channels()
        .all()
        .map((c) => c.id()),
    ).toEqual(['conference', 'chat', 'meeting', 'user'])
  })

  it('describes the ticket flow, replay, close codes and each request budget', () => {
    const doc = document()
    expect(doc.info.description).toContain('?ticket=<ticket>')
    expect(doc.info.description).toContain('since=<seq>')
    expect(doc.info.description).toContain('| 4429 |')
    const conference = doc.channels.conference as { description: string; 'x-close-codes': object }
    expect(conference.description).toContain('POST /api/conference/{id}/ticket')
    expect(conference['x-close-codes']).toHaveProperty('4410')
    expect(doc.operations['conference.receive.vote' as keyof typeof doc.operations]).toMatchObject({
      'x-frame-budget': CONFERENCE_FRAME_BUDGETS.vote,
      description: 'Who may send it: audience.',
    })
    expect(doc.servers.worker).toMatchObject({ host: 'edge.test', protocol: 'wss' })
  })

  it('says how a Socket.IO connection enters each room, for exactly the kinds the Worker serves by query', () => {
    const doc = document()
    expect(doc.servers.socketIo).toMatchObject({ pathname: '/socket.io/', protocol: 'wss' })
    expect(doc.info.description).toContain('## Socket.IO clients')
    const entries = Object.entries(doc.channels as Record<string, unknown>).map(
      ([kind, channel]) =>
        [
          kind,
          (channel as { 'x-socket-io': { room?: string; enter: string } })['x-socket-io'],
        ] as const,
    )
    const byQuery = entries.filter(([, entry]) => entry.room).map(([kind]) => kind)
    expect(byQuery.sort()).toEqual([...SOCKET_IO_ROOM_KINDS].sort())
    const entry = Object.fromEntries(entries)
    for (const kind of SOCKET_IO_ROOM_KINDS) expect(entry[kind]?.room).toBe(`${kind}:{id}`)
    expect(entry.meeting?.enter).toContain("'join-room'")
  })
})
