// The realtime protocol shared by every room and every client: JSON messages with a `type`.
// Client requests may carry `rid` and get an `ack` or `error` with the same `rid`; server events
// carry the room's `seq`. Each room's module (conference, chat, meeting, user-channel) declares its
// own messages on these base shapes, and /api/asyncapi.json documents them from the same schemas.
import { z } from 'zod'
import { ERROR_STATUS, type ErrorCode } from './errors'

export const ROOM_KINDS = ['conference', 'chat', 'meeting', 'user'] as const
export type RoomKind = (typeof ROOM_KINDS)[number]

/** Largest client frame a room accepts; anything bigger is refused without parsing. */
export const MAX_CLIENT_FRAME_BYTES = 16 * 1024

/** Who a socket belongs to, decided by the Worker before the upgrade and trusted by the room. */
export const RealtimeIdentitySchema = z.object({
  subject: z.string().min(1).max(128),
  kind: z.enum(['user', 'participant', 'guest']),
  role: z.string().min(1).max(32),
  name: z.string().max(200).optional(),
  /** For accounts: the session (refresh-token family) the ticket was issued under. */
  session: z.string().min(1).max(64).optional(),
  /**
   * A conference's audience member: the audience shard object that holds their socket and their
   * votes (worker/conference/shards.ts). Signed into the ticket, so nobody picks their own.
   */
  shard: z.number().int().min(0).max(1023).optional(),
})
export type RealtimeIdentity = z.infer<typeof RealtimeIdentitySchema>

/** Longest rid, message type or id a frame may carry (schemas and fast checks alike). */
export const MAX_ID_LENGTH = 64

export const RequestIdSchema = z.string().min(1).max(MAX_ID_LENGTH)

/** Every client frame has at least this shape; the room then parses its own message union. */
export const ClientFrameSchema = z.looseObject({
  type: z.string().min(1).max(MAX_ID_LENGTH),
  rid: RequestIdSchema.optional(),
})

/** A string the schemas above take as an id: 1 to MAX_ID_LENGTH characters. */
export function isIdString(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= MAX_ID_LENGTH
}

/**
 * ClientFrameSchema's test, without the copy the schema builds: every frame of every room passes
 * through it, and parsing twice (this shape, then the room's own message) was a fifth of what a vote
 * allocated. A frame that fails it goes through the schema for the error's details.
 */
export function isClientFrame(value: unknown): value is z.infer<typeof ClientFrameSchema> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const { type, rid } = value as { type?: unknown; rid?: unknown }
  return isIdString(type) && (rid === undefined || isIdString(rid))
}

/**
 * One frame type's budget on one socket: a token bucket of `burst` frames, refilled at `perSecond`.
 * A frame over it is dropped before the room handles it (durable-objects/frame-budgets.ts).
 */
export interface FrameBudget {
  burst: number
  perSecond: number
}

/**
 * The budget key of frames that name no type the room takes: not JSON, not an object with a string
 * `type`, a type of another room or none at all, oversize, binary.
 */
export const OTHER_FRAMES = '*'

/** A room's budgets: one per message type of its protocol, plus `ping` and every other frame. */
export type FrameBudgetTable<Type extends string> = Readonly<
  Record<Type | 'ping' | typeof OTHER_FRAMES, FrameBudget>
>

/** The budgets every room shares; each room's table (in its protocol's module) spreads these. */
export const BASE_FRAME_BUDGETS = {
  // Keep-alives come one per 25 s; the burst is for clients that time their round trip with a run
  // of pings back to back (the fan-out bench's idle round trip is 220). A pong costs the room least.
  ping: { burst: 250, perSecond: 50 },
  // Each is answered with an error (which costs the room about what a pong does), so a client with
  // a bug learns what it sends wrong, even a run of them each awaiting its answer (the bad-input
  // suite sends over 50 on one socket); one sending more than 10 a second is not reading them.
  [OTHER_FRAMES]: { burst: 100, perSecond: 10 },
} as const satisfies Record<string, FrameBudget>

/**
 * The `type` of a frame that names one (an object with an id-string `type`), whatever else it holds:
 * what its budget is charged by, before anything else about it is checked.
 */
export function clientFrameType(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const { type } = value as { type?: unknown }
  return isIdString(type) ? type : undefined
}

export const PingSchema = z
  .strictObject({
    type: z.literal('ping'),
    rid: RequestIdSchema.optional(),
  })
  .meta({ description: 'Keep-alive: the room answers `pong` at once. Send one every 25 s.' })

// ---- What every room sends -------------------------------------------------------------------

/** A room's event counter: every numbered event carries the one it was given. */
export const SeqSchema = z
  .number()
  .int()
  .min(0)
  .meta({ description: "The room's event number; reconnect with `since=<seq>` to replay after it" })

const ERROR_CODES = Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]

const WelcomeSchema = z
  .strictObject({
    type: z.literal('welcome'),
    room: z.strictObject({ kind: z.enum(ROOM_KINDS), id: z.string() }),
    identity: RealtimeIdentitySchema,
    seq: SeqSchema,
  })
  .meta({
    description:
      'First frame on every socket: the room, who the socket is, and the latest seq the room has numbered.',
  })

const PongSchema = z
  .strictObject({
    type: z.literal('pong'),
    rid: RequestIdSchema.optional(),
    at: z.number().meta({ description: "The room's clock (ms since the epoch)" }),
  })
  .meta({ description: 'The answer to `ping`.' })

