// Sanora `courses` → `courses`, one `media` record for the thumbnail (its old S3 key, presigned as
// a new upload's), and one `course_enrollments` document per student. The students are the old
// course's `enrolledStudents`/`students` and anyone with a `usercourseprogresses` record of it
// (the old app enrolled by creating one); an enrollment takes that record's `_id` (or an id derived
// from course and user) so a re-run writes the same document. Enrollment and rating counters are
// recomputed from what is imported and differences with the old ones reported.
import type { MediaDoc } from '../../media/store'
import type { CourseDoc, EnrollmentMode } from '../../courses/store'
import { asDate, counterDifference, objectIds, unknownFields } from '../legacy-fields'
import type { Fields, LegacyDoc, Note, Output, Ref, Step, Transformed } from '../step'
import {
  contentTypeOf,
  courseRef,
  derivedId,
  firstId,
  firstNumber,
  firstString,
  s3Key,
  studentRefs,
  timestamps,
  uniqueIds,
  userRef,
} from './course-refs'
import { keptReviews, ratingOf, reviewsOfCourses } from './course-reviews'

const UNIVERSITY_FIELDS = ['university', 'universityId', 'owner', 'createdBy', 'instructor']
const KNOWN = [
  ...UNIVERSITY_FIELDS,
  'title',
  'name',
  'description',
  'thumbnail',
  'thumbnailUrl',
  'thumbnailKey',
  'videos',
  'enrolledStudents',
  'students',
  'enrollmentType',
  'enrollment',
  'enrollmentSettings',
  'isPublished',
  'published',
  'status',
  'enrollmentCount',
  'enrolledCount',
  'rating',
  'averageRating',
  'ratingCount',
  'reviewCount',
  'createdAt',
  'updatedAt',
]

const ENROLLMENT_MODES: Record<string, EnrollmentMode> = {
  open: 'open',
  public: 'open',
  free: 'open',
  invite: 'invite-only',
  'invite-only': 'invite-only',
  invite_only: 'invite-only',
  inviteonly: 'invite-only',
  private: 'invite-only',
  closed: 'closed',
}

/** The enrollment mode, or `closed` (no new students until the university decides) when unknown. */
function enrollmentMode(doc: LegacyDoc): { mode: EnrollmentMode; unknown?: unknown } {
  const settings = (doc.enrollmentSettings ?? {}) as Fields
  const raw =
    firstString(doc, 'enrollmentType', 'enrollment') ??
    (typeof settings === 'object' ? firstString(settings, 'type', 'mode') : undefined)
  if (raw) {
    const mode = ENROLLMENT_MODES[raw.toLowerCase()]
    return mode ? { mode } : { mode: 'closed', unknown: raw }
  }
  if (settings.isOpen === false || settings.allowEnrollment === false) return { mode: 'closed' }
  if (settings.inviteOnly === true || settings.requiresInvite === true)
    return { mode: 'invite-only' }
  return { mode: 'open' }
}

/** Published from `isPublished`/`published`, or a `status` (`published`/`active` vs `draft`). */
function publishedState(doc: LegacyDoc): { published: boolean; unknown?: unknown } {
  if (typeof doc.isPublished === 'boolean') return { published: doc.isPublished }
  if (typeof doc.published === 'boolean') return { published: doc.published }
  const status = firstString(doc, 'status')?.toLowerCase()
  if (!status || status === 'draft' || status === 'unpublished' || status === 'archived')
    return { published: false }
  if (status === 'published' || status === 'active' || status === 'live') return { published: true }
  return { published: false, unknown: doc.status }
}

interface Prepared {
  /** Users referenced by the batch that exist in Sanora. */
  users: Set<string>
  /** The latest `usercourseprogresses` record per `<course>:<user>`. */
  progress: Map<string, LegacyDoc>
  /** Recomputed from the reviews the reviews step imports, per course hex. */
  ratings: Map<string, { count: number; sum: number }>
}

