// The ticket to open your own UserChannel socket (/api/realtime/user-ticket): only ever for the
// signed-in user's channel, so nobody can listen to another user's events.
import { createRoute, z } from '@hono/zod-openapi'
import { protect } from '../../middleware/auth'
import { createRouter, errorResponses, jsonResponse } from '../../openapi'
import { accountIdentity, signRealtimeTicket } from '../tickets'

const router = createRouter()
router.use('/user-ticket', protect())

// The value of openapi() (the same router), so its type carries the route for hono/client.
export const userTicket = router.openapi(
  createRoute({
    method: 'post',
    path: '/user-ticket',
    tags: ['Realtime'],
    summary: 'A one-minute ticket to open your user channel (one socket per device)',
    security: [{ bearerAuth: [] }],
    responses: {
      200: jsonResponse(
        'Ticket and the socket path to open with it',
        z.object({ success: z.literal(true), ticket: z.string(), url: z.string() }),
      ),
      ...errorResponses(401),
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