const ErrorFrameSchema = z
  .strictObject({
    type: z.literal('error'),
    rid: RequestIdSchema.optional().meta({
      description: "The refused request's `rid`; absent when the error answers no request",
    }),
    code: z.enum(ERROR_CODES),
    message: z.string(),
    details: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({
    description:
      'A request refused (same `rid`), or a frame the room could not take: not JSON, too large, over its budget (RATE_LIMITED), unknown type, invalid fields.',
  })

/** What the base room itself sends on every socket, whatever the room. */
export const BASE_SERVER_MESSAGES = [WelcomeSchema, PongSchema, ErrorFrameSchema] as const
export type BaseServerMessage = z.infer<(typeof BASE_SERVER_MESSAGES)[number]>

const AckBaseSchema = z.strictObject({
  type: z.literal('ack'),
  rid: RequestIdSchema.optional().meta({ description: "The request's `rid`" }),
})

/** The `ack` answering one request type: its `rid` and the fields that request's answer carries. */
export function ackSchema<const Shape extends z.core.$ZodLooseShape>(
  shape: Shape,
  description: string,
) {
  return AckBaseSchema.extend(shape).meta({ description })
}

/** The fields an ack adds to `{ type: 'ack', rid }`, by request type (a union gives each one's). */
export type AckFields<Acks, RequestType extends keyof Acks> = RequestType extends unknown
  ? Acks[RequestType] extends z.ZodType
    ? Omit<z.infer<Acks[RequestType]>, 'type' | 'rid'>
    : never
  : never

/** A client request as a client writes it: without its `rid` (added by the client's transport). */
export type WithoutRid<Request> = Request extends unknown ? Omit<Request, 'rid'> : never

/** A numbered event as the room emits it, before its `seq` is attached. */
export type Unnumbered<Event> = Event extends unknown ? Omit<Event, 'seq'> : never

/**
 * One room kind's protocol, for its room's types and the AsyncAPI document: the requests it takes,
 * the ack each is answered with, and what it sends.
 */
export interface RoomProtocol {
  kind: RoomKind
  /** What the room holds, in a sentence or two (the channel's description). */
  description: string
  /** The REST routes that issue this room's tickets. */
  tickets: readonly { method: 'POST'; path: string; description: string }[]
  /** What the room's id is (the channel's `{id}` parameter). */
  idDescription: string
  /** Client → server: the options of the room's client message union. */
  requests: readonly z.ZodObject[]
  /** The ack answering each request type; a type without one is answered only by errors. */
  acks: Readonly<Record<string, z.ZodObject | undefined>>
  /** What a socket opened with `since=<seq>` gets; null: the room replays nothing. */
  replay: string | null
  /** Server → client events, each numbered by the room's `seq`. */
  events: readonly z.ZodObject[]
  /** Server → client frames that are not numbered events (snapshots, state, signaling). */
  frames: readonly z.ZodObject[]
  /** The room's own close codes beside CLOSE_CODES, with why each is used. */
  closeCodes: Readonly<Record<number, string>>
  /** The budgets the room's sockets are held to, by request type (its FrameBudgets table). */
  frameBudgets: FrameBudgetTable<string>
  /** Who may send each request type, when not everyone may. */
  senders?: Readonly<Record<string, readonly string[]>>
}

/** Header on the Worker → room request that carries the verified identity. */
export const IDENTITY_HEADER = 'x-realtime-identity'
/** Header on the Worker → room request: when the ticket was minted (ms), for revocations. */
export const TICKET_AT_HEADER = 'x-realtime-ticket-at'
/**
 * Header on the Worker → audience shard request: the ticket's id, which the shard itself admits
 * once (a join storm costs no Redis round trip per join; see AudienceShard).
 */
export const TICKET_ID_HEADER = 'x-realtime-ticket-id'

/**
 * Close codes a room uses when it ends a socket itself. Clients must not reconnect on these with
 * the identity they had: a new sign-in (or a new join) is needed.
 */
export const CLOSE_CODES = {
  /** The session behind the socket ended: logout, deactivation, password change or reset,
   * refresh-token reuse, a newer device beyond the limit, an identity taken over. */
  SESSION_ENDED: 4401,
  /** What admitted the socket was withdrawn: the account's role changed, a participant was removed. */
  ACCESS_WITHDRAWN: 4403,
  /** The conference ended: the audience's participant tokens admit nobody any more. */
  CONFERENCE_ENDED: 4410,
  /**
   * The socket kept sending over its frame budgets after being warned with RATE_LIMITED errors. Not
   * about the identity: a client may reconnect, after backing off.
   */
  RATE_LIMITED: 4429,
} as const
export type CloseCode = (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES]

/**
 * What to close, sent from the Worker to the rooms (through the subject's registry) when a
 * session or an admission ends. Remembered by the rooms for REVOCATION_MEMORY_MS, so that an
 * upgrade already past the Worker's checks when the revocation ran is refused too.
 */
export interface Revocation {
  /** The account id (or participant id) whose sockets close. */
  subject: string
  /** Only sockets of these sessions; absent: every socket of the subject. */
  sessions?: string[]
  /** Every session but this one (a password change keeps the device that made it). */
  exceptSession?: string
  /** When it took effect (ms): a subject-wide revocation refuses tickets minted before it. */
  at: number
  code: CloseCode
  reason: string
}

/** Longer than a ticket lives, so every ticket minted before a revocation is covered. */
export const REVOCATION_MEMORY_MS = 2 * 60_000

/** Whether `revocation` covers a socket (or an upgrade) of `identity` admitted at `ticketAt`. */
export function revocationCovers(
  revocation: Revocation,
  identity: Pick<RealtimeIdentity, 'subject' | 'session'>,
  ticketAt: number,
): boolean {
  if (identity.subject !== revocation.subject) return false
  if (revocation.sessions)
    return identity.session !== undefined && revocation.sessions.includes(identity.session)
  if (revocation.exceptSession !== undefined && identity.session === revocation.exceptSession)
    return false
  return ticketAt <= revocation.at
}
