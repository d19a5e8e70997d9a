// Course analytics (/api/courses/{id}/analytics): for the owning university only. Every figure
// comes from an aggregation pipeline in courses/analytics-store.ts; this route only puts
// the videos' titles beside their numbers and fills days without enrollments with zeros.
import { z } from '@hono/zod-openapi'
import { courseDb, loadOwnCourse } from '../access'
import { AppError } from '../../errors'
import { createRouter, errorResponses } from '../../openapi'
import { checkpoints } from '../checkpoints-store'
import {
  checkpointAccuracy,
  courseCompletion,
  enrollmentsPerDay,
  videoViews,
} from '../analytics-store'
import { courseVideos } from '../store'
import { ObjectIdSchema } from '../../../shared/ids'
import { authedRoute } from '../../authed-route'

const DAY_MS = 24 * 3600 * 1000
const DEFAULT_DAYS = 30
const MAX_DAYS = 366

const Day = z.iso.date().transform((v) => new Date(`${v}T00:00:00.000Z`))
const dayOf = (d: Date) => d.toISOString().slice(0, 10)

export const courseAnalytics = createRouter()

courseAnalytics.openapi(
  authedRoute({
    method: 'get',
    path: '/{id}/analytics',
    tags: ['Courses'],
    summary:
      'Enrollments per day, views, watch time, completion and checkpoint accuracy of your course',
    role: 'UNIVERSITY',
    request: {
      params: z.object({ id: ObjectIdSchema }),
      // UTC days, both included; by default the last 30 days up to today.
      query: z.object({ from: Day.optional(), to: Day.optional() }),
    },
    responses: { 200: { description: 'The analytics' }, ...errorResponses(404) },
  }),
  async (c) => {
    const course = await loadOwnCourse(c, c.req.valid('param').id)
    const query = c.req.valid('query')
    const to = query.to ?? new Date(`${dayOf(c.get('services').now())}T00:00:00.000Z`)
    const from = query.from ?? new Date(to.getTime() - (DEFAULT_DAYS - 1) * DAY_MS)
    const days = (to.getTime() - from.getTime()) / DAY_MS + 1
    if (days < 1 || days > MAX_DAYS)
      throw new AppError('VALIDATION_ERROR', 'Invalid request', [
        { path: 'query.from', message: `must be on or before 'to', at most ${MAX_DAYS} days` },
      ])
    const db = await courseDb(c)
    const [videos, points] = await Promise.all([
      courseVideos(db).find({ courseId: course._id }).sort({ order: 1, _id: 1 }).toArray(),
      checkpoints(db).find({ courseId: course._id }).sort({ videoId: 1, atSecond: 1 }).toArray(),
    ])
    const videoIds = videos.map((v) => v._id)
    const [perDay, views, completion, accuracy] = await Promise.all([
      enrollmentsPerDay(db, course._id, from, new Date(to.getTime() + DAY_MS)),
      videoViews(db, course._id, videoIds),
      courseCompletion(db, course._id, videoIds),
      checkpointAccuracy(db, course._id),
    ])
    const dayRows = new Map(perDay.map((d) => [d.day, d]))
    const viewsOf = new Map(views.perVideo.map((v) => [v.videoId.toHexString(), v]))
    const scoreOf = new Map(accuracy.perCheckpoint.map((s) => [s.checkpointId.toHexString(), s]))
    return c.json(
      {
        success: true,
        analytics: {
          from: dayOf(from),
          to: dayOf(to),
          enrollments: {
            current: completion.students,
            perDay: Array.from({ length: days }, (_, i) => {
              const day = dayOf(new Date(from.getTime() + i * DAY_MS))
              return dayRows.get(day) ?? { day, enrolled: 0, unenrolled: 0 }
            }),
          },
          course: { ...views.totals, ...completion },
          videos: videos.map((v) => {
            const row = viewsOf.get(v._id.toHexString())
            return {
              videoId: v._id.toHexString(),
              title: v.title,
              viewers: row?.viewers ?? 0,
              completions: row?.completions ?? 0,
              completionRate: row?.completionRate ?? 0,
              watchSeconds: row?.watchSeconds ?? 0,
            }
          }),
          checkpoints: {
            ...accuracy.totals,
            perCheckpoint: points.map((p) => {
              const row = scoreOf.get(p._id.toHexString())
              return {
                checkpointId: p._id.toHexString(),
                videoId: p.videoId.toHexString(),
                question: p.question,
                answers: row?.answers ?? 0,
                correct: row?.correct ?? 0,
                accuracy: row?.accuracy ?? 0,
              }
            }),
          },
        },
      },
      200,
    )
  },
)
