// Course progress (/api/courses/{id}/…progress): enrolled students report how far they watched a
// video; every figure only grows ($max), so repeated or late, older reports never move it back.
// A video is complete at 90% watched; the course summary counts completed current videos.
// Reports that move progress forward, and completions, go to the user's activity log.
import { z } from '@hono/zod-openapi'
import { ObjectId } from 'mongodb'
import { courseDb, loadEnrolledCourse } from '../access'
import { AppError } from '../../errors'
import { createRouter, errorResponses, jsonBody } from '../../openapi'
import { recordActivity, recordWatching } from '../activity-store'
import { courseVideos, isDuplicateKey, videoProgress, type VideoProgressDoc } from '../store'
import { ObjectIdSchema } from '../../../shared/ids'
import { authedRoute } from '../../authed-route'

const COMPLETE_RATIO = 0.9

const Seconds = z
  .number()
  .min(0)
  .max(7 * 24 * 3600)
const ProgressSchema = z.strictObject({
  positionSeconds: Seconds,
  watchedSeconds: Seconds,
  durationSeconds: Seconds.positive(),
})

const isComplete = (p: Pick<VideoProgressDoc, 'watchedSeconds' | 'durationSeconds'>) =>
  p.durationSeconds > 0 && p.watchedSeconds >= COMPLETE_RATIO * p.durationSeconds

const publicProgress = (p: VideoProgressDoc) => ({
  videoId: p.videoId.toHexString(),
  positionSeconds: p.positionSeconds,
  watchedSeconds: p.watchedSeconds,
  durationSeconds: p.durationSeconds,
  completed: !!p.completedAt,
  completedAt: p.completedAt?.toISOString() ?? null,
  lastActivityAt: p.lastActivityAt.toISOString(),
})

export const courseProgress = createRouter()

courseProgress.openapi(
  authedRoute({
    method: 'put',
    path: '/{id}/videos/{videoId}/progress',
    tags: ['Courses'],
    summary: 'Report watch progress of a video (enrolled students); idempotent and monotonic',
    request: {
      params: z.object({ id: ObjectIdSchema, videoId: ObjectIdSchema }),
      ...jsonBody(ProgressSchema),
    },
    responses: { 200: { description: 'The progress' }, ...errorResponses(403, 404) },
  }),
  async (c) => {
    const { id, videoId } = c.req.valid('param')
    const course = await loadEnrolledCourse(c, id)
    const db = await courseDb(c)
    const video = await courseVideos(db).findOne({
      _id: new ObjectId(videoId),
      courseId: course._id,
    })
    if (!video) throw new AppError('NOT_FOUND', 'Video not found')
    const body = c.req.valid('json')
    const duration = body.durationSeconds
    const now = c.get('services').now()
    const user = c.get('user')
    const key = { courseId: course._id, userId: user._id, videoId: video._id }
    const $max = {
      durationSeconds: duration,
      watchedSeconds: Math.min(body.watchedSeconds, duration),
      positionSeconds: Math.min(body.positionSeconds, duration),
      lastActivityAt: now,
    }
    // The before-image tells whether this report moved anything (repeats and late reports don't).
    const write = async () => {
      try {
        return await videoProgress(db).findOneAndUpdate(
          key,
          { $max, $setOnInsert: { _id: new ObjectId() } },
          { upsert: true, returnDocument: 'before' },
        )
      } catch (error) {
        // Two first reports racing: the unique index keeps one document; apply to it.
        if (!isDuplicateKey(error)) throw error
        return videoProgress(db).findOneAndUpdate(key, { $max }, { returnDocument: 'before' })
      }
    }
    const before = await write()
    const moved =
      !before ||
      $max.watchedSeconds > before.watchedSeconds ||
      $max.positionSeconds > before.positionSeconds
    let doc = await videoProgress(db).findOne(key)
    // Gone only if the video was removed meanwhile.
    if (!doc) throw new AppError('NOT_FOUND', 'Video not found')
    let completedNow = false
    if (!doc.completedAt && isComplete(doc)) {
      // Set once: the filter keeps the first completion time.
      const res = await videoProgress(db).updateOne(
        { _id: doc._id, completedAt: { $exists: false } },
        { $set: { completedAt: now } },
      )
      completedNow = res.modifiedCount === 1
      doc = (await videoProgress(db).findOne({ _id: doc._id }))!
    }
    const activityKey = { userId: user._id, courseId: course._id, videoId: video._id, at: now }
    if (moved)
      await recordWatching(db, {
        ...activityKey,
        watchedSeconds: doc.watchedSeconds,
        positionSeconds: doc.positionSeconds,
      })
    if (completedNow) await recordActivity(db, { ...activityKey, type: 'video-completed' })
    return c.json({ success: true, progress: publicProgress(doc) }, 200)
  },
)

courseProgress.openapi(
  authedRoute({
    method: 'get',
    path: '/{id}/progress',
    tags: ['Courses'],
    summary:
      'Your progress in a course: percent of videos completed, last activity, where to resume',
    request: { params: z.object({ id: ObjectIdSchema }) },
    responses: { 200: { description: 'The progress' }, ...errorResponses(403, 404) },
  }),
  async (c) => {
    const course = await loadEnrolledCourse(c, c.req.valid('param').id)
    const db = await courseDb(c)
    const [videos, rows] = await Promise.all([
      courseVideos(db).find({ courseId: course._id }).sort({ order: 1, _id: 1 }).toArray(),
      videoProgress(db)
        .find({ courseId: course._id, userId: c.get('user')._id })
        .toArray(),
    ])
    const current = new Set(videos.map((v) => v._id.toHexString()))
    const mine = rows.filter((p) => current.has(p.videoId.toHexString()))
    const completed = mine.filter((p) => p.completedAt).length
    const latest = mine.reduce<VideoProgressDoc | undefined>(
      (a, p) => (!a || p.lastActivityAt > a.lastActivityAt ? p : a),
      undefined,
    )
    return c.json(
      {
        success: true,
        progress: {
          totalVideos: videos.length,
          completedVideos: completed,
          percent: videos.length ? Math.round((completed / videos.length) * 10_000) / 100 : 0,
          lastActivityAt: latest?.lastActivityAt.toISOString() ?? null,
          resume: latest
            ? { videoId: latest.videoId.toHexString(), positionSeconds: latest.positionSeconds }
            : null,
          videos: mine.map(publicProgress),
        },
      },
      200,
    )
  },
)
