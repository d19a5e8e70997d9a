// Tickets into a meeting room's signaling socket (/api/v1/meeting-rooms): the owner signs in as
// the admin; the resident presents the invite link token and is admitted as the guest. Both get
// the ICE servers from configuration.
import { createRoute, z } from '@hono/zod-openapi'
import { MeetingRoomIdSchema } from '../../../shared/meeting'
import { createRouter, errorResponses, jsonBody, jsonResponse } from '../../openapi'
import { signRealtimeTicket } from '../../realtime/tickets'
import { authedRoute } from '../../authed-route'
import { meetingAdminIdentity, meetingGuestIdentity } from '../room-admission'

const TAG = 'Meeting rooms'
const RoomParams = z.object({ roomId: MeetingRoomIdSchema })
const TicketSchema = z.object({
  success: z.literal(true),
  role: z.enum(['admin', 'guest']),
  ticket: z.string(),
  url: z.string(),
  iceServers: z.array(z.record(z.string(), z.unknown())),
})
const socketUrl = (roomId: string, ticket: string) =>
  `/api/realtime/meeting/${roomId}?ticket=${encodeURIComponent(ticket)}`

export const meetingRooms = createRouter()

meetingRooms.openapi(
  authedRoute({
    method: 'post',
    path: '/meeting-rooms/{roomId}/ticket',
    tags: [TAG],
    summary: 'Open your room as its admin (claims the room id if nobody has); a one-minute ticket',
    request: { params: RoomParams },
    responses: {
      200: jsonResponse('Ticket, socket path and ICE servers', TicketSchema),
      ...errorResponses(403),
    },
  }),
  async (c) => {
    const { roomId } = c.req.valid('param')
    const user = c.get('user')
    const { database, now } = c.get('services')
    const identity = await meetingAdminIdentity(
      await database.db(),
      roomId,
      user,
      c.get('auth').sessionId,
      now(),
    )
    const ticket = await signRealtimeTicket(
      c.get('config').JWT_SECRET,
      { kind: 'meeting', id: roomId },
      identity,
    )
    return c.json(
      {
        success: true as const,
        role: 'admin' as const,
        ticket,
        url: socketUrl(roomId, ticket),
        iceServers: c.get('config').MEETING_ICE_SERVERS,
      },
      200,
    )
  },
)

meetingRooms.openapi(
  createRoute({
    method: 'post',
    path: '/meeting-rooms/{roomId}/guest-ticket',
    tags: [TAG],
    summary: 'Join a room as the invited guest with the invite link token; a one-minute ticket',
    request: {
      params: RoomParams,
      ...jsonBody(z.strictObject({ token: z.string().min(20).max(4096) })),
    },
    responses: {
      200: jsonResponse('Ticket, socket path and ICE servers', TicketSchema),
      ...errorResponses(400, 401),
    },
  }),
  async (c) => {
    const { roomId } = c.req.valid('param')
    const secret = c.get('config').JWT_SECRET
    const identity = await meetingGuestIdentity(
      () => c.get('services').database.db(),
      secret,
      roomId,
      c.req.valid('json').token,
    )
    const ticket = await signRealtimeTicket(secret, { kind: 'meeting', id: roomId }, identity)
    return c.json(
      {
        success: true as const,
        role: 'guest' as const,
        ticket,
        url: socketUrl(roomId, ticket),
        iceServers: c.get('config').MEETING_ICE_SERVERS,
      },
      200,
    )
  },
)
