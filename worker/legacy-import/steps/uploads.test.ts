// The Videodesk share-code upload transform: owner remapped or the upload skipped, code and files
// (by S3 key) kept, resident details and the normalised proof fields, flags and times.
import { ObjectId } from 'mongodb'
import { describe, expect, it } from 'vitest'
import type { LegacyDoc, OutputDocument, StepContext, Transformed } from '../step'
import { videodeskUploads } from './uploads'

const ctx: StepContext = { now: new Date('2026-01-01T00:00:00Z'), refreshTtlDays: 60 }
const at = new Date('2024-07-01T10:00:00Z')
const ownerId = new ObjectId()

const transform = (doc: LegacyDoc, owners = new Map([[ownerId.toHexString(), ownerId]])) =>
  videodeskUploads.transform(doc, ctx, owners) as Transformed
const uploadOf = (out: Transformed) => {
  const first = out.outputs[0]
  return (first && 'document' in first ? first.document : undefined) as OutputDocument
}

const upload = (fields: Partial<LegacyDoc> = {}): LegacyDoc => ({
  _id: new ObjectId(),
  userId: ownerId,
  accessCode: 'ab12-cd34',
  first_name: 'Rita',
  last_name: 'Resident',
  house_name_number: ' 12  Leak Lane ',
  post_code: 'ab1 2cd',
  email: 'Rita@Example.test',
  images: [{ _id: new ObjectId(), s3Key: 'upload_images/x.jpg', size: 10, mimeType: 'image/jpeg' }],
  videos: [{ key: 'upload_videos/y.webm', size: 20 }],
  accessCount: 2,
  isDeleted: true,
  deletedAt: at,
  notificationSent: true,
  formVersion: 3,
  createdAt: at,
  updatedAt: at,
  __v: 1,
  ...fields,
})

describe('videodeskUploads.transform', () => {
  it('keeps id, code, resident, files by key, counters and flags; unknown fields under legacy', () => {
    const doc = upload()
    const out = transform(doc)
    const u = uploadOf(out)
    expect(u).toMatchObject({
      _id: doc._id,
      ownerId,
      accessCode: 'AB12CD34',
      resident: {
        name: 'Rita Resident',
        house: '12  Leak Lane',
        postcode: 'ab1 2cd',
        email: 'rita@example.test',
      },
      match: { house: '12 leak lane', postcode: 'AB12CD' },
      images: [{ kind: 'image', key: 'upload_images/x.jpg', contentType: 'image/jpeg', size: 10 }],
      videos: [{ kind: 'video', key: 'upload_videos/y.webm', contentType: 'video/webm' }],
      status: 'received',
      accessCount: 2,
      deleted: true,
      deletedAt: at,
      notificationSent: true,
      legacy: { formVersion: 3 },
    })
    expect(u.legacy!.__v).toBeUndefined()
    expect(uploadOf(transform(doc))).toEqual(u)
    expect(out.notes).toContainEqual(
      expect.objectContaining({ kind: expect.stringContaining('access code in an old format') }),
    )
  })

  it('skips an upload of no existing user and reports the reference', () => {
    const out = transform(upload(), new Map())
    expect(out).toMatchObject({ skip: 'owner does not exist', outputs: [] })
    expect(out.refs).toEqual([
      { field: 'owner', db: 'videodesk', collection: 'users', id: ownerId },
    ])
  })

  it('gives a merged owner’s upload to the Sanora account', () => {
    const sanoraId = new ObjectId()
    const u = uploadOf(transform(upload(), new Map([[ownerId.toHexString(), sanoraId]])))
    expect(u.ownerId).toEqual(sanoraId)
    expect(u.legacy!.videodeskOwner).toEqual(ownerId)
  })
})
