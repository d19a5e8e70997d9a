// Courses (/api/courses): the public listing of published courses, a university's own courses,
// and create / read / edit / delete by the owning university. Sub-resources mount below.
import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { ObjectId, type Filter } from 'mongodb'
import {
  courseDb,
  isEnrolled,
  loadOwnCourse,
  loadVisibleCourse,
  ownsCourse,
  publicCourse,
} from '../access'
import type { AppEnv } from '../../env'
import { AppError } from '../../errors'
import { createRouter, errorResponses, jsonBody } from '../../openapi'
import {
  ENROLLMENT_MODES,
  courseVideos,
  courses as courseCollection,
  enrollments,
  invites,
  reviews,
  videoProgress,
  type CourseDoc,
} from '../store'
import { deleteCheckpoints } from '../checkpoints-store'
import { findOwnMedia } from '../../media/store'
import { playlists, pullFromPlaylists } from '../playlists-store'
import { courseAnalytics } from './analytics'
import { courseCheckpoints } from './checkpoints'
import { courseEnrollment } from './enrollment'
import { courseInvites } from './invites'
import { coursePlaylists } from './playlists'
import { courseProgress } from './progress'
import { courseReviews } from './reviews'
import { courseVideoRoutes } from './videos'
import { ObjectIdSchema } from '../../../shared/ids'
import { authedRoute, optionalAuthRoute } from '../../authed-route'
import { newestFirst } from '../../paging'

