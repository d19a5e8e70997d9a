// The meeting room protocol (WebRTC signaling between a meeting's owner and the invited guest),
// shared by the MeetingRoom object and its clients. Event names are the old Socket.IO ones.
import { z } from 'zod'
import {
  ackSchema,
  BASE_FRAME_BUDGETS,
  BASE_SERVER_MESSAGES,
  type FrameBudgetTable,
  RequestIdSchema,
  type RoomProtocol,
} from './realtime'

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

export const IceCandidateSchema = z
  .strictObject({
    candidate: z.string().max(2000),
    sdpMid: z.string().max(64).nullable().optional(),
    sdpMLineIndex: z.number().int().min(0).max(1000).nullable().optional(),
    usernameFragment: z.string().max(256).nullable().optional(),
  })
  // `null` marks the end of candidates.
  .nullable()
export type IceCandidate = z.input<typeof IceCandidateSchema>

const base = { rid: RequestIdSchema.optional() }
/** The peer a signaling frame is for; in a two-party room it can only be the other role. */
const to = z.enum(MEETING_ROLES).optional()

export const MeetingClientMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('join-room'), ...base }).meta({
    description:
      'Join the call: the ack says who is present; only joined sockets signal and count as present.',
  }),
  z
    .strictObject({ type: z.literal('admin-waiting'), ...base })
    .meta({ description: 'Admin: tell the guest the admin is waiting.' }),
  z
    .strictObject({ type: z.literal('user-opened-link'), ...base })
    .meta({ description: 'Guest: tell the admin the invite link was opened.' }),
  z
    .strictObject({ type: z.literal('user-started-session'), ...base })
    .meta({ description: 'Guest: tell the admin the guest started the session.' }),
  z
    .strictObject({
      type: z.literal('offer'),
      ...base,
      to,
      sdp: SdpSchema.refine((s) => s.type === 'offer', 'must be an offer'),
    })
    .meta({ description: 'A WebRTC offer for the other participant.' }),
  z
    .strictObject({
      type: z.literal('answer'),
      ...base,
      to,
      sdp: SdpSchema.refine((s) => s.type === 'answer', 'must be an answer'),
    })
    .meta({ description: 'A WebRTC answer for the other participant.' }),
  z
    .strictObject({ type: z.literal('ice-candidate'), ...base, to, candidate: IceCandidateSchema })
    .meta({ description: 'A trickled ICE candidate for the other participant (null: the last).' }),
  z
    .strictObject({
      type: z.literal('message-settings-updated'),
      ...base,
      settings: z
        .record(z.string().max(64), z.unknown())
        .refine((s) => JSON.stringify(s).length <= 4096, 'settings are too large'),
    })
    .meta({ description: "Admin: pass the admin's message settings on to the guest." }),
])
export type MeetingClientMessage = z.infer<typeof MeetingClientMessageSchema>
export type MeetingClientType = MeetingClientMessage['type']
/** A request as a client writes it (`rid` is optional: with one, the room acks it). */
export type MeetingRequest = z.input<typeof MeetingClientMessageSchema>

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

const from = (role: MeetingRole) => z.literal(role).meta({ description: 'Who sent it' })
const peer = z.enum(MEETING_ROLES).meta({ description: 'Who sent it' })

/**
 * Frames the room sends. Signaling is ephemeral (a reconnecting peer negotiates again), so these
 * carry no `seq` and are not replayed.
 */
