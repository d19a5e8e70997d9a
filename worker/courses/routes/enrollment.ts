// Course enrollment (/api/courses/{id}/enroll): join an open course (or an invite-only one with an
// invitation to your email), leave it. One enrollment per (course, user), guaranteed by a unique
// index; enrolledCount moves, and the activity log gets an entry, only when a row really changes.
import { z } from '@hono/zod-openapi'
import { ObjectId } from 'mongodb'
import { courseDb, loadVisibleCourse, ownsCourse } from '../access'
import { AppError } from '../../errors'
import { createRouter, errorResponses } from '../../openapi'
import { recordActivity } from '../activity-store'
import { courses, enrollments, invites, isDuplicateKey } from '../store'
import { normalizeEmail } from '../../auth/users-store'
import { ObjectIdSchema } from '../../../shared/ids'
import { authedRoute } from '../../authed-route'

const IdParams = z.object({ id: ObjectIdSchema })

export const courseEnrollment = createRouter()

courseEnrollment.openapi(
  authedRoute({
    method: 'post',
    path: '/{id}/enroll',
    tags: ['Courses'],
    summary: 'Enroll in a published, open course (repeating it is harmless)',
    request: { params: IdParams },
    responses: {
      200: { description: 'Already enrolled' },
      201: { description: 'Enrolled' },
      ...errorResponses(403, 404),
    },
  }),
  async (c) => {
    const user = c.get('user')
    const doc = await loadVisibleCourse(c, c.req.valid('param').id, user)
    if (ownsCourse(doc, user)) throw new AppError('FORBIDDEN', 'You run this course')
    if (!doc.published) throw new AppError('NOT_FOUND', 'Course not found')
    if (doc.enrollment === 'closed')
      throw new AppError('FORBIDDEN', 'This course is closed to new enrollments')
    const db = await courseDb(c)
    const invited =
      // Only a verified address counts: anyone could otherwise claim an invited, unused email.
      doc.enrollment === 'invite-only' && user.email && user.emailVerified
        ? await invites(db).findOne({ courseId: doc._id, email: normalizeEmail(user.email) })
        : null
    if (doc.enrollment === 'invite-only' && !invited)
      throw new AppError('FORBIDDEN', 'This course takes students by invitation only')
    let created = false
    try {
      const res = await enrollments(db).updateOne(
        { courseId: doc._id, userId: user._id },
        { $setOnInsert: { _id: new ObjectId(), createdAt: c.get('services').now() } },
        { upsert: true },
      )
      created = res.upsertedCount === 1
    } catch (error) {
      // Two racing upserts: the unique index lets one insert; the other is simply enrolled.
      if (!isDuplicateKey(error)) throw error
    }
    if (created)
      await Promise.all([
        courses(db).updateOne({ _id: doc._id }, { $inc: { enrolledCount: 1 } }),
        recordActivity(db, {
          userId: user._id,
          type: 'enrolled',
          courseId: doc._id,
          at: c.get('services').now(),
        }),
      ])
    if (invited && !invited.acceptedAt)
      await invites(db).updateOne(
        { _id: invited._id, acceptedAt: { $exists: false } },
        { $set: { acceptedAt: c.get('services').now() } },
      )
    return c.json({ success: true, enrolled: true }, created ? 201 : 200)
  },
)

courseEnrollment.openapi(
  authedRoute({
    method: 'delete',
    path: '/{id}/enroll',
    tags: ['Courses'],
    summary: 'Leave a course (progress and review are kept for a later return)',
    request: { params: IdParams },
    responses: { 200: { description: 'Not enrolled any more' }, ...errorResponses(404) },
  }),
  async (c) => {
    const user = c.get('user')
    const doc = await loadVisibleCourse(c, c.req.valid('param').id, user)
    const db = await courseDb(c)
    const res = await enrollments(db).deleteOne({ courseId: doc._id, userId: user._id })
    if (res.deletedCount === 1)
      await Promise.all([
        courses(db).updateOne({ _id: doc._id }, { $inc: { enrolledCount: -1 } }),
        recordActivity(db, {
          userId: user._id,
          type: 'unenrolled',
          courseId: doc._id,
          at: c.get('services').now(),
        }),
      ])
    return c.json({ success: true, enrolled: false }, 200)
  },
)
