// The ticket to open your own UserChannel socket (/api/realtime/user-ticket): only ever for the
// signed-in user's channel, so nobody can listen to another user's events.
import { z } from '@hono/zod-openapi'
import { createRouter, jsonResponse } from '../../openapi'
import { accountIdentity, signRealtimeTicket } from '../tickets'
import { authedRoute } from '../../authed-route'

// The value of openapi() (the router itself), so its type carries the route for hono/client.
export const userTicket = createRouter().openapi(
  authedRoute({
    method: 'post',
    path: '/user-ticket',
    tags: ['Realtime'],
    summary: 'A one-minute ticket to open your user channel (one socket per device)',
    responses: {
      200: jsonResponse(
        'Ticket and the socket path to open with it',
        z.object({ success: z.literal(true), ticket: z.string(), url: z.string() }),
      ),
    },
  }),
  async (c) => {
    const user = c.get('user')
    const id = user._id.toHexString()
    const ticket = await signRealtimeTicket(
      c.get('config').JWT_SECRET,
      { kind: 'user', id },
      accountIdentity(c, user.role),
    )
    return c.json(
      { success: true as const, ticket, url: `/api/realtime/user/${id}?ticket=${ticket}` },
      200,
    )
  },
)
