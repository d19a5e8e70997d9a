// WebSocket entry to every Durable Object room. The ticket is checked here, before the upgrade;
// the room is addressed by name and receives only the verified identity.
import { createRoute, z } from '@hono/zod-openapi'
import {
  IDENTITY_HEADER,
  ROOM_KINDS,
  TICKET_AT_HEADER,
  TICKET_ID_HEADER,
} from '../../../shared/realtime'
import { AppError } from '../../errors'
import { createRouter, errorResponses } from '../../openapi'
import { admitTicket } from '../admission'
import { audienceShardStub } from '../../conference/shards'
import { roomStub } from '../rooms'
import { InvalidTicketError, verifyRealtimeTicket } from '../tickets'

export const realtime = createRouter().openapi(
  createRoute({
    method: 'get',
    path: '/{kind}/{id}',
    tags: ['Realtime'],
    summary: 'Open a WebSocket into a room (conference, chat, meeting or user channel)',
    request: {
      params: z.object({
        kind: z.enum(ROOM_KINDS),
        id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -'),
      }),
      query: z.object({
        ticket: z.string().min(1).max(4096),
        since: z.coerce.number().int().min(0).optional(),
      }),
    },
    responses: {
      101: { description: 'Switching protocols' },
      ...errorResponses(400, 401, 503),
    },
  }),
  async (c) => {
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
      throw new AppError('BAD_REQUEST', 'Expected a WebSocket upgrade request')
    }
    const { kind, id } = c.req.valid('param')
    const { ticket } = c.req.valid('query')
    let verified
    try {
      verified = await verifyRealtimeTicket(c.get('config').JWT_SECRET, { kind, id }, ticket)
    } catch (error) {
      if (error instanceof InvalidTicketError) throw new AppError('UNAUTHORIZED', error.message)
      throw error
    }
    await admitTicket(c, { kind, id }, verified)
    // A conference's audience member goes to their shard, named in their signed ticket.
    const { shard } = verified.identity
    const onShard = kind === 'conference' && shard !== undefined && Boolean(c.env.AUDIENCE_SHARD)
    const stub = onShard ? audienceShardStub(c.env, id, shard!) : roomStub(c.env, kind, id)
    if (!stub) throw new AppError('SERVICE_UNAVAILABLE', 'Realtime rooms are not available here')
    const url = new URL(c.req.url)
    url.searchParams.delete('ticket')
    url.searchParams.set('room', id)
    if (onShard) url.searchParams.set('shard', String(shard))
    else url.searchParams.delete('shard')
    return stub.fetch(url.toString(), {
      headers: {
        upgrade: 'websocket',
        [IDENTITY_HEADER]: JSON.stringify(verified.identity),
        [TICKET_AT_HEADER]: String(verified.issuedAtMs),
        [TICKET_ID_HEADER]: verified.jti,
      },
    })
  },
)
