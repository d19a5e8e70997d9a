// Meeting folders: create, rename, trash, restore, delete, and filing meetings the caller owns;
// another user's folders and meetings are never reachable, and bad input is a 400.
import { randomUUID } from 'node:crypto'
import { ObjectId } from 'mongodb'
import { beforeAll, describe, expect, it } from 'vitest'
import { api } from '../harness/http'
import { testDb } from '../harness/users'
import { vd, videodeskUser, type VideodeskUser } from '../harness/videodesk'

let owner: VideodeskUser
let stranger: VideodeskUser

beforeAll(async () => {
  await api('/api/health')
  ;[owner, stranger] = await Promise.all([videodeskUser(), videodeskUser()])
})

/** A meeting document shaped as the meetings feature stores it. */
async function insertMeeting(of: VideodeskUser): Promise<string> {
  const userId = new ObjectId(of.id)
  const _id = new ObjectId()
  await (await testDb()).collection('meetings').insertOne({
    _id,
    meeting_id: `room-${_id.toHexString()}`,
    owner: userId,
    userId,
    created_by: userId,
    share_id: randomUUID(),
    is_deleted: false,
    is_archived: false,
    createdAt: new Date(),
  })
  return _id.toHexString()
}

async function createFolder(of: VideodeskUser, name: string, color?: string) {
  const res = await vd(of, '/folders', { method: 'POST', json: { name, color } })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body.folder.id as string
}

const names = (res: { body: { folders: { name: string }[] } }) =>
  res.body.folders.map((f) => f.name)

describe('folders', () => {
  it('creates, renames, trashes, restores and deletes folders', async () => {
    const id = await createFolder(owner, 'Damp', '#336699')
    const duplicate = await vd(owner, '/folders', { method: 'POST', json: { name: 'damp' } })
    expect(duplicate.status).toBe(409)
    const renamed = await vd(owner, `/folders/${id}`, {
      method: 'PUT',
      json: { name: 'Damp and mould' },
    })
    expect(renamed.body.folder).toMatchObject({ name: 'Damp and mould', color: '#336699' })
    expect(names(await vd(owner, '/folders'))).toContain('Damp and mould')

    expect((await vd(owner, `/folders/${id}/trash`, { method: 'PUT' })).status).toBe(200)
    expect(names(await vd(owner, '/folders'))).not.toContain('Damp and mould')
    expect(names(await vd(owner, '/folders?trashed=true'))).toContain('Damp and mould')
    // A trashed folder's name is free again, so restoring it then collides.
    const taken = await createFolder(owner, 'Damp and Mould')
    expect((await vd(owner, `/folders/${id}/restore`, { method: 'PUT' })).status).toBe(409)
    expect((await vd(owner, `/folders/${taken}`, { method: 'DELETE' })).status).toBe(200)
    const restored = await vd(owner, `/folders/${id}/restore`, { method: 'PUT' })
    expect(restored.body.folder).toMatchObject({ trashed: false, trashedAt: null })

    expect((await vd(owner, `/folders/${id}`, { method: 'DELETE' })).status).toBe(200)
    expect((await vd(owner, `/folders/${id}`, { method: 'DELETE' })).status).toBe(404)
  })

  it('refuses bad input', async () => {
    const id = await createFolder(owner, 'Bad input target')
    for (const json of [
      {},
      { name: '' },
      { name: 'x'.repeat(101) },
      { name: 'a', color: 'blue' },
    ]) {
      expect((await vd(owner, '/folders', { method: 'POST', json })).status).toBe(400)
    }
    expect((await vd(owner, `/folders/${id}`, { method: 'PUT', json: {} })).status).toBe(400)
    expect(
      (await vd(owner, '/folders/not-an-id', { method: 'PUT', json: { name: 'a' } })).status,
    ).toBe(400)
    expect((await vd(owner, '/folders?trashed=maybe')).status).toBe(400)
  })
})

