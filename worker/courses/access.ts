// Who may see, run and take a course: loading it by id, visibility of unpublished courses, the
// owning university, enrolment checks, and the public shape of a course.
import type { Context } from 'hono'
import { ObjectId } from 'mongodb'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { courses, enrollments, type CourseDoc } from './store'
import type { UserDoc } from '../auth/users-store'

export const courseDb = (c: Context<AppEnv>) => c.get('services').database.db()

export const ownsCourse = (doc: CourseDoc, user?: UserDoc) =>
  !!user && (user.role === 'ADMIN' || doc.universityId.equals(user._id))

/** The course, if the caller may see it: published ones for everyone, drafts for their owner. */
export async function loadVisibleCourse(c: Context<AppEnv>, id: string, user?: UserDoc) {
  const doc = await courses(await courseDb(c)).findOne({ _id: new ObjectId(id) })
  if (!doc || (!doc.published && !ownsCourse(doc, user)))
    throw new AppError('NOT_FOUND', 'Course not found')
  return doc
}

/** The course, if the caller owns it (403 for a published course of someone else, else 404). */
export async function loadOwnCourse(c: Context<AppEnv>, id: string) {
  const user = c.get('user')
  const doc = await loadVisibleCourse(c, id, user)
  if (!ownsCourse(doc, user))
    throw new AppError('FORBIDDEN', 'Only the university that owns this course may change it')
  return doc
}

export async function isEnrolled(c: Context<AppEnv>, courseId: ObjectId, userId: ObjectId) {
  const found = await enrollments(await courseDb(c)).findOne(
    { courseId, userId },
    { projection: { _id: 1 } },
  )
  return !!found
}

/** A published course the caller is enrolled in (403 otherwise). */
export async function loadEnrolledCourse(c: Context<AppEnv>, id: string) {
  const user = c.get('user')
  const doc = await loadVisibleCourse(c, id, user)
  if (!(await isEnrolled(c, doc._id, user._id)))
    throw new AppError('FORBIDDEN', 'Enroll in this course first')
  return doc
}

export function publicCourse(doc: CourseDoc, extra: { enrolled?: boolean } = {}) {
  return {
    id: doc._id.toHexString(),
    universityId: doc.universityId.toHexString(),
    title: doc.title,
    description: doc.description ?? null,
    thumbnailMediaId: doc.thumbnailMediaId?.toHexString() ?? null,
    enrollment: doc.enrollment,
    published: doc.published,
    enrolledCount: doc.enrolledCount,
    ratingCount: doc.ratingCount,
    ratingSum: doc.ratingSum,
    ratingAverage:
      doc.ratingCount > 0 ? Math.round((doc.ratingSum / doc.ratingCount) * 100) / 100 : null,
    ...extra,
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  }
}

/** Whether the user may play a course's videos: its owner, or a student of the published course. */
export async function mayWatchCourse(c: Context<AppEnv>, courseId: ObjectId, user: UserDoc) {
  const doc = await courses(await courseDb(c)).findOne({ _id: courseId })
  if (!doc) return false
  if (ownsCourse(doc, user)) return true
  return doc.published && (await isEnrolled(c, doc._id, user._id))
}
