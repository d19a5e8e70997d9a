// The AsyncAPI 3.0 document of the realtime protocol (/api/asyncapi.json): one channel per room kind,
// every message with its payload's JSON Schema, built from the zod schemas the rooms are typed
// against (shared/<room>.ts), as the OpenAPI document is built from the routes' schemas.
import { z } from 'zod'
import { CHAT_PROTOCOL } from '../../shared/chat'
import { CONFERENCE_PROTOCOL } from '../../shared/conference'
import { MEETING_PROTOCOL } from '../../shared/meeting'
import {
  BASE_SERVER_MESSAGES,
  CLOSE_CODES,
  MAX_CLIENT_FRAME_BYTES,
  PingSchema,
  type RoomProtocol,
} from '../../shared/realtime'
import { USER_PROTOCOL } from '../../shared/user-channel'
import {
  SOCKET_IO_DESCRIPTION,
  SOCKET_IO_ENTRIES,
  SOCKET_IO_SECURITY_SCHEME,
  socketIoServer,
} from './asyncapi-socket-io'

/** Every room kind's protocol, in the order the document lists them. */
const ROOM_PROTOCOLS: readonly RoomProtocol[] = [
  CONFERENCE_PROTOCOL,
  CHAT_PROTOCOL,
  MEETING_PROTOCOL,
  USER_PROTOCOL,
]

/** Component ids of the messages every room shares. */
const SHARED_MESSAGE_IDS = {
  ping: 'ping',
  pong: 'pong',
  welcome: 'welcome',
  error: 'error',
} as const

/** Where each of a room's messages sits in components.messages (and in its channel's messages). */
const messageIds = {
  request: (kind: string, type: string) => `${kind}.request.${type}`,
  ack: (kind: string, type: string) => `${kind}.ack.${type}`,
  event: (kind: string, type: string) => `${kind}.event.${type}`,
}

const CLOSE_CODE_REASONS: Record<number, string> = {
  [CLOSE_CODES.SESSION_ENDED]:
    'The session behind the socket ended (logout, deactivation, password change, refresh-token reuse, device limit): sign in again.',
  [CLOSE_CODES.ACCESS_WITHDRAWN]:
    'What admitted the socket was withdrawn (role changed, removed from the conference): do not reconnect with the same identity.',
  [CLOSE_CODES.CONFERENCE_ENDED]: 'The conference ended: participant tokens admit nobody any more.',
  [CLOSE_CODES.RATE_LIMITED]:
    'Kept sending over its frame budgets after RATE_LIMITED errors: reconnect after backing off.',
}

const DESCRIPTION = `Native WebSockets into the rooms (Durable Objects) behind the Worker: a conference's live room, a chat conversation, a video meeting room and each user's own channel. Every frame is a JSON text frame with a \`type\`.

## Connecting: tickets
1. Ask the room's ticket route over REST (each channel names its routes). A ticket is a signed token for one identity and one room, valid for a minute and for **one** upgrade: ask again for every reconnection.
2. Open \`wss://<host>/api/realtime/<kind>/<id>?ticket=<ticket>\`, with \`&since=<seq>\` to resume where you left off. The Worker checks the ticket before the upgrade (a refused upgrade answers with the JSON error envelope: 401 for a bad, used or expired ticket or a revoked session) and the room trusts the identity it forwards.
3. The first frame is \`welcome\`: the room, who you are in it, and its latest \`seq\`.

## Requests, acks and errors
A client frame may carry \`rid\` (1–64 characters). The room answers it with \`ack\` (whose fields depend on the request: see each operation's reply) or \`error\` with the same \`rid\`. An \`error\` without \`rid\` answers a frame that could not be read or named no request. Frames are limited to ${MAX_CLIENT_FRAME_BYTES} bytes; \`ping\` is answered by \`pong\` (send one every 25 s).

## Ordering and replay: \`seq\` and \`since\`
Rooms number their events with a per-room \`seq\`. A client keeps the last \`seq\` it applied and reconnects with \`since=<seq>\`: the conference and chat rooms then send exactly what it missed, in order, gap-free (each channel says what it replays). Frames marked as state (\`room.stats\`) or signaling carry no \`seq\` and are never replayed: the next one supersedes them.

## Frame budgets
Each socket has a budget per request type (a burst, then a steady rate; see each operation's \`x-frame-budget\`). A frame over it is dropped unanswered but for one \`RATE_LIMITED\` error a second; a socket that keeps going over is closed with 4429.

## Close codes
| code | meaning |
| --- | --- |
${Object.entries(CLOSE_CODE_REASONS)
  .map(([code, reason]) => `| ${code} | ${reason} |`)
  .join('\n')}

Rooms add their own (see each channel).

${SOCKET_IO_DESCRIPTION}`

