// Course reviews (/api/courses/{id}/reviews): one per enrolled student per course (unique index),
// created or edited with PUT …/mine, removed with DELETE. The course's ratingCount and ratingSum
// move by exact $inc deltas taken from the atomic write's before-image, so racing writes add up.
import { createRoute, z } from '@hono/zod-openapi'
import { ObjectId, type Db } from 'mongodb'
import { courseDb, loadEnrolledCourse, loadVisibleCourse } from '../access'
import { createRouter, errorResponses, jsonBody } from '../../openapi'
import { recordActivity } from '../activity-store'
import { courses, isDuplicateKey, reviews, type ReviewDoc } from '../store'
import { ObjectIdSchema } from '../../../shared/ids'
import { authedRoute } from '../../authed-route'
import { newestFirst } from '../../paging'

const IdParams = z.object({ id: ObjectIdSchema })
const ReviewSchema = z.strictObject({
  rating: z.number().int().min(1).max(5),
  comment: z.string().trim().max(5000).optional(),
})

const publicReview = (r: ReviewDoc) => ({
  id: r._id.toHexString(),
  userId: r.userId.toHexString(),
  rating: r.rating,
  comment: r.comment ?? null,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
})

const bump = (db: Db, courseId: ObjectId, count: number, sum: number) =>
  count || sum
    ? courses(db).updateOne({ _id: courseId }, { $inc: { ratingCount: count, ratingSum: sum } })
    : Promise.resolve()

export const courseReviews = createRouter()

courseReviews.openapi(
  createRoute({
    method: 'get',
    path: '/{id}/reviews',
    tags: ['Courses'],
    summary: 'Reviews of a course, newest first',
    request: {
      params: IdParams,
      query: z.object({
        before: ObjectIdSchema.optional(),
        limit: z.coerce.number().int().min(1).max(100).default(20),
      }),
    },
    responses: { 200: { description: 'A page of reviews' }, ...errorResponses(400, 404) },
  }),
  async (c) => {
    const course = await loadVisibleCourse(c, c.req.valid('param').id)
    const { before, limit } = c.req.valid('query')
    const { items, nextCursor } = await newestFirst(
      reviews(await courseDb(c)),
      { courseId: course._id },
      { before, limit },
    )
    return c.json({ success: true, reviews: items.map(publicReview), nextCursor }, 200)
  },
)

courseReviews.openapi(
  authedRoute({
    method: 'put',
    path: '/{id}/reviews/mine',
    tags: ['Courses'],
    summary: 'Write or edit your review of a course you are enrolled in',
    request: { params: IdParams, ...jsonBody(ReviewSchema) },
    responses: {
      200: { description: 'Review updated' },
      201: { description: 'Review created' },
      ...errorResponses(403, 404),
    },
  }),
  async (c) => {
    const course = await loadEnrolledCourse(c, c.req.valid('param').id)
    const { rating, comment } = c.req.valid('json')
    const db = await courseDb(c)
    const now = c.get('services').now()
    const key = { courseId: course._id, userId: c.get('user')._id }
    const logged = () => recordActivity(db, { ...key, type: 'review-written', rating, at: now })
    // Insert, or (if one exists) edit; a review deleted between the two tries again.
    for (let attempt = 0; attempt < 5; attempt++) {
      const doc: ReviewDoc = {
        _id: new ObjectId(),
        ...key,
        rating,
        createdAt: now,
        updatedAt: now,
        ...(comment ? { comment } : {}),
      }
      try {
        await reviews(db).insertOne(doc)
        await Promise.all([bump(db, course._id, 1, rating), logged()])
        return c.json({ success: true, review: publicReview(doc) }, 201)
      } catch (error) {
        if (!isDuplicateKey(error)) throw error
      }
      const before = await reviews(db).findOneAndUpdate(
        key,
        comment
          ? { $set: { rating, comment, updatedAt: now } }
          : { $set: { rating, updatedAt: now }, $unset: { comment: '' } },
        { returnDocument: 'before' },
      )
      if (!before) continue
      await Promise.all([bump(db, course._id, 0, rating - before.rating), logged()])
      const after = { ...before, rating, updatedAt: now, ...(comment ? { comment } : {}) }
      if (!comment) delete after.comment
      return c.json({ success: true, review: publicReview(after) }, 200)
    }
    throw new Error('review write kept racing with deletes')
  },
)

courseReviews.openapi(
  authedRoute({
    method: 'delete',
    path: '/{id}/reviews/mine',
    tags: ['Courses'],
    summary: 'Delete your review of a course',
    request: { params: IdParams },
    responses: {
      200: { description: 'Deleted (or there was none)' },
      ...errorResponses(404),
    },
  }),
  async (c) => {
    const course = await loadVisibleCourse(c, c.req.valid('param').id, c.get('user'))
    const db = await courseDb(c)
    const gone = await reviews(db).findOneAndDelete({
      courseId: course._id,
      userId: c.get('user')._id,
    })
    if (gone)
      await Promise.all([
        bump(db, course._id, -1, -gone.rating),
        recordActivity(db, {
          userId: gone.userId,
          type: 'review-deleted',
          courseId: course._id,
          at: c.get('services').now(),
        }),
      ])
    return c.json({ success: true, deleted: !!gone }, 200)
  },
)
