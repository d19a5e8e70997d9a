// Course videos (/api/courses/{id}/videos): the owning university adds its ready-or-processing
// course-video media, orders and removes them; anyone who can see the course lists them, and
// enrolled students (and the owner) get playback URLs once the media is ready.
import { z } from '@hono/zod-openapi'
import { ObjectId } from 'mongodb'
import { courseDb, isEnrolled, loadOwnCourse, loadVisibleCourse, ownsCourse } from '../access'
import { AppError } from '../../errors'
import { createRouter, errorResponses, jsonBody } from '../../openapi'
import { courseVideos, isDuplicateKey, videoProgress, type CourseVideoDoc } from '../store'
import { deleteCheckpoints } from '../checkpoints-store'
import { findOwnMedia, media } from '../../media/store'
import { pullFromPlaylists } from '../playlists-store'
import { mediaUrls } from '../../media/urls'
import { ObjectIdSchema } from '../../../shared/ids'
import { authedRoute, optionalAuthRoute } from '../../authed-route'

const IdParams = z.object({ id: ObjectIdSchema })
const AddSchema = z.strictObject({
  mediaId: ObjectIdSchema,
  title: z.string().trim().min(1).max(200),
  order: z.number().int().min(0).max(100_000).optional(),
})
const OrderSchema = z.strictObject({ videoIds: z.array(ObjectIdSchema).min(1).max(1000) })

const publicVideo = (v: CourseVideoDoc) => ({
  id: v._id.toHexString(),
  mediaId: v.mediaId.toHexString(),
  title: v.title,
  order: v.order,
})

export const courseVideoRoutes = createRouter()

courseVideoRoutes.openapi(
  optionalAuthRoute({
    method: 'get',
    path: '/{id}/videos',
    tags: ['Courses'],
    summary: 'The course videos in order; playable only once their media is ready',
    request: { params: IdParams },
    responses: { 200: { description: 'The videos' }, ...errorResponses(404) },
  }),
  async (c) => {
    const user = c.var.user
    const course = await loadVisibleCourse(c, c.req.valid('param').id, user)
    const db = await courseDb(c)
    const list = await courseVideos(db)
      .find({ courseId: course._id })
      .sort({ order: 1, _id: 1 })
      .toArray()
    const files = await media(db)
      .find({ _id: { $in: list.map((v) => v.mediaId) } })
      .toArray()
    const byId = new Map(files.map((m) => [m._id.toHexString(), m]))
    const mayWatch =
      !!user && (ownsCourse(course, user) || (await isEnrolled(c, course._id, user._id)))
    const videos = await Promise.all(
      list.map(async (v) => {
        const file = byId.get(v.mediaId.toHexString())
        const playable = file?.status === 'ready'
        return {
          ...publicVideo(v),
          playable,
          status: file?.status ?? 'missing',
          urls: playable && mayWatch ? await mediaUrls(c, file) : null,
        }
      }),
    )
    return c.json({ success: true, videos }, 200)
  },
)

courseVideoRoutes.openapi(
  authedRoute({
    method: 'post',
    path: '/{id}/videos',
    tags: ['Courses'],
    summary: 'Add one of your course-video uploads to your course',
    role: 'UNIVERSITY',
    request: { params: IdParams, ...jsonBody(AddSchema) },
    responses: {
      201: { description: 'The video' },
      ...errorResponses(404, 409),
    },
  }),
  async (c) => {
    const course = await loadOwnCourse(c, c.req.valid('param').id)
    const body = c.req.valid('json')
    const db = await courseDb(c)
    // The media must belong to the course's university (an admin cannot attach someone's file).
    const file = await findOwnMedia(db, body.mediaId, course.universityId)
    if (!file || file.purpose !== 'course-video')
      throw new AppError('VALIDATION_ERROR', 'Invalid request', [
        { path: 'mediaId', message: 'must be one of your course-video uploads' },
      ])
    const doc: CourseVideoDoc = {
      _id: new ObjectId(),
      courseId: course._id,
      mediaId: file._id,
      title: body.title,
      order: body.order ?? (await courseVideos(db).countDocuments({ courseId: course._id })),
      createdAt: c.get('services').now(),
    }
    try {
      await courseVideos(db).insertOne(doc)
    } catch (error) {
      if (isDuplicateKey(error))
        throw new AppError('CONFLICT', 'This media is already a video of the course')
      throw error
    }
    return c.json(
      { success: true, video: { ...publicVideo(doc), playable: file.status === 'ready' } },
      201,
    )
  },
)

courseVideoRoutes.openapi(
  authedRoute({
    method: 'put',
    path: '/{id}/videos/order',
    tags: ['Courses'],
    summary: 'Reorder the course videos: every video id exactly once, in the new order',
    role: 'UNIVERSITY',
    request: { params: IdParams, ...jsonBody(OrderSchema) },
    responses: { 200: { description: 'The videos' }, ...errorResponses(404) },
  }),
  async (c) => {
    const course = await loadOwnCourse(c, c.req.valid('param').id)
    const { videoIds } = c.req.valid('json')
    const db = await courseDb(c)
    const current = await courseVideos(db).find({ courseId: course._id }).toArray()
    const known = new Set(current.map((v) => v._id.toHexString()))
    const wanted = new Set(videoIds.map((id) => id.toLowerCase()))
    if (wanted.size !== videoIds.length || wanted.size !== known.size)
      throw new AppError('VALIDATION_ERROR', 'Invalid request', [
        { path: 'videoIds', message: 'must list every video of the course exactly once' },
      ])
    for (const id of wanted)
      if (!known.has(id))
        throw new AppError('VALIDATION_ERROR', 'Invalid request', [
          { path: 'videoIds', message: `${id} is not a video of this course` },
        ])
    await Promise.all(
      videoIds.map((id, order) =>
        courseVideos(db).updateOne(
          { _id: new ObjectId(id), courseId: course._id },
          { $set: { order } },
        ),
      ),
    )
    const list = await courseVideos(db)
      .find({ courseId: course._id })
      .sort({ order: 1, _id: 1 })
      .toArray()
    return c.json({ success: true, videos: list.map(publicVideo) }, 200)
  },
)

courseVideoRoutes.openapi(
  authedRoute({
    method: 'delete',
    path: '/{id}/videos/{videoId}',
    tags: ['Courses'],
    summary:
      'Remove a video from your course, its checkpoints and playlist entries (the media file stays yours)',
    role: 'UNIVERSITY',
    request: { params: z.object({ id: ObjectIdSchema, videoId: ObjectIdSchema }) },
    responses: { 200: { description: 'Removed' }, ...errorResponses(404) },
  }),
  async (c) => {
    const { id, videoId } = c.req.valid('param')
    const course = await loadOwnCourse(c, id)
    const db = await courseDb(c)
    const _id = new ObjectId(videoId)
    const res = await courseVideos(db).deleteOne({ _id, courseId: course._id })
    if (res.deletedCount === 0) throw new AppError('NOT_FOUND', 'Video not found')
    await Promise.all([
      videoProgress(db).deleteMany({ courseId: course._id, videoId: _id }),
      deleteCheckpoints(db, { courseId: course._id, videoId: _id }),
      pullFromPlaylists(db, { videoId: _id }, c.get('services').now()),
    ])
    return c.json({ success: true, message: 'Video removed' }, 200)
  },
)
