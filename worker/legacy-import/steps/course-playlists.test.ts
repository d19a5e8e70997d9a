// The playlist transform: a course's or a user's, its videos as items with their course.
import { ObjectId } from 'mongodb'
import { describe, expect, it } from 'vitest'
import type { LegacyDoc, StepContext, Transformed } from '../step'
import { sanoraPlaylists } from './course-playlists'

const ctx: StepContext = { now: new Date('2026-01-01T00:00:00Z'), refreshTtlDays: 60 }
const at = new Date('2024-03-01T10:00:00Z')
const courseId = new ObjectId()
const other = new ObjectId()
const [v1, v2, v3] = [new ObjectId(), new ObjectId(), new ObjectId()]
const run = (doc: LegacyDoc) =>
  sanoraPlaylists.transform(doc, ctx, {
    videos: new Map([
      [String(v1), { id: v1, courseId, durationSeconds: 1, imported: true }],
      [String(v2), { id: v2, courseId: other, durationSeconds: 1, imported: true }],
    ]),
  }) as Transformed

describe('sanoraPlaylists.transform', () => {
  it("imports a user's playlist with each video's course, reporting a missing video", () => {
    const user = new ObjectId()
    const doc: LegacyDoc = {
      _id: new ObjectId(),
      userId: user,
      name: 'Mine',
      videos: [v2, v1, v3, v1],
      createdAt: at,
      __v: 0,
    }
    const out = run(doc)
    expect(out.outputs[0]).toMatchObject({
      collection: 'playlists',
      document: {
        _id: doc._id,
        userId: user,
        title: 'Mine',
        version: 0,
        items: [
          { videoId: v2, courseId: other, addedAt: at },
          { videoId: v1, courseId, addedAt: at },
        ],
      },
    })
    expect(out.refs).toContainEqual({ field: 'videos', db: 'sanora', collection: 'videos', id: v3 })
  })

  it("keeps only the course's own videos in a course playlist", () => {
    const doc: LegacyDoc = {
      _id: new ObjectId(),
      course: courseId,
      title: 'Best',
      videos: [v1, v2],
    }
    const document = (run(doc).outputs[0] as { document: Record<string, unknown> }).document
    expect(document).toMatchObject({ courseId, items: [{ videoId: v1 }] })
    expect(document.userId).toBeUndefined()
  })
})