export const sanoraCourses: Step<Prepared> = {
  name: 'sanora.courses',
  group: 'courses',
  db: 'sanora',
  collection: 'courses',
  async prepare(batch, source) {
    const ids = batch.map((c) => c._id)
    const [progress, reviews] = await Promise.all([
      source.find('sanora', 'usercourseprogresses', {
        $or: [{ course: { $in: ids } }, { courseId: { $in: ids } }],
      }),
      reviewsOfCourses(source, ids),
    ])
    const users = await source.existing(
      'sanora',
      'users',
      uniqueIds([...batch.flatMap(studentRefs), ...progress.map(userRef), ...reviews.map(userRef)]),
    )
    const latest = new Map<string, LegacyDoc>()
    for (const p of progress) {
      const key = `${String(courseRef(p))}:${String(userRef(p))}`
      const current = latest.get(key)
      if (!current || String(p._id) > String(current._id)) latest.set(key, p)
    }
    const ratings = new Map<string, { count: number; sum: number }>()
    for (const review of keptReviews(reviews, users).values()) {
      const key = String(courseRef(review))
      const r = ratings.get(key) ?? { count: 0, sum: 0 }
      r.count++
      r.sum += ratingOf(review)!
      ratings.set(key, r)
    }
    return { users, progress: latest, ratings }
  },
  transform(doc, _ctx, prepared): Transformed {
    const id = String(doc._id)
    const universityId = firstId(doc, ...UNIVERSITY_FIELDS)
    if (!universityId) return { skip: 'no university', outputs: [] }
    const refs: Ref[] = [
      { field: 'university', db: 'sanora', collection: 'users', id: universityId },
      ...objectIds(doc.videos).map((v) => ({
        field: 'videos',
        db: 'sanora' as const,
        collection: 'videos',
        id: v,
      })),
    ]
    const notes: Note[] = []
    const { createdAt, updatedAt } = timestamps(doc)
    const enrollment = enrollmentMode(doc)
    if (enrollment.unknown !== undefined)
      notes.push({
        kind: 'unknown enrollment setting, imported as closed',
        detail: { id, enrollment: enrollment.unknown },
      })
    const state = publishedState(doc)
    if (state.unknown !== undefined)
      notes.push({
        kind: 'unknown course status, imported as a draft',
        detail: { id, status: state.unknown },
      })

    // Students: the listed ones (a missing user reported, not enrolled) and those with progress.
    const students = new Map<string, { userId: LegacyDoc['_id']; progress?: LegacyDoc }>()
    for (const userId of studentRefs(doc)) {
      if (prepared.users.has(String(userId))) students.set(String(userId), { userId })
      else refs.push({ field: 'enrolledStudents', db: 'sanora', collection: 'users', id: userId })
    }
    for (const [key, progress] of prepared.progress) {
      const [courseHex, userHex] = key.split(':')
      if (courseHex !== id || !prepared.users.has(userHex!)) continue
      students.set(userHex!, { userId: userRef(progress)!, progress })
    }
    const enrollments: Output[] = [...students.values()].map(({ userId, progress }) => ({
      collection: 'course_enrollments',
      document: {
        _id: progress?._id ?? derivedId('course_enrollments', id, String(userId)),
        courseId: doc._id,
        userId,
        createdAt:
          asDate(progress?.enrolledAt) ??
          asDate(progress?.createdAt) ??
          progress?._id.getTimestamp() ??
          createdAt,
        legacy: progress
          ? { courseProgress: unknownFields(progress, ['course', 'courseId', 'user', 'userId']) }
          : {},
      },
    }))

    const rating = prepared.ratings.get(id) ?? { count: 0, sum: 0 }
    const average = rating.count ? Math.round((rating.sum / rating.count) * 100) / 100 : 0
    const storedAverage = firstNumber(doc, 'averageRating', 'rating')
    for (const note of [
      counterDifference(
        'enrolledCount',
        id,
        firstNumber(doc, 'enrollmentCount', 'enrolledCount'),
        students.size,
      ),
      counterDifference(
        'ratingCount',
        id,
        firstNumber(doc, 'ratingCount', 'reviewCount'),
        rating.count,
      ),
      counterDifference(
        'ratingAverage',
        id,
        storedAverage === undefined ? undefined : Math.round(storedAverage * 100) / 100,
        average,
      ),
    ])
      if (note) notes.push(note)

    const course: Omit<CourseDoc, 'thumbnailMediaId'> & Fields = {
      _id: doc._id,
      universityId,
      title: firstString(doc, 'title', 'name') ?? 'Course',
      enrollment: enrollment.mode,
      published: state.published,
      ratingCount: rating.count,
      ratingSum: rating.sum,
      enrolledCount: students.size,
      createdAt,
      updatedAt,
    }
    const description = firstString(doc, 'description')
    if (description) course.description = description
    const legacy = unknownFields(doc, KNOWN)
    const outputs: Output[] = []
    const thumbnailSource = firstString(doc, 'thumbnailKey', 'thumbnail', 'thumbnailUrl')
    const thumbnailKey = s3Key(thumbnailSource)
    if (thumbnailKey) {
      const mediaId = derivedId('course-thumbnail', id)
      course.thumbnailMediaId = mediaId
      if (thumbnailSource !== thumbnailKey) legacy.thumbnail = thumbnailSource
      const thumbnail: MediaDoc & { legacy: Fields } = {
        _id: mediaId,
        ownerId: universityId,
        purpose: 'course-thumbnail',
        kind: 'image',
        contentType: contentTypeOf(thumbnailKey, 'image/jpeg'),
        declaredSize: 0,
        key: thumbnailKey,
        status: 'ready',
        upload: { mode: 'single' },
        size: 0,
        createdAt,
        updatedAt: createdAt,
        completedAt: createdAt,
        legacy: {},
      }
      outputs.push({ collection: 'media', document: { ...thumbnail } })
    }
    outputs.unshift({ collection: 'courses', document: { ...course, legacy } })
    outputs.push(...enrollments)
    return { outputs, refs, notes }
  },
}
