// The progress transforms: a video record in our fields with completion by the old flag or our
// rule, and a course record's completed videos without a record of their own.
import { ObjectId } from 'mongodb'
import { describe, expect, it } from 'vitest'
import type { LegacyDoc, StepContext, Transformed } from '../step'
import { sanoraCourseProgress, sanoraVideoProgress } from './course-progress'
import type { LegacyVideo } from './course-refs'

const ctx: StepContext = { now: new Date('2026-01-01T00:00:00Z'), refreshTtlDays: 60 }
const at = new Date('2024-03-01T10:00:00Z')
const courseId = new ObjectId()
const user = new ObjectId()
const videos: LegacyVideo[] = [0, 1, 2, 3].map(() => ({
  id: new ObjectId(),
  courseId,
  durationSeconds: 600,
  imported: true,
}))

const record = (fields: Partial<LegacyDoc> = {}): LegacyDoc => ({
  _id: new ObjectId(),
  user,
  video: videos[0]!.id,
  watchedDuration: 120,
  currentTime: 100,
  duration: 600,
  completed: false,
  lastWatchedAt: at,
  __v: 0,
  ...fields,
})

const runVideo = (doc: LegacyDoc, listedComplete: string[] = []) =>
  sanoraVideoProgress.transform(doc, ctx, {
    videos: new Map(videos.map((v) => [String(v.id), v])),
    users: new Set([String(user)]),
    latest: new Map(),
    listedComplete: new Set(listedComplete),
  }) as Transformed
const documentOf = (out: Transformed) => {
  const first = out.outputs[0]
  return first && 'document' in first ? first.document : undefined
}

describe('sanoraVideoProgress.transform', () => {
  it("keeps the id and the figures in our fields, the course from the video's", () => {
    const doc = record()
    const imported = documentOf(runVideo(doc))
    expect(imported).toMatchObject({
      _id: doc._id,
      courseId,
      userId: user,
      videoId: videos[0]!.id,
      positionSeconds: 100,
      watchedSeconds: 120,
      durationSeconds: 600,
      lastActivityAt: at,
    })
    expect(imported!.completedAt).toBeUndefined()
  })

  it('is complete when the old flag says so, or when ours would (90% watched), listing the latter', () => {
    const flagged = documentOf(runVideo(record({ completed: true, completedAt: at })))
    expect(flagged!.completedAt).toEqual(at)
    const out = runVideo(record({ watchedDuration: 560 }))
    expect(documentOf(out)!.completedAt).toEqual(at)
    expect(out.notes).toHaveLength(1)
  })

  it('is complete when the course record lists the video', () => {
    const doc = record()
    expect(
      documentOf(runVideo(doc, [`${String(user)}:${String(videos[0]!.id)}`]))!.completedAt,
    ).toEqual(at)
  })

  it('skips the record of a missing video, reporting it', () => {
    const missing = new ObjectId()
    const out = runVideo(record({ video: missing }))
    expect(out.skip).toBe('user or video does not exist')
    expect(out.refs).toEqual([{ field: 'video', db: 'sanora', collection: 'videos', id: missing }])
  })
})

describe('sanoraCourseProgress.transform', () => {
  const run = (doc: LegacyDoc, videoRecords: Map<string, boolean>) =>
    sanoraCourseProgress.transform(doc, ctx, {
      users: new Set([String(user)]),
      courses: new Set([String(courseId)]),
      videos: new Map([[String(courseId), videos]]),
      videoRecords,
    }) as Transformed

  it('adds a complete record for a listed video without one, and checks the stored percent', () => {
    const doc: LegacyDoc = {
      _id: new ObjectId(),
      user,
      course: courseId,
      completedVideos: [videos[0]!.id, videos[3]!.id],
      progress: 25,
      lastAccessedAt: at,
      __v: 0,
    }
    const records = new Map([
      [`${String(user)}:${String(videos[0]!.id)}`, true],
      [`${String(user)}:${String(videos[1]!.id)}`, true],
    ])
    const out = run(doc, records)
    expect(out.outputs).toHaveLength(1)
    expect(documentOf(out)).toMatchObject({
      courseId,
      userId: user,
      videoId: videos[3]!.id,
      watchedSeconds: 600,
      completedAt: at,
    })
    expect(out.notes).toEqual([
      {
        kind: 'counter course progress percent: old value differs, recomputed one imported',
        detail: { id: String(doc._id), old: 25, recomputed: 75 },
      },
    ])
    // The same id on every run.
    expect(documentOf(run(doc, records))!._id).toEqual(documentOf(out)!._id)
  })
})
