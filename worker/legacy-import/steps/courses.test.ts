// The course transform, document in → writes out: owner and state variants, the thumbnail's key,
// one enrollment per student (listed or with a progress record), recomputed counters.
import { ObjectId } from 'mongodb'
import { describe, expect, it } from 'vitest'
import type { LegacyDoc, StepContext, Transformed } from '../step'
import { sanoraCourses } from './courses'

const ctx: StepContext = { now: new Date('2026-01-01T00:00:00Z'), refreshTtlDays: 60 }
const at = new Date('2024-03-01T10:00:00Z')
const university = new ObjectId()
const [alice, bob, carol, gone] = [new ObjectId(), new ObjectId(), new ObjectId(), new ObjectId()]

const course = (fields: Partial<LegacyDoc> = {}): LegacyDoc => ({
  _id: new ObjectId(),
  university,
  title: 'Old course',
  description: 'Teaches',
  enrolledStudents: [alice, gone],
  isPublished: true,
  enrollmentCount: 5,
  ratingCount: 1,
  averageRating: 4,
  analytics: new ObjectId(),
  createdAt: at,
  updatedAt: at,
  __v: 0,
  ...fields,
})

function run(doc: LegacyDoc, progress: LegacyDoc[] = [], ratings = { count: 1, sum: 4 }) {
  return sanoraCourses.transform(doc, ctx, {
    users: new Set([alice, bob, carol].map(String)),
    progress: new Map(progress.map((p) => [`${String(doc._id)}:${String(p.user)}`, p])),
    ratings: new Map([[String(doc._id), ratings]]),
  }) as Transformed
}
const outputsOf = (out: Transformed, collection: string) =>
  out.outputs.flatMap((o) => (o.collection === collection && 'document' in o ? [o.document] : []))

describe('sanoraCourses.transform', () => {
  it('keeps the id, owner, title and timestamps, other fields under legacy, and drops __v', () => {
    const doc = course()
    const [imported] = outputsOf(run(doc), 'courses')
    expect(imported).toMatchObject({
      _id: doc._id,
      universityId: university,
      title: 'Old course',
      description: 'Teaches',
      published: true,
      enrollment: 'open',
      createdAt: at,
      legacy: { analytics: doc.analytics },
    })
    expect(imported!.__v).toBeUndefined()
    expect(imported!.legacy).not.toHaveProperty('__v')
  })

  it('reads the owner from universityId and a draft status, and the invite setting', () => {
    const doc = course({
      university: undefined,
      universityId: university,
      isPublished: undefined,
      status: 'draft',
      enrollmentSettings: { type: 'invite' },
    })
    expect(outputsOf(run(doc), 'courses')[0]).toMatchObject({
      universityId: university,
      published: false,
      enrollment: 'invite-only',
    })
  })

  it('imports an unknown enrollment setting as closed and lists it', () => {
    const out = run(course({ enrollmentType: 'cohort' }))
    expect(outputsOf(out, 'courses')[0]).toMatchObject({ enrollment: 'closed' })
    expect(out.notes).toContainEqual(
      expect.objectContaining({ kind: 'unknown enrollment setting, imported as closed' }),
    )
  })

  it('skips a course without a university', () => {
    expect(run(course({ university: undefined })).skip).toBe('no university')
  })

  it('turns a thumbnail URL into its S3 key with a ready media record of the university', () => {
    const doc = course({
      thumbnail: 'https://old.s3.eu-west-2.amazonaws.com/courses/thumbs/a%20b.jpg',
    })
    const out = run(doc)
    const [media] = outputsOf(out, 'media')
    expect(media).toMatchObject({
      ownerId: university,
      purpose: 'course-thumbnail',
      key: 'courses/thumbs/a b.jpg',
      contentType: 'image/jpeg',
      status: 'ready',
    })
    expect(outputsOf(out, 'courses')[0]).toMatchObject({
      thumbnailMediaId: media!._id,
      legacy: { thumbnail: doc.thumbnail },
    })
    // The same id on every run.
    expect(outputsOf(run(doc), 'media')[0]!._id).toEqual(media!._id)
  })

  it('enrolls listed students and those with a progress record, reporting missing users', () => {
    const doc = course({ students: [bob] })
    const progress = {
      _id: new ObjectId(),
      user: carol,
      course: doc._id,
      enrolledAt: at,
      completedVideos: [],
      __v: 0,
    }
    const out = run(doc, [progress])
    const enrollments = outputsOf(out, 'course_enrollments')
    expect(enrollments.map((e) => String(e.userId)).sort()).toEqual(
      [alice, bob, carol].map(String).sort(),
    )
    expect(enrollments.find((e) => carol.equals(e.userId as ObjectId))).toMatchObject({
      _id: progress._id,
      courseId: doc._id,
      createdAt: at,
      legacy: { courseProgress: { enrolledAt: at, completedVideos: [] } },
    })
    expect(out.refs).toContainEqual({
      field: 'enrolledStudents',
      db: 'sanora',
      collection: 'users',
      id: gone,
    })
    expect(outputsOf(run(doc, [progress]), 'course_enrollments').map((e) => e._id)).toEqual(
      enrollments.map((e) => e._id),
    )
  })

  it('imports recomputed counters and lists the old ones that differ', () => {
    const out = run(course(), [], { count: 2, sum: 9 })
    expect(outputsOf(out, 'courses')[0]).toMatchObject({
      enrolledCount: 1,
      ratingCount: 2,
      ratingSum: 9,
    })
    const kinds = out.notes!.map((n) => n.kind)
    expect(kinds).toContain('counter enrolledCount: old value differs, recomputed one imported')
    expect(kinds).toContain('counter ratingCount: old value differs, recomputed one imported')
    expect(kinds).toContain('counter ratingAverage: old value differs, recomputed one imported')
  })
})
