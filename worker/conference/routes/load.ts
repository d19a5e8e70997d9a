// Development only (404 in production): how many events a live conference's room and each of its
// audience shards have handled, by source, for the host or a speaker. The conference benchmark
// reads it before and after its votes: the room's rate is what must stay inside one object's
// budget however large the audience (BENCHMARKS.md, "Audience shards").
import { z } from '@hono/zod-openapi'
import { ObjectIdSchema } from '../../../shared/ids'
import { authedRoute } from '../../authed-route'
import { AppError } from '../../errors'
import { createRouter, errorResponses } from '../../openapi'
import { assertRunsConference, assertVisible } from '../access'
import { roomOf } from '../room'
import { loadConference } from './conference'

export const conferenceLoad = createRouter().openapi(
  authedRoute({
    method: 'get',
    path: '/conference/{id}/load',
    tags: ['Development'],
    summary: 'Events the room and each audience shard handled so far (development only)',
    request: { params: z.object({ id: ObjectIdSchema }) },
    responses: { 200: { description: 'Event counts' }, ...errorResponses(403, 404) },
  }),
  async (c) => {
    if (c.get('config').APP_ENV === 'production')
      throw new AppError('NOT_FOUND', `Route ${c.req.method} ${c.req.path} not found`)
    const { id } = c.req.valid('param')
    const doc = assertVisible(await loadConference(c, id), c.get('user'))
    assertRunsConference(doc, c.get('user'), ['host', 'speaker'])
    return c.json({ success: true, ...(await roomOf(c, id).load()) }, 200)
  },
)
