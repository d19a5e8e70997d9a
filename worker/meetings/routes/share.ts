// Public share links of meetings (/api/v1/meetings/share/{id}): anyone with the link sees the
// meeting's media and address, never contact details or notes; visits are logged on the meeting.
import { createRoute, z } from '@hono/zod-openapi'
import { AppError } from '../../errors'
import { sharedMeetingView } from '../views'
import { clientIp, enforceRateLimit } from '../../middleware/rate-limit'
import { createRouter, errorResponses, jsonBody } from '../../openapi'
import { meetings } from '../store'

const TAG = 'Meetings'
const ShareParams = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'must be a share id'),
})
export const ACCESS_LIMIT = { name: 'meeting-share-access', limit: 30, window: '10 m' } as const
const ACCESS_HISTORY_KEPT = 200

export const meetingShare = createRouter()

meetingShare.openapi(
  createRoute({
    method: 'get',
    path: '/meetings/share/{id}',
    tags: [TAG],
    summary: 'A shared meeting (public, by its share id)',
    request: { params: ShareParams },
    responses: { 200: { description: 'The shared meeting' }, ...errorResponses(400, 404) },
  }),
  async (c) => {
    const { database, storage } = c.get('services')
    const doc = await meetings(await database.db()).findOne({
      share_id: c.req.valid('param').id,
      is_deleted: false,
    })
    if (!doc) throw new AppError('NOT_FOUND', 'Shared meeting not found')
    return c.json({ success: true, meeting: await sharedMeetingView(storage, doc) }, 200)
  },
)

meetingShare.openapi(
  createRoute({
    method: 'post',
    path: '/meetings/share/{id}/access',
    tags: [TAG],
    summary: 'Record a visit to a shared meeting (public)',
    request: {
      params: ShareParams,
      ...jsonBody(
        z.strictObject({
          visitor_name: z.string().trim().min(1).max(200).optional(),
          visitor_email: z.email().max(254).optional(),
        }),
      ),
    },
    responses: { 200: { description: 'Recorded' }, ...errorResponses(400, 404, 429) },
  }),
  async (c) => {
    const { id } = c.req.valid('param')
    await enforceRateLimit(c, ACCESS_LIMIT, [`ip:${clientIp(c)}:${id}`])
    const body = c.req.valid('json')
    const { database, now } = c.get('services')
    const at = now()
    const entry = {
      at,
      ...(body.visitor_name ? { visitorName: body.visitor_name } : {}),
      ...(body.visitor_email ? { visitorEmail: body.visitor_email } : {}),
      ...(c.req.header('user-agent')
        ? { userAgent: c.req.header('user-agent')!.slice(0, 200) }
        : {}),
    }
    const updated = await meetings(await database.db()).findOneAndUpdate(
      { share_id: id, is_deleted: false },
      {
        $push: { access_history: { $each: [entry], $slice: -ACCESS_HISTORY_KEPT } },
        $inc: { total_access: 1 },
        $set: { last_accessed_at: at },
      },
      { returnDocument: 'after', projection: { total_access: 1 } },
    )
    if (!updated) throw new AppError('NOT_FOUND', 'Shared meeting not found')
    return c.json(
      { success: true, message: 'Visit recorded', total_access: updated.total_access },
      200,
    )
  },
)
