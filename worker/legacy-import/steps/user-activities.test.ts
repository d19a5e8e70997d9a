// The activity transform: old action names mapped to ours, anything else skipped by kind.
import { ObjectId } from 'mongodb'
import { describe, expect, it } from 'vitest'
import type { LegacyDoc, StepContext, Transformed } from '../step'
import { activityType, sanoraUserActivities } from './user-activities'

const ctx: StepContext = { now: new Date('2026-01-01T00:00:00Z'), refreshTtlDays: 60 }
const at = new Date('2024-03-01T10:00:00Z')
const run = (doc: LegacyDoc) => sanoraUserActivities.transform(doc, ctx, undefined) as Transformed

describe('sanoraUserActivities.transform', () => {
  it('maps the old action names', () => {
    expect(activityType('Video_Complete')).toBe('video-completed')
    expect(activityType('enroll')).toBe('enrolled')
    expect(activityType('question answered')).toBe('checkpoint-answered')
    expect(activityType('login')).toBeUndefined()
  })

  it('keeps the id, user, course, video and time', () => {
    const doc: LegacyDoc = {
      _id: new ObjectId(),
      user: new ObjectId(),
      course: new ObjectId(),
      video: new ObjectId(),
      action: 'video_watch',
      watchedSeconds: 30,
      timestamp: at,
      device: 'ios',
      __v: 0,
    }
    expect(run(doc).outputs[0]).toMatchObject({
      collection: 'user_activity',
      document: {
        _id: doc._id,
        userId: doc.user,
        courseId: doc.course,
        videoId: doc.video,
        type: 'video-progress',
        watchedSeconds: 30,
        at,
        legacy: { device: 'ios' },
      },
    })
  })

  it('skips an activity of another kind, counting it by kind', () => {
    const out = run({ _id: new ObjectId(), user: new ObjectId(), type: 'login', __v: 0 })
    expect(out.skip).toBe('not a course activity here')
    expect(out.notes).toEqual([{ kind: 'activity kind not carried', detail: { kind: 'login' } }])
  })
})
