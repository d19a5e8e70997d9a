// The folders transform, document in → writes out: folders kept (trash included), names made
// unique among live ones, and only the meetings the user owns filed.
import { ObjectId } from 'mongodb'
import { describe, expect, it } from 'vitest'
import type { LegacyDoc, StepContext, Transformed } from '../step'
import { videodeskMeetingFolders } from './meeting-folders'

const ctx: StepContext = { now: new Date('2026-01-01T00:00:00Z'), refreshTtlDays: 60 }
const at = new Date('2024-03-01T10:00:00Z')
const user = (fields: Partial<LegacyDoc> = {}): LegacyDoc => ({
  _id: new ObjectId(),
  email: 'desk@example.test',
  createdAt: at,
  updatedAt: at,
  __v: 0,
  ...fields,
})

function transform(
  doc: LegacyDoc,
  opts: { mergedInto?: ObjectId; meetings?: [ObjectId, ObjectId?][] } = {},
) {
  const owners = new Map([[doc._id.toHexString(), opts.mergedInto ?? doc._id]])
  const meetingOwner = new Map(
    (opts.meetings ?? []).map(([m, owner]) => [String(m), (owner ?? doc._id).toHexString()]),
  )
  return videodeskMeetingFolders.transform(doc, ctx, { owners, meetingOwner }) as Transformed
}
const documents = (out: Transformed, collection: string) =>
  out.outputs.flatMap((o) => (o.collection === collection && 'document' in o ? [o.document] : []))

describe('videodeskMeetingFolders.transform', () => {
  it('keeps each folder with its id, trash state and owner (the merged account when merged)', () => {
    const jobs = new ObjectId()
    const old = new ObjectId()
    const sanora = new ObjectId()
    const doc = user({
      folders: [
        { _id: jobs, name: 'Jobs', color: '#ff0000', createdAt: at },
        { _id: old, name: 'Old', isDeleted: true, deletedAt: at, extra: 1 },
      ],
    })
    const out = transform(doc, { mergedInto: sanora })
    expect(documents(out, 'folders')).toEqual([
      expect.objectContaining({
        _id: jobs,
        ownerId: sanora,
        name: 'Jobs',
        nameKey: 'jobs',
        color: '#ff0000',
        trashed: false,
      }),
      expect.objectContaining({
        _id: old,
        trashed: true,
        trashedAt: at,
        legacy: { extra: 1 },
      }),
    ])
  })

  it('renames a second live folder of the same name (any case), never a trashed one', () => {
    const out = transform(
      user({ folders: [{ name: 'Jobs' }, { name: 'jobs' }, { name: 'JOBS', trashed: true }] }),
    )
    expect(documents(out, 'folders').map((f) => [f.name, f.trashed])).toEqual([
      ['Jobs', false],
      ['jobs (2)', false],
      ['JOBS', true],
    ])
    expect(out.notes).toContainEqual(
      expect.objectContaining({ kind: 'folder renamed (same name twice)' }),
    )
  })

  it("files only the user's own existing meetings in the user's own folders", () => {
    const folder = new ObjectId()
    const mine = new ObjectId()
    const theirs = new ObjectId()
    const gone = new ObjectId()
    const elsewhere = new ObjectId()
    const doc = user({
      folders: [{ _id: folder, name: 'Jobs' }],
      meetingFolders: [
        { meetingId: mine, folderId: folder },
        { meeting: theirs, folder },
        { meetingId: gone, folderId: folder },
        { meetingId: mine, folderId: new ObjectId() },
        { meetingId: elsewhere, folderId: new ObjectId() },
      ],
    })
    const out = transform(doc, { meetings: [[mine], [theirs, new ObjectId()], [elsewhere]] })
    // `mine` is listed twice: the later entry names an unknown folder, so it is not filed.
    expect(documents(out, 'meeting_folders')).toEqual([])
    const again = transform(
      user({
        _id: doc._id,
        folders: [{ _id: folder, name: 'Jobs' }],
        meetingFolders: {
          [String(mine)]: folder,
          [String(theirs)]: folder,
          [String(gone)]: folder,
        },
      }),
      { meetings: [[mine], [theirs, new ObjectId()]] },
    )
    expect(documents(again, 'meeting_folders')).toEqual([
      expect.objectContaining({ ownerId: doc._id, meetingId: mine, folderId: folder }),
    ])
    expect(again.refs).toEqual([
      { field: 'meetingFolders', db: 'videodesk', collection: 'meetings', id: gone },
    ])
    expect(again.notes).toContainEqual(
      expect.objectContaining({ kind: 'meeting filed by a user who does not own it (not filed)' }),
    )
  })

  it('gives a filing the same id on every run, and skips a user without folders', () => {
    const folder = new ObjectId()
    const meeting = new ObjectId()
    const doc = user({
      folders: [{ _id: folder, name: 'A' }],
      meetingFolders: [{ meetingId: meeting, folderId: folder }],
    })
    const ids = [1, 2].map(
      () => documents(transform(doc, { meetings: [[meeting]] }), 'meeting_folders')[0]!._id,
    )
    expect(ids[0]).toEqual(ids[1])
    expect(transform(user()).skip).toBe('no folders')
  })
})