/** A message's JSON Schema: what clients may send (input) or what the room sends (output). */
function payloadOf(schema: z.ZodType, io: 'input' | 'output') {
  const {
    $schema: _draft,
    description: _description,
    ...payload
  } = z.toJSONSchema(schema, {
    target: 'draft-7',
    io,
  })
  return payload
}

function typeOf(schema: z.ZodObject): string {
  const literal: unknown = schema.shape.type
  if (!(literal instanceof z.ZodLiteral) || typeof literal.value !== 'string')
    throw new TypeError('A protocol message needs a string literal `type`')
  return literal.value
}

function message(
  schema: z.ZodObject,
  io: 'input' | 'output',
  title: string,
  tags: readonly string[] = [],
) {
  const type = typeOf(schema)
  return {
    name: type,
    title,
    summary: schema.description ?? '',
    contentType: 'application/json',
    payload: payloadOf(schema, io),
    ...(tags.length > 0 ? { tags: tags.map((name) => ({ name })) } : {}),
  }
}

const ref = (path: string) => ({ $ref: `#/${path}` })
const channelMessage = (kind: string, id: string) => ref(`channels/${kind}/messages/${id}`)

export interface AsyncApiOptions {
  /** The host clients connect to (the document's own host). */
  host: string
  /** wss (behind HTTPS) or ws (local development). */
  protocol: 'ws' | 'wss'
  version: string
}

/** The channels, operations and messages: the same whatever the host, so built once. */
let rooms: ReturnType<typeof describeRooms> | undefined

/** The AsyncAPI 3.0 document of every room kind. */
export function asyncApiDocument(opts: AsyncApiOptions) {
  rooms ??= describeRooms()
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Sanora + Videodesk realtime API',
      version: opts.version,
      description: DESCRIPTION,
      externalDocs: {
        description: 'The REST API (OpenAPI), where the tickets are issued',
        url: `${opts.protocol === 'wss' ? 'https' : 'http'}://${opts.host}/api/docs`,
      },
    },
    defaultContentType: 'application/json',
    servers: {
      worker: {
        host: opts.host,
        protocol: opts.protocol,
        description: 'The Worker: every room is reached through it, never directly.',
        security: [ref('components/securitySchemes/ticket')],
      },
      socketIo: socketIoServer(opts.host, opts.protocol),
    },
    channels: rooms.channels,
    operations: rooms.operations,
    components: {
      messages: rooms.messages,
      securitySchemes: {
        ticket: {
          type: 'httpApiKey',
          name: 'ticket',
          in: 'query',
          description:
            "A one-minute, single-use ticket from the room's ticket route (see each channel).",
        },
        socketIoToken: SOCKET_IO_SECURITY_SCHEME,
      },
    },
  }
}

