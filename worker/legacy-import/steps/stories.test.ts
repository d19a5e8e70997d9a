// The story transform: expiry kept (an expired story stays expired, without media to purge),
// viewers once each, and stories older than our TTL not imported.
import { ObjectId } from 'mongodb'
import { describe, expect, it } from 'vitest'
import type { Fields, LegacyDoc, StepContext } from '../step'
import { transformStory } from './stories'

const now = new Date('2026-01-10T12:00:00Z')
const ctx: StepContext = { now, refreshTtlDays: 60 }
const hour = 3_600_000
const author = new ObjectId()
const story = (createdAt: Date, fields: Partial<LegacyDoc> = {}): LegacyDoc => ({
  _id: new ObjectId(),
  user: author,
  media: 'https://old.s3.amazonaws.com/stories/s.mp4',
  mediaType: 'video',
  createdAt,
  ...fields,
})
const outputsOf = (doc: LegacyDoc, collection: string) =>
  transformStory(doc, ctx).outputs.flatMap((o) =>
    o.collection === collection && 'document' in o ? [o.document as Fields] : [],
  )

describe('sanora stories', () => {
  it('keeps an active story with its media and each viewer once', () => {
    const viewer = new ObjectId()
    const doc = story(new Date(now.getTime() - hour), {
      viewers: [viewer, { user: viewer, viewedAt: now }, author],
    })
    expect(outputsOf(doc, 'stories')[0]).toMatchObject({
      expiresAt: new Date(now.getTime() + 23 * hour),
      mediaPurged: false,
      viewsCount: 1,
    })
    expect(outputsOf(doc, 'media')[0]).toMatchObject({ kind: 'video', key: 'stories/s.mp4' })
    expect(outputsOf(doc, 'story_views')).toMatchObject([{ storyId: doc._id, viewerId: viewer }])
  })

  it('keeps an expired story expired, with no media record for the sweep to delete', () => {
    const doc = story(new Date(now.getTime() - 30 * hour), { viewers: [new ObjectId()] })
    expect(outputsOf(doc, 'stories')[0]).toMatchObject({
      expiresAt: new Date(now.getTime() - 6 * hour),
      mediaPurged: true,
    })
    expect(outputsOf(doc, 'media')).toEqual([])
    expect(outputsOf(doc, 'story_views')).toEqual([])
  })

  it('does not import a story our TTL would already have removed', () => {
    expect(transformStory(story(new Date('2024-01-01')), ctx).skip).toBe(
      'expired before our stories are kept',
    )
  })
})
