// A user's learning activity (/api/users/{userId}/activity, `me` for yourself): enrollments,
// watching (one entry per video per day), completions, checkpoint answers and reviews, newest
// first with a cursor. Only the user themself may read it — not other users, not admins.
import { createRoute, z } from '@hono/zod-openapi'
import { ObjectId } from 'mongodb'
import { courseDb } from '../courses/access'
import { AppError } from '../errors'
import { protect } from '../middleware/auth'
import { createRouter, errorResponses } from '../openapi'
import { activityPage, type ActivityDoc } from '../repositories/activity'
import { ObjectIdSchema } from './media'

/** `<epoch ms>.<id>` of the last entry of the previous page. */
const Cursor = z
  .string()
  .regex(/^\d{1,15}\.[0-9a-f]{24}$/i, 'must be the nextCursor of a previous page')
  .transform((v) => {
    const [ms, id] = v.split('.') as [string, string]
    return { at: new Date(Number(ms)), id: new ObjectId(id) }
  })

const cursorOf = (doc: ActivityDoc) => `${doc.at.getTime()}.${doc._id.toHexString()}`

const publicEntry = (doc: ActivityDoc) => ({
  id: doc._id.toHexString(),
  type: doc.type,
  courseId: doc.courseId.toHexString(),
  videoId: doc.videoId?.toHexString() ?? null,
  checkpointId: doc.checkpointId?.toHexString() ?? null,
  at: doc.at.toISOString(),
  ...(doc.watchedSeconds === undefined
    ? {}
    : { watchedSeconds: doc.watchedSeconds, positionSeconds: doc.positionSeconds }),
  ...(doc.rating === undefined ? {} : { rating: doc.rating }),
  ...(doc.correct === undefined ? {} : { correct: doc.correct }),
})

export const userActivity = createRouter()

userActivity.openapi(
  createRoute({
    method: 'get',
    path: '/{userId}/activity',
    tags: ['Courses'],
    summary: 'Your learning activity, newest first (userId must be you, or `me`)',
    middleware: [protect()] as const,
    security: [{ bearerAuth: [] }],
    request: {
      params: z.object({ userId: z.union([z.literal('me'), ObjectIdSchema]) }),
      query: z.object({
        before: Cursor.optional(),
        limit: z.coerce.number().int().min(1).max(100).default(20),
      }),
    },
    responses: {
      200: { description: 'A page of activity' },
      ...errorResponses(400, 401, 403),
    },
  }),
  async (c) => {
    const user = c.get('user')
    const { userId } = c.req.valid('param')
    if (userId !== 'me' && !user._id.equals(userId))
      throw new AppError('FORBIDDEN', 'You may only read your own activity')
    const { before, limit } = c.req.valid('query')
    const page = await activityPage(await courseDb(c), user._id, limit, before)
    const items = page.slice(0, limit)
    return c.json(
      {
        success: true,
        activity: items.map(publicEntry),
        nextCursor: page.length > limit ? cursorOf(items.at(-1)!) : null,
      },
      200,
    )
  },
)
