// A user's learning activity (/api/users/{userId}/activity, `me` for yourself): enrollments,
// watching (one entry per video per day), completions, checkpoint answers and reviews, newest
// first with a cursor. Only the user themself may read it — not other users, not admins.
import { z } from '@hono/zod-openapi'
import { courseDb } from '../access'
import { ActivityCursorSchema } from '../../cursors'
import { AppError } from '../../errors'
import { createRouter, errorResponses } from '../../openapi'
import { activityPage, type ActivityDoc } from '../activity-store'
import { ObjectIdSchema } from '../../../shared/ids'
import { authedRoute } from '../../authed-route'

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
  authedRoute({
    method: 'get',
    path: '/{userId}/activity',
    tags: ['Courses'],
    summary: 'Your learning activity, newest first (userId must be you, or `me`)',
    request: {
      params: z.object({ userId: z.union([z.literal('me'), ObjectIdSchema]) }),
      query: z.object({
        before: ActivityCursorSchema.optional(),
        limit: z.coerce.number().int().min(1).max(100).default(20),
      }),
    },
    responses: {
      200: { description: 'A page of activity' },
      ...errorResponses(403),
    },
  }),
  async (c) => {
    const user = c.get('user')
    const { userId } = c.req.valid('param')
    if (userId !== 'me' && !user._id.equals(userId))
      throw new AppError('FORBIDDEN', 'You may only read your own activity')
    const { before, limit } = c.req.valid('query')
    const { items, nextCursor } = await activityPage(await courseDb(c), user._id, limit, before)
    return c.json({ success: true, activity: items.map(publicEntry), nextCursor }, 200)
  },
)
