// The realtime protocol shared by every room and every client: JSON messages with a `type`.
// Client requests may carry `rid` and get an `ack` or `error` with the same `rid`; server events
// carry the room's `seq`. Room-specific messages extend these base shapes.
import { z } from 'zod'
import type { ErrorCode } from './errors'
import type { MeetingServerEvent } from './meeting'

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

export const PingSchema = z.strictObject({
  type: z.literal('ping'),
  rid: RequestIdSchema.optional(),
})

export type ServerMessage =
  | {
      type: 'welcome'
      room: { kind: RoomKind; id: string }
      identity: RealtimeIdentity
      seq: number
    }
  | { type: 'pong'; rid?: string; at: number }
  | { type: 'ack'; rid?: string; [key: string]: unknown }
  | {
      type: 'error'
      rid?: string
      code: ErrorCode
      message: string
      details?: { path: string; message: string }[]
    }
  /** Videodesk's legacy name for `notification.new`, sent to sockets in the notification room. */
  | { type: 'new-notification'; seq: number; notification: unknown }
  /** State frames (a conference's `room.stats`): superseded by the next, so no seq, never replayed. */
  | { type: 'room.stats'; audienceCount: number; results: unknown }
  /** Room events are namespaced (`question.live`, `transcoding.progress`) and carry the room's seq. */
  | { type: `${string}.${string}`; seq: number; [field: string]: unknown }
  /** The meeting room's signaling events, under the old Socket.IO names. */
  | MeetingServerEvent

/** Header on the Worker → room request that carries the verified identity. */
export const IDENTITY_HEADER = 'x-realtime-identity'
/** Header on the Worker → room request: when the ticket was minted (ms), for revocations. */
export const TICKET_AT_HEADER = 'x-realtime-ticket-at'

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
