// The meeting room protocol (WebRTC signaling between a meeting's owner and the invited guest),
// shared by the MeetingRoom object and its clients. Event names are the old Socket.IO ones.
import { z } from 'zod'
import { BASE_FRAME_BUDGETS, type FrameBudgetTable, RequestIdSchema } from './realtime'

/** Who a meeting socket is: the meeting owner, or the resident who opened the invite link. */
export const MEETING_ROLES = ['admin', 'guest'] as const
export type MeetingRole = (typeof MEETING_ROLES)[number]

/** A meeting room id: also the meeting's `meeting_id` and the room's Durable Object name. */
export const MeetingRoomIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{6,64}$/, 'must be 6-64 letters, digits, _ or -')

/** One RTCIceServer entry as RTCPeerConnection accepts it. */
export const IceServerSchema = z.strictObject({
  urls: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  username: z.string().optional(),
  credential: z.string().optional(),
})
/** @public The ICE server entries handed to both meeting peers (MEETING_ICE_SERVERS), for clients. */
export type IceServer = z.infer<typeof IceServerSchema>

const SdpSchema = z.strictObject({
  type: z.enum(['offer', 'answer']),
  sdp: z.string().min(1).max(12_000),
})

const IceCandidateSchema = z
  .strictObject({
    candidate: z.string().max(2000),
    sdpMid: z.string().max(64).nullable().optional(),
    sdpMLineIndex: z.number().int().min(0).max(1000).nullable().optional(),
    usernameFragment: z.string().max(256).nullable().optional(),
  })
  // `null` marks the end of candidates.
  .nullable()

const base = { rid: RequestIdSchema.optional() }
/** The peer a signaling frame is for; in a two-party room it can only be the other role. */
const to = z.enum(MEETING_ROLES).optional()

export const MeetingClientMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('join-room'), ...base }),
  z.strictObject({ type: z.literal('admin-waiting'), ...base }),
  z.strictObject({ type: z.literal('user-opened-link'), ...base }),
  z.strictObject({ type: z.literal('user-started-session'), ...base }),
  z.strictObject({
    type: z.literal('offer'),
    ...base,
    to,
    sdp: SdpSchema.refine((s) => s.type === 'offer', 'must be an offer'),
  }),
  z.strictObject({
    type: z.literal('answer'),
    ...base,
    to,
    sdp: SdpSchema.refine((s) => s.type === 'answer', 'must be an answer'),
  }),
  z.strictObject({ type: z.literal('ice-candidate'), ...base, to, candidate: IceCandidateSchema }),
  z.strictObject({
    type: z.literal('message-settings-updated'),
    ...base,
    settings: z
      .record(z.string().max(64), z.unknown())
      .refine((s) => JSON.stringify(s).length <= 4096, 'settings are too large'),
  }),
])
export type MeetingClientMessage = z.infer<typeof MeetingClientMessageSchema>
export type MeetingClientType = MeetingClientMessage['type']

/** Which role may send each client message; anything else is refused as FORBIDDEN. */
export const MEETING_SENDERS: Record<MeetingClientType, readonly MeetingRole[]> = {
  'join-room': ['admin', 'guest'],
  'admin-waiting': ['admin'],
  'user-opened-link': ['guest'],
  'user-started-session': ['guest'],
  offer: ['admin', 'guest'],
  answer: ['admin', 'guest'],
  'ice-candidate': ['admin', 'guest'],
  'message-settings-updated': ['admin'],
}

/**
 * Each socket's budget per frame type (shared/realtime.ts FrameBudget). Everything but ICE
 * candidates comes a handful of times per call; the burst covers a client replaying its state after
 * a reconnect. Each is relayed to the other peer.
 */
const ONCE_PER_CALL = { burst: 50, perSecond: 5 }
export const MEETING_FRAME_BUDGETS: FrameBudgetTable<MeetingClientType> = {
  ...BASE_FRAME_BUDGETS,
  'join-room': ONCE_PER_CALL,
  'admin-waiting': ONCE_PER_CALL,
  'user-opened-link': ONCE_PER_CALL,
  'user-started-session': ONCE_PER_CALL,
  // Renegotiations (an ICE restart, a screen share) are seconds apart.
  offer: ONCE_PER_CALL,
  answer: ONCE_PER_CALL,
  // Trickle ICE sends dozens at the start of a call and again on each renegotiation or network
  // change: 4× a large gathering at once, then a steady trickle far above what a peer gathers.
  'ice-candidate': { burst: 200, perSecond: 50 },
  'message-settings-updated': ONCE_PER_CALL,
}

export interface MeetingPeers {
  admin: boolean
  guest: boolean
}

/**
 * Events the room sends. Signaling is ephemeral (a reconnecting peer negotiates again), so these
 * carry no `seq` and are not replayed.
 */
export type MeetingServerEvent =
  | { type: 'admin-waiting'; from: 'admin' }
  | { type: 'user-opened-link'; from: 'guest'; name?: string }
  | { type: 'user-started-session'; from: 'guest' }
  | { type: 'user-disconnected'; role: MeetingRole }
  | { type: 'offer' | 'answer'; from: MeetingRole; sdp: { type: 'offer' | 'answer'; sdp: string } }
  | { type: 'ice-candidate'; from: MeetingRole; candidate: unknown }
  | { type: 'message-settings-updated'; from: 'admin'; settings: Record<string, unknown> }
  | {
      type: 'meeting-data-available'
      meetingId: string
      recordings: number
      screenshots: number
    }