function describeRooms() {
  const messages: Record<string, unknown> = {
    [SHARED_MESSAGE_IDS.ping]: message(PingSchema, 'input', 'ping'),
  }
  for (const schema of BASE_SERVER_MESSAGES) {
    const type = typeOf(schema)
    messages[type] = message(schema, 'output', type)
  }
  const channels: Record<string, unknown> = {}
  const operations: Record<string, unknown> = {}
  for (const protocol of ROOM_PROTOCOLS) {
    const { kind } = protocol
    const channelRef = ref(`channels/${kind}`)
    const channelMessages: Record<string, unknown> = {}
    const use = (id: string) => {
      channelMessages[id] = ref(`components/messages/${id}`)
      return channelMessage(kind, id)
    }
    for (const id of Object.values(SHARED_MESSAGE_IDS)) use(id)
    operations[`${kind}.receive.ping`] = {
      action: 'receive',
      channel: channelRef,
      summary: 'Keep-alive',
      messages: [channelMessage(kind, SHARED_MESSAGE_IDS.ping)],
      reply: {
        channel: channelRef,
        messages: [
          channelMessage(kind, SHARED_MESSAGE_IDS.pong),
          channelMessage(kind, SHARED_MESSAGE_IDS.error),
        ],
      },
      'x-frame-budget': protocol.frameBudgets.ping,
    }
    operations[`${kind}.send.welcome`] = {
      action: 'send',
      channel: channelRef,
      summary: 'The first frame on every socket',
      messages: [channelMessage(kind, SHARED_MESSAGE_IDS.welcome)],
    }
    operations[`${kind}.send.error`] = {
      action: 'send',
      channel: channelRef,
      summary: 'An error that answers no request',
      description:
        'A frame the room could not read (not JSON, too large, binary, no `type`), or over its budget (RATE_LIMITED), without a `rid` to answer.',
      messages: [channelMessage(kind, SHARED_MESSAGE_IDS.error)],
    }
    for (const schema of protocol.requests) {
      const type = typeOf(schema)
      const id = messageIds.request(kind, type)
      messages[id] = message(schema, 'input', type)
      const reply = [channelMessage(kind, SHARED_MESSAGE_IDS.error)]
      const ack = protocol.acks[type]
      if (ack) {
        const ackId = messageIds.ack(kind, type)
        messages[ackId] = message(ack, 'output', `ack (${type})`)
        reply.unshift(use(ackId))
      }
      const senders = protocol.senders?.[type]
      operations[`${kind}.receive.${type}`] = {
        action: 'receive',
        channel: channelRef,
        summary: schema.description ?? type,
        ...(senders ? { description: `Who may send it: ${senders.join(', ')}.` } : {}),
        messages: [use(id)],
        reply: { channel: channelRef, messages: reply },
        'x-frame-budget': protocol.frameBudgets[type],
      }
    }
    const sent = [
      ...protocol.events.map((schema) => ({ schema, numbered: true })),
      ...protocol.frames.map((schema) => ({ schema, numbered: false })),
    ]
    for (const { schema, numbered } of sent) {
      const type = typeOf(schema)
      const id = messageIds.event(kind, type)
      const replayed = numbered && protocol.replay !== null
      messages[id] = message(schema, 'output', type, [
        ...(numbered ? ['numbered'] : []),
        ...(replayed ? ['replayed'] : []),
      ])
      operations[`${kind}.send.${type}`] = {
        action: 'send',
        channel: channelRef,
        summary: schema.description ?? type,
        messages: [use(id)],
      }
    }
    channels[kind] = {
      address: `/api/realtime/${kind}/{id}`,
      title: `${kind} room`,
      description: channelDescription(protocol),
      parameters: { id: { description: protocol.idDescription } },
      messages: channelMessages,
      bindings: {
        ws: {
          method: 'GET',
          query: {
            type: 'object',
            properties: {
              ticket: { type: 'string', description: 'A ticket from one of the routes above' },
              since: {
                type: 'integer',
                minimum: 0,
                description: 'The last seq the client applied: replay what came after it',
              },
            },
            required: ['ticket'],
          },
          bindingVersion: '0.1.0',
        },
      },
      'x-close-codes': { ...CLOSE_CODE_REASONS, ...protocol.closeCodes },
      'x-socket-io': SOCKET_IO_ENTRIES[kind],
    }
  }
  return { channels, operations, messages }
}

function channelDescription(protocol: RoomProtocol): string {
  const tickets = protocol.tickets
    .map((t) => `- \`${t.method} ${t.path}\`: ${t.description}`)
    .join('\n')
  const closeCodes = Object.entries(protocol.closeCodes)
    .map(([code, reason]) => `- ${code}: ${reason}`)
    .join('\n')
  return [
    protocol.description,
    `**Tickets**\n\n${tickets}`,
    `**Replay** (\`since\`): ${protocol.replay ?? 'none; events are not replayed.'}`,
    ...(closeCodes ? [`**Close codes of this room**\n\n${closeCodes}`] : []),
  ].join('\n\n')
}