export const MeetingServerEventSchema = z.discriminatedUnion('type', [
  z
    .strictObject({ type: z.literal('admin-waiting'), from: from('admin') })
    .meta({ description: "Guest: the admin is in the room (also sent on the guest's join)." }),
  z
    .strictObject({
      type: z.literal('user-opened-link'),
      from: from('guest'),
      name: z.string().optional(),
    })
    .meta({ description: 'Admin: the guest opened the invite link (and joined).' }),
  z
    .strictObject({ type: z.literal('user-started-session'), from: from('guest') })
    .meta({ description: 'Admin: the guest started the session.' }),
  z
    .strictObject({ type: z.literal('user-disconnected'), role: z.enum(MEETING_ROLES) })
    .meta({ description: 'The other participant left (a socket replaced by a newer one is not).' }),
  z
    .strictObject({ type: z.literal('offer'), from: peer, sdp: SdpSchema })
    .meta({ description: "The other participant's WebRTC offer." }),
  z
    .strictObject({ type: z.literal('answer'), from: peer, sdp: SdpSchema })
    .meta({ description: "The other participant's WebRTC answer." }),
  z
    .strictObject({ type: z.literal('ice-candidate'), from: peer, candidate: IceCandidateSchema })
    .meta({ description: "One of the other participant's ICE candidates." }),
  z
    .strictObject({
      type: z.literal('message-settings-updated'),
      from: from('admin'),
      settings: z.record(z.string(), z.unknown()),
    })
    .meta({ description: "Guest: the admin's message settings." }),
  z
    .strictObject({
      type: z.literal('meeting-data-available'),
      meetingId: z.string(),
      recordings: z.number().int(),
      screenshots: z.number().int(),
    })
    .meta({ description: 'Admin: media was saved to the meeting (counts after the upload).' }),
])
export type MeetingServerEvent = z.infer<typeof MeetingServerEventSchema>

const relayedAck = ackSchema(
  {},
  'Relayed to the other participant. Sent only when the request carried a `rid`.',
)

/** The ack each request is answered with (when it carries a `rid`, but for `join-room`). */
export const MEETING_ACKS = {
  'join-room': ackSchema(
    {
      role: z.enum(MEETING_ROLES),
      peers: z.strictObject({ admin: z.boolean(), guest: z.boolean() }).meta({
        description: 'Who else is in the room',
      }),
    },
    'Joined: your role and who is present.',
  ),
  'admin-waiting': relayedAck,
  'user-opened-link': relayedAck,
  'user-started-session': relayedAck,
  offer: relayedAck,
  answer: relayedAck,
  'ice-candidate': relayedAck,
  'message-settings-updated': relayedAck,
} as const satisfies Record<MeetingClientType, z.ZodObject>

/** Everything a MeetingRoom may send; its `send` takes only these. */
export const MeetingServerMessageSchema = z.union([
  z.discriminatedUnion('type', [...BASE_SERVER_MESSAGES, ...MeetingServerEventSchema.options]),
  MEETING_ACKS['join-room'],
  relayedAck,
])
export type MeetingServerMessage = z.infer<typeof MeetingServerMessageSchema>

/** Why the room closes a socket, beside shared/realtime.ts CLOSE_CODES. */
export const MEETING_CLOSE_CODES = {
  /** The same person connected again (a reload, a second tab): the newer socket wins. */
  REPLACED: 4000,
  /** The ticket's role is neither admin nor guest. */
  NOT_A_PARTICIPANT: 4003,
  /** Another guest is already in the room. */
  GUEST_TAKEN: 4009,
} as const

export const MEETING_PROTOCOL: RoomProtocol = {
  kind: 'meeting',
  description:
    "One video meeting room: WebRTC signaling between the room's owner (admin) and the invited guest, one socket per role (a reconnect replaces the older socket). Offers, answers and ICE candidates go only to the other participant. Nothing is numbered or replayed: a reconnecting peer negotiates again.",
  idDescription: "The meeting room's id (its `meeting_id`)",
  tickets: [
    {
      method: 'POST',
      path: '/api/v1/meeting-rooms/{roomId}/ticket',
      description: "The owner's ticket (claims the room id if nobody has), with the ICE servers.",
    },
    {
      method: 'POST',
      path: '/api/v1/meeting-rooms/{roomId}/guest-ticket',
      description: "The guest's ticket, for the invite link's token, with the ICE servers.",
    },
  ],
  replay: null,
  requests: MeetingClientMessageSchema.options,
  frameBudgets: MEETING_FRAME_BUDGETS,
  senders: MEETING_SENDERS,
  acks: MEETING_ACKS,
  events: [],
  frames: MeetingServerEventSchema.options,
  closeCodes: {
    [MEETING_CLOSE_CODES.REPLACED]: 'Replaced by a newer connection of the same person',
    [MEETING_CLOSE_CODES.NOT_A_PARTICIPANT]: 'Not a meeting participant',
    [MEETING_CLOSE_CODES.GUEST_TAKEN]: 'This meeting already has a guest',
  },
}