describe('filing meetings', () => {
  it('files your meeting in your folder, moves and unfiles it, and unfiles on folder delete', async () => {
    const meetingId = await insertMeeting(owner)
    const first = await createFolder(owner, 'Inspections')
    const second = await createFolder(owner, 'Repairs')
    const assign = (folderId: string | null) =>
      vd(owner, '/folders/assign-meeting', { method: 'POST', json: { meetingId, folderId } })

    expect((await assign(first)).status).toBe(200)
    expect((await vd(owner, '/folders/meeting-assignments')).body.byMeeting[meetingId]).toBe(first)
    expect((await assign(second)).status).toBe(200)
    const moved = await vd(owner, '/folders/meeting-assignments')
    expect(moved.body.byMeeting[meetingId]).toBe(second)
    expect(moved.body.assignments.filter((a: any) => a.meetingId === meetingId)).toHaveLength(1)

    expect((await assign(null)).status).toBe(200)
    expect(
      (await vd(owner, '/folders/meeting-assignments')).body.byMeeting[meetingId],
    ).toBeUndefined()

    await assign(second)
    await vd(owner, `/folders/${second}/trash`, { method: 'PUT' })
    expect((await assign(second)).status).toBe(404)
    const deleted = await vd(owner, `/folders/${second}`, { method: 'DELETE' })
    expect(deleted.body.unfiledMeetings).toBe(1)
    expect(
      (await vd(owner, '/folders/meeting-assignments')).body.byMeeting[meetingId],
    ).toBeUndefined()
  })
})

describe('who may do what', () => {
  it("never lets another user read or change an owner's folders or file their meetings", async () => {
    const folderId = await createFolder(owner, 'Private folder')
    const meetingId = await insertMeeting(owner)
    const theirFolder = await createFolder(stranger, 'Stranger folder')
    const theirMeeting = await insertMeeting(stranger)

    expect(names(await vd(stranger, '/folders'))).not.toContain('Private folder')
    for (const [method, path, json] of [
      ['PUT', `/folders/${folderId}`, { name: 'Hijacked' }],
      ['PUT', `/folders/${folderId}/trash`, undefined],
      ['PUT', `/folders/${folderId}/restore`, undefined],
      ['DELETE', `/folders/${folderId}`, undefined],
    ] as const) {
      expect((await vd(stranger, path, { method, json })).status, `${method} ${path}`).toBe(404)
      expect((await vd(undefined, path, { method, json })).status, `${method} ${path}`).toBe(401)
    }
    // Someone else's meeting into my folder, my meeting into someone else's folder: both refused.
    const foreignMeeting = await vd(stranger, '/folders/assign-meeting', {
      method: 'POST',
      json: { meetingId, folderId: theirFolder },
    })
    expect(foreignMeeting.status).toBe(404)
    const foreignFolder = await vd(owner, '/folders/assign-meeting', {
      method: 'POST',
      json: { meetingId, folderId: theirFolder },
    })
    expect(foreignFolder.status).toBe(404)
    const unfileForeign = await vd(owner, '/folders/assign-meeting', {
      method: 'POST',
      json: { meetingId: theirMeeting, folderId: null },
    })
    expect(unfileForeign.status).toBe(404)
    expect((await vd(undefined, '/folders')).status).toBe(401)
    expect((await vd(undefined, '/folders/meeting-assignments')).status).toBe(401)
    expect(
      (await vd(stranger, '/folders/meeting-assignments')).body.byMeeting[meetingId],
    ).toBeUndefined()

    const stored = await (
      await testDb()
    )
      .collection('folders')
      .findOne({ _id: new ObjectId(folderId) })
    expect(stored).toMatchObject({ name: 'Private folder', trashed: false })
    const filings = await (
      await testDb()
    )
      .collection('meeting_folders')
      .countDocuments({ meetingId: new ObjectId(meetingId) })
    expect(filings).toBe(0)
  })
})
