// Courses and what hangs off them in MongoDB: videos, enrollments, per-video progress and reviews.
import type { Collection, Db, ObjectId } from 'mongodb'

export const ENROLLMENT_MODES = ['open', 'invite-only', 'closed'] as const
export type EnrollmentMode = (typeof ENROLLMENT_MODES)[number]

export interface CourseDoc {
  _id: ObjectId
  universityId: ObjectId
  title: string
  description?: string
  thumbnailMediaId?: ObjectId
  enrollment: EnrollmentMode
  published: boolean
  /** Kept exact with $inc deltas on every review change; the average is derived. */
  ratingCount: number
  ratingSum: number
  enrolledCount: number
  createdAt: Date
  updatedAt: Date
}

export interface CourseVideoDoc {
  _id: ObjectId
  courseId: ObjectId
  mediaId: ObjectId
  title: string
  order: number
  createdAt: Date
}

export interface EnrollmentDoc {
  _id: ObjectId
  courseId: ObjectId
  userId: ObjectId
  createdAt: Date
}

/** One per (course, user, video); every number only grows ($max), so late updates are harmless. */
export interface VideoProgressDoc {
  _id: ObjectId
  courseId: ObjectId
  userId: ObjectId
  videoId: ObjectId
  positionSeconds: number
  watchedSeconds: number
  durationSeconds: number
  completedAt?: Date
  lastActivityAt: Date
}

/** An invitation to an invite-only course, by (normalised) email; used up by enrolling. */
export interface InviteDoc {
  _id: ObjectId
  courseId: ObjectId
  email: string
  createdAt: Date
  acceptedAt?: Date
}

export interface ReviewDoc {
  _id: ObjectId
  courseId: ObjectId
  userId: ObjectId
  rating: number
  comment?: string
  createdAt: Date
  updatedAt: Date
}

export const courses = (db: Db): Collection<CourseDoc> => db.collection<CourseDoc>('courses')
export const courseVideos = (db: Db): Collection<CourseVideoDoc> =>
  db.collection<CourseVideoDoc>('course_videos')
export const enrollments = (db: Db): Collection<EnrollmentDoc> =>
  db.collection<EnrollmentDoc>('course_enrollments')
export const videoProgress = (db: Db): Collection<VideoProgressDoc> =>
  db.collection<VideoProgressDoc>('course_progress')
export const invites = (db: Db): Collection<InviteDoc> => db.collection<InviteDoc>('course_invites')
export const reviews = (db: Db): Collection<ReviewDoc> => db.collection<ReviewDoc>('course_reviews')

export const isDuplicateKey = (error: unknown) =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000
