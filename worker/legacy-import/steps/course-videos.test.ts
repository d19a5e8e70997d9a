// The video transform: its course (own field or the course's array), order, and a media record of
// the course's university holding the key that plays.
import { ObjectId } from 'mongodb'
import { describe, expect, it } from 'vitest'
import type { LegacyDoc, StepContext, Transformed } from '../step'
import { sanoraCourseVideos } from './course-videos'

const ctx: StepContext = { now: new Date('2026-01-01T00:00:00Z'), refreshTtlDays: 60 }
const at = new Date('2024-03-01T10:00:00Z')
const courseId = new ObjectId()
const university = new ObjectId()

const video = (fields: Partial<LegacyDoc> = {}): LegacyDoc => ({
  _id: new ObjectId(),
  course: courseId,
  title: 'Lesson',
  s3Key: 'courses/v/original.mov',
  transcodedUrl: 'https://old.s3.eu-west-2.amazonaws.com/courses/v/720p.mp4',
  duration: 300,
  status: 'completed',
  createdAt: at,
  __v: 0,
  ...fields,
})

function run(doc: LegacyDoc, listed: string[] = []) {
  return sanoraCourseVideos.transform(doc, ctx, {
    courses: new Map([[String(courseId), { universityId: university, videos: listed }]]),
    listedIn: new Map(listed.map((id) => [id, courseId])),
  }) as Transformed
}
const documentOf = (out: Transformed, collection: string) => {
  const found = out.outputs.find((o) => o.collection === collection)
  return found && 'document' in found ? found.document : undefined
}

describe('sanoraCourseVideos.transform', () => {
  it('keeps the id, the course and the keys; the media record plays the transcoded copy', () => {
    const doc = video({ order: 2 })
    const out = run(doc)
    expect(documentOf(out, 'course_videos')).toMatchObject({
      _id: doc._id,
      courseId,
      mediaId: doc._id,
      title: 'Lesson',
      order: 2,
      durationSeconds: 300,
      legacy: { status: 'completed' },
    })
    expect(documentOf(out, 'media')).toMatchObject({
      _id: doc._id,
      ownerId: university,
      purpose: 'course-video',
      key: 'courses/v/720p.mp4',
      contentType: 'video/mp4',
      status: 'ready',
      legacy: { originalKey: 'courses/v/original.mov', transcodedKey: 'courses/v/720p.mp4' },
    })
  })

  it('places a video without a course field by the course array, ordered by its place there', () => {
    const doc = video({ course: undefined })
    const out = run(doc, [String(new ObjectId()), String(doc._id)])
    expect(documentOf(out, 'course_videos')).toMatchObject({ courseId, order: 1 })
  })

  it('skips a video without a file, of no course, or of a course that does not exist', () => {
    expect(run(video({ s3Key: undefined, transcodedUrl: undefined })).skip).toBe(
      'no video file (S3 key or URL)',
    )
    expect(run(video({ course: undefined })).skip).toBe('no course')
    const missing = new ObjectId()
    const out = run(video({ course: missing }))
    expect(out.skip).toBe('course does not exist')
    expect(out.refs).toEqual([
      { field: 'course', db: 'sanora', collection: 'courses', id: missing },
    ])
  })
})
