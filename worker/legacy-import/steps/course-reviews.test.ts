// The review transform: one per user per course (the latest), a valid rating, existing refs.
import { ObjectId } from 'mongodb'
import { describe, expect, it } from 'vitest'
import type { LegacyDoc, StepContext, Transformed } from '../step'
import { keptReviews, sanoraCourseReviews } from './course-reviews'

const ctx: StepContext = { now: new Date('2026-01-01T00:00:00Z'), refreshTtlDays: 60 }
const at = new Date('2024-03-01T10:00:00Z')
const course = new ObjectId()
const user = new ObjectId()
const review = (fields: Partial<LegacyDoc> = {}): LegacyDoc => ({
  _id: new ObjectId(),
  course,
  user,
  rating: 4,
  comment: 'Good',
  createdAt: at,
  updatedAt: at,
  __v: 0,
  ...fields,
})

const run = (doc: LegacyDoc, all: LegacyDoc[]) => {
  const users = new Set([String(user)])
  return sanoraCourseReviews.transform(doc, ctx, {
    users,
    courses: new Set([String(course)]),
    kept: keptReviews(all, users),
  }) as Transformed
}

describe('sanoraCourseReviews.transform', () => {
  it('keeps the id, course, user, rating and comment', () => {
    const doc = review({ userId: user, user: undefined, review: 'Fine', comment: undefined })
    const out = run(doc, [doc])
    expect(out.outputs[0]).toMatchObject({
      collection: 'course_reviews',
      document: { _id: doc._id, courseId: course, userId: user, rating: 4, comment: 'Fine' },
    })
  })

  it('imports the latest of one user’s reviews of a course and reports the others', () => {
    const first = review({ rating: 2 })
    const second = review({ rating: 5 })
    expect(run(second, [first, second]).skip).toBeUndefined()
    const out = run(first, [first, second])
    expect(out.skip).toBe('another review of the same course by the same user (the latest is kept)')
    expect(out.notes![0]!.detail).toEqual({ id: String(first._id), kept: String(second._id) })
  })

  it('skips a rating outside 1 to 5, and the review of a missing user', () => {
    const bad = review({ rating: 9 })
    expect(run(bad, [bad]).skip).toBe('no rating from 1 to 5')
    const orphan = review({ user: new ObjectId() })
    expect(run(orphan, [orphan])).toMatchObject({ skip: 'course or user does not exist' })
  })
})