const Fields = {
  title: z.string().trim().min(1).max(200),
  description: z.string().max(10_000).optional(),
  thumbnailMediaId: ObjectIdSchema.nullable().optional(),
  enrollment: z.enum(ENROLLMENT_MODES).default('open'),
  published: z.boolean().default(false),
}
const CreateSchema = z.strictObject(Fields)
const UpdateSchema = z
  .strictObject({
    title: Fields.title.optional(),
    description: Fields.description.nullable(),
    thumbnailMediaId: Fields.thumbnailMediaId,
    enrollment: z.enum(ENROLLMENT_MODES).optional(),
    published: z.boolean().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'at least one field is required')
const IdParams = z.object({ id: ObjectIdSchema })

/** A thumbnail must be the university's own course-thumbnail image. */
async function thumbnailId(c: Context<AppEnv>, id: string) {
  const doc = await findOwnMedia(await courseDb(c), id, c.get('user')._id)
  if (!doc || doc.purpose !== 'course-thumbnail')
    throw new AppError('VALIDATION_ERROR', 'Invalid request', [
      { path: 'thumbnailMediaId', message: 'must be one of your course-thumbnail uploads' },
    ])
  return doc._id
}

export const courses = createRouter()

courses.openapi(
  optionalAuthRoute({
    method: 'get',
    path: '/',
    tags: ['Courses'],
    summary: 'Published courses, or (mine=true, universities) your own including drafts',
    request: {
      query: z.object({
        mine: z.enum(['true', 'false']).optional(),
        before: ObjectIdSchema.optional(),
        limit: z.coerce.number().int().min(1).max(100).default(20),
      }),
    },
    responses: {
      200: { description: 'A page of courses, newest first' },
      ...errorResponses(401, 403),
    },
  }),
  async (c) => {
    const { mine, before, limit } = c.req.valid('query')
    const user = c.var.user
    let filter: Filter<CourseDoc> = { published: true }
    if (mine === 'true') {
      if (!user) throw new AppError('UNAUTHORIZED', 'Authentication required')
      if (user.role !== 'UNIVERSITY' && user.role !== 'ADMIN')
        throw new AppError('FORBIDDEN', 'This requires one of the roles: UNIVERSITY')
      filter = { universityId: user._id }
    }
    const { items, nextCursor } = await newestFirst(courseCollection(await courseDb(c)), filter, {
      before,
      limit,
    })
    return c.json({ success: true, courses: items.map((d) => publicCourse(d)), nextCursor }, 200)
  },
)

courses.openapi(
  authedRoute({
    method: 'post',
    path: '/',
    tags: ['Courses'],
    summary: 'Create a course (universities)',
    role: 'UNIVERSITY',
    request: jsonBody(CreateSchema),
    responses: { 201: { description: 'The course' } },
  }),
  async (c) => {
    const body = c.req.valid('json')
    const now = c.get('services').now()
    const doc: CourseDoc = {
      _id: new ObjectId(),
      universityId: c.get('user')._id,
      title: body.title,
      enrollment: body.enrollment,
      published: body.published,
      ratingCount: 0,
      ratingSum: 0,
      enrolledCount: 0,
      createdAt: now,
      updatedAt: now,
      ...(body.description ? { description: body.description } : {}),
      ...(body.thumbnailMediaId
        ? { thumbnailMediaId: await thumbnailId(c, body.thumbnailMediaId) }
        : {}),
    }
    await courseCollection(await courseDb(c)).insertOne(doc)
    return c.json({ success: true, course: publicCourse(doc) }, 201)
  },
)

courses.openapi(
  optionalAuthRoute({
    method: 'get',
    path: '/{id}',
    tags: ['Courses'],
    summary: 'One course (a draft only for its university)',
    request: { params: IdParams },
    responses: { 200: { description: 'The course' }, ...errorResponses(404) },
  }),
  async (c) => {
    const user = c.var.user
    const doc = await loadVisibleCourse(c, c.req.valid('param').id, user)
    const extra = user
      ? { enrolled: await isEnrolled(c, doc._id, user._id), owner: ownsCourse(doc, user) }
      : {}
    return c.json({ success: true, course: publicCourse(doc, extra) }, 200)
  },
)

courses.openapi(
  authedRoute({
    method: 'put',
    path: '/{id}',
    tags: ['Courses'],
    summary: 'Edit your course (universities)',
    role: 'UNIVERSITY',
    request: { params: IdParams, ...jsonBody(UpdateSchema) },
    responses: { 200: { description: 'The course' }, ...errorResponses(404) },
  }),
  async (c) => {
    const doc = await loadOwnCourse(c, c.req.valid('param').id)
    const { description, thumbnailMediaId, ...fields } = c.req.valid('json')
    const $set: Partial<CourseDoc> = { ...fields, updatedAt: c.get('services').now() }
    const $unset: Record<string, ''> = {}
    if (description === null) $unset.description = ''
    else if (description !== undefined) $set.description = description
    if (thumbnailMediaId === null) $unset.thumbnailMediaId = ''
    else if (thumbnailMediaId !== undefined)
      $set.thumbnailMediaId = await thumbnailId(c, thumbnailMediaId)
    const updated = await courseCollection(await courseDb(c)).findOneAndUpdate(
      { _id: doc._id },
      Object.keys($unset).length ? { $set, $unset } : { $set },
      { returnDocument: 'after' },
    )
    if (!updated) throw new AppError('NOT_FOUND', 'Course not found')
    return c.json({ success: true, course: publicCourse(updated) }, 200)
  },
)

courses.openapi(
  authedRoute({
    method: 'delete',
    path: '/{id}',
    tags: ['Courses'],
    summary:
      'Delete your course with its videos, enrollments, invites, progress, reviews, checkpoints and playlists',
    role: 'UNIVERSITY',
    request: { params: IdParams },
    responses: { 200: { description: 'Deleted' }, ...errorResponses(404) },
  }),
  async (c) => {
    const doc = await loadOwnCourse(c, c.req.valid('param').id)
    const db = await courseDb(c)
    // The course goes first: every child route loads the course, so leftovers are unreachable even
    // if a step below fails; the media files themselves stay with the university.
    const gone = await courseCollection(db).deleteOne({ _id: doc._id })
    if (gone.deletedCount === 0) throw new AppError('NOT_FOUND', 'Course not found')
    const courseId = doc._id
    await Promise.all([
      courseVideos(db).deleteMany({ courseId }),
      enrollments(db).deleteMany({ courseId }),
      videoProgress(db).deleteMany({ courseId }),
      reviews(db).deleteMany({ courseId }),
      invites(db).deleteMany({ courseId }),
      deleteCheckpoints(db, { courseId }),
      playlists(db).deleteMany({ courseId }),
      pullFromPlaylists(db, { courseId }, c.get('services').now()),
    ])
    return c.json({ success: true, message: 'Course deleted' }, 200)
  },
)

courses.route('/', courseEnrollment)
courses.route('/', courseInvites)
courses.route('/', courseVideoRoutes)
courses.route('/', courseProgress)
courses.route('/', courseReviews)
courses.route('/', coursePlaylists)
courses.route('/', courseCheckpoints)
courses.route('/', courseAnalytics)
