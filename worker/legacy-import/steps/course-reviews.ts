// Sanora `coursereviews` → `course_reviews`. Ours keep one review per user per course (a unique
// index): of an old user's several reviews of a course the latest is imported and the others are
// reported. The courses step recomputes each course's rating from exactly the reviews kept here.
import type { ObjectId } from 'mongodb'
import type { LegacySource } from '../legacy-source'
import { unknownFields } from '../legacy-fields'
import type { Fields, LegacyDoc, Ref, Step, Transformed } from '../step'
import {
  COURSE_FIELDS,
  USER_FIELDS,
  courseRef,
  firstNumber,
  firstString,
  timestamps,
  uniqueIds,
  userRef,
} from './course-refs'

const KNOWN = [
  ...COURSE_FIELDS,
  ...USER_FIELDS,
  'rating',
  'stars',
  'comment',
  'review',
  'text',
  'createdAt',
  'updatedAt',
]

/** The rating our reviews accept (a whole 1 to 5), or none. */
export function ratingOf(doc: Fields) {
  const raw = firstNumber(doc, 'rating', 'stars')
  if (raw === undefined) return undefined
  const rating = Math.round(raw)
  return rating >= 1 && rating <= 5 ? rating : undefined
}

const pairOf = (doc: Fields) => `${String(courseRef(doc))}:${String(userRef(doc))}`

/**
 * The reviews imported among `reviews` (all of some courses' or users'): per (course, user) the
 * latest with a valid rating by an existing user, keyed by the pair.
 */
export function keptReviews(reviews: LegacyDoc[], users: Set<string>) {
  const kept = new Map<string, LegacyDoc>()
  for (const review of reviews) {
    const user = userRef(review)
    if (!courseRef(review) || !user || !users.has(String(user)) || ratingOf(review) === undefined)
      continue
    const pair = pairOf(review)
    const current = kept.get(pair)
    if (!current || String(review._id) > String(current._id)) kept.set(pair, review)
  }
  return kept
}

/** All reviews of these courses (`course` or `courseId`). */
export const reviewsOfCourses = (source: LegacySource, courseIds: ObjectId[]) =>
  courseIds.length === 0
    ? Promise.resolve([])
    : source.find('sanora', 'coursereviews', {
        $or: COURSE_FIELDS.map((f) => ({ [f]: { $in: courseIds } })),
      })

interface Prepared {
  users: Set<string>
  courses: Set<string>
  kept: Map<string, LegacyDoc>
}

export const sanoraCourseReviews: Step<Prepared> = {
  name: 'sanora.coursereviews',
  group: 'courses',
  db: 'sanora',
  collection: 'coursereviews',
  async prepare(batch, source) {
    const courseIds = uniqueIds(batch.map(courseRef))
    const all = await reviewsOfCourses(source, courseIds)
    const [users, courses] = await Promise.all([
      source.existing('sanora', 'users', uniqueIds(all.map(userRef))),
      source.existing('sanora', 'courses', courseIds),
    ])
    return { users, courses, kept: keptReviews(all, users) }
  },
  transform(doc, _ctx, prepared): Transformed {
    const courseId = courseRef(doc)
    const userId = userRef(doc)
    if (!courseId) return { skip: 'no course', outputs: [] }
    if (!userId) return { skip: 'no user', outputs: [] }
    const refs: Ref[] = []
    if (!prepared.courses.has(String(courseId)))
      refs.push({ field: 'course', db: 'sanora', collection: 'courses', id: courseId })
    if (!prepared.users.has(String(userId)))
      refs.push({ field: 'user', db: 'sanora', collection: 'users', id: userId })
    if (refs.length > 0) return { skip: 'course or user does not exist', outputs: [], refs }
    const rating = ratingOf(doc)
    if (rating === undefined)
      return {
        skip: 'no rating from 1 to 5',
        outputs: [],
        notes: [{ kind: 'review without a valid rating', detail: { id: String(doc._id) } }],
      }
    const kept = prepared.kept.get(pairOf(doc))
    if (kept && !kept._id.equals(doc._id))
      return {
        skip: 'another review of the same course by the same user (the latest is kept)',
        outputs: [],
        notes: [
          {
            kind: 'duplicate review: one per user per course, the latest imported',
            detail: { id: String(doc._id), kept: String(kept._id) },
          },
        ],
      }
    const review: Fields & { _id: unknown } = {
      _id: doc._id,
      courseId,
      userId,
      rating,
      ...timestamps(doc),
      legacy: unknownFields(doc, KNOWN),
    }
    const comment = firstString(doc, 'comment', 'review', 'text')
    if (comment) review.comment = comment
    return { outputs: [{ collection: 'course_reviews', document: review }] }
  },
}
