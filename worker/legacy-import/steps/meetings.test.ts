// The Videodesk meeting transform, document in → writes out: owners in any of the three fields and
// remapped when merged, missing owners skipped, S3 keys kept as media records, flags and times.
import { ObjectId } from 'mongodb'
import { describe, expect, it } from 'vitest'
import type { LegacyDoc, OutputDocument, StepContext, Transformed } from '../step'
import { videodeskMeetings } from './meetings'

const ctx: StepContext = { now: new Date('2026-01-01T00:00:00Z'), refreshTtlDays: 60 }
const at = new Date('2024-05-01T10:00:00Z')
const ownerId = new ObjectId()
const sanoraId = new ObjectId()

const transform = (doc: LegacyDoc, owners = new Map([[ownerId.toHexString(), ownerId]])) =>
  videodeskMeetings.transform(doc, ctx, owners) as Transformed
const written = (out: Transformed, collection: string) =>
  out.outputs.flatMap((o) => (o.collection === collection && 'document' in o ? [o.document] : []))
const meetingOf = (out: Transformed) => written(out, 'meetings')[0] as OutputDocument

const meeting = (fields: Partial<LegacyDoc> = {}): LegacyDoc => ({
  _id: new ObjectId(),
  meeting_id: 'c0ffee00-1111-4222-8333-444455556666',
  owner: ownerId,
  name: 'Flat 2',
  post_code: 'AB1 2CD',
  recordings: [
    {
      _id: new ObjectId(),
      url: 'https://old-bucket.s3.amazonaws.com/videodesk_recordings/r1.webm',
      s3Key: 'videodesk_recordings/r1.webm',
      size: 1234,
      duration: 12,
      uploaded_by: 'tech',
      timestamp: at,
    },
  ],
  screenshots: [{ key: 'videodesk_screenshots/s1.png', size: 99 }],
  access_history: [{ accessedAt: at, visitor_name: 'Resident' }],
  customFlag: 'x',
  createdAt: at,
  updatedAt: at,
  __v: 3,
  ...fields,
})

describe('videodeskMeetings.transform', () => {
  it('keeps the id, meeting_id, fields and times; unknown fields under legacy; drops __v', () => {
    const doc = meeting()
    const m = meetingOf(transform(doc))
    expect(m).toMatchObject({
      _id: doc._id,
      meeting_id: doc.meeting_id,
      owner: ownerId,
      userId: ownerId,
      created_by: ownerId,
      name: 'Flat 2',
      post_code: 'AB1 2CD',
      is_archived: false,
      is_deleted: false,
      createdAt: at,
      updatedAt: at,
      access_history: [{ at, visitorName: 'Resident' }],
      total_access: 1,
      legacy: { customFlag: 'x' },
    })
    expect(m.__v).toBeUndefined()
    expect(m.legacy!.__v).toBeUndefined()
    expect(m.share_id).toEqual(expect.stringMatching(/^[\w-]{24}$/))
    // The same on a re-run: the content hash must not change.
    expect(meetingOf(transform(doc))).toEqual(m)
  })

  it.each(['owner', 'userId', 'created_by'])('finds the owner in `%s`', (field) => {
    const doc = meeting({ owner: undefined, [field]: ownerId.toHexString() })
    expect(meetingOf(transform(doc)).owner).toEqual(ownerId)
  })

  it('gives a merged Videodesk owner’s meeting to the Sanora account, noting the old id', () => {
    const m = meetingOf(transform(meeting(), new Map([[ownerId.toHexString(), sanoraId]])))
    expect(m).toMatchObject({ owner: sanoraId, userId: sanoraId, created_by: sanoraId })
    expect(m.legacy!.videodeskOwner).toEqual(ownerId)
  })

  it('skips a meeting whose owner does not exist and reports the reference', () => {
    const out = transform(meeting(), new Map())
    expect(out.skip).toBe('owner does not exist')
    expect(out.outputs).toEqual([])
    expect(out.refs).toEqual([
      { field: 'owner', db: 'videodesk', collection: 'users', id: ownerId },
    ])
    expect(transform(meeting({ owner: undefined })).skip).toBe('no owner')
  })

  it('keeps each S3 key, as a media record of the owner attached to the meeting', () => {
    const doc = meeting()
    const out = transform(doc)
    const m = meetingOf(out)
    const recording = (doc.recordings as { _id: ObjectId }[])[0]!
    expect(m.recordings).toEqual([
      {
        _id: recording._id,
        mediaId: recording._id,
        key: 'videodesk_recordings/r1.webm',
        contentType: 'video/webm',
        size: 1234,
        duration: 12,
        createdAt: at,
      },
    ])
    const [screenshot] = m.screenshots as { _id: ObjectId; key: string }[]
    expect(screenshot!.key).toBe('videodesk_screenshots/s1.png')
    // Derived, not random: the same on every run.
    expect((meetingOf(transform(doc)).screenshots as { _id: ObjectId }[])[0]!._id).toEqual(
      screenshot!._id,
    )
    expect(written(out, 'media')).toEqual([
      expect.objectContaining({
        _id: recording._id,
        ownerId,
        purpose: 'meeting-recording',
        key: 'videodesk_recordings/r1.webm',
        status: 'ready',
        attachedTo: { type: 'meeting', id: doc._id },
        legacy: { url: expect.any(String), uploaded_by: 'tech' },
      }),
      expect.objectContaining({
        _id: screenshot!._id,
        purpose: 'meeting-screenshot',
        contentType: 'image/png',
      }),
    ])
  })

  it('keeps media without an S3 key under legacy, and says so', () => {
    const out = transform(meeting({ screenshots: [{ url: 'https://x/y.png' }] }))
    expect(meetingOf(out).screenshots).toEqual([])
    expect(meetingOf(out).legacy!.mediaWithoutKey).toEqual([{ url: 'https://x/y.png' }])
    expect(out.notes).toContainEqual(
      expect.objectContaining({ kind: 'media without an S3 key (kept under legacy)' }),
    )
  })

  it('keeps trash and archive flags with their times; a trashed one without a time counts from its last change', () => {
    const deletedAt = new Date('2024-06-01T00:00:00Z')
    expect(
      meetingOf(transform(meeting({ is_deleted: true, deleted_at: deletedAt, is_archived: true }))),
    ).toMatchObject({
      is_deleted: true,
      deleted_at: deletedAt,
      is_archived: true,
      archived_at: null,
    })
    expect(meetingOf(transform(meeting({ is_deleted: true })))).toMatchObject({
      is_deleted: true,
      deleted_at: at,
    })
  })
})
