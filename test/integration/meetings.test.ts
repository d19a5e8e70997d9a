// The meetings API (/api/v1/meetings) as the Videodesk web client uses it (cookie session): saving
// meetings with uploaded recordings and screenshots, lists, search, archive, trash, permanent
// deletion with the stored files, notes, public share links, and the trash cron. Nobody but the
// owner can read or change a meeting.
import { ObjectId } from 'mongodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api } from '../harness/http'
import { adminSocket, join, newRoomId, uploadMeetingMedia } from '../harness/meetings'
import { videodeskUser, type VideodeskUser } from '../harness/videodesk'
import { testDb } from '../harness/users'
import type { TestSocket } from '../harness/ws'

let owner: VideodeskUser
let other: VideodeskUser

beforeAll(async () => {
  await api('/api/health')
  ;[owner, other] = await Promise.all([videodeskUser('Olive Owner'), videodeskUser()])
})

async function createMeeting(user: VideodeskUser, body: Record<string, unknown> = {}) {
  const res = await user.call('/api/v1/meetings/create', {
    method: 'POST',
    json: { meeting_id: newRoomId(), name: 'Rita Resident', ...body },
  })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body.meeting
}

const objectStatus = async (url: string) => (await fetch(url)).status

describe('saving a meeting with media', () => {
  let socket: TestSocket | undefined
  afterAll(() => socket?.close())

  it('creates a meeting from uploaded files, then adds media to it and tells the room admin', async () => {
    const meetingId = newRoomId()
    socket = await adminSocket(owner, meetingId)
    await join(socket)
    const [recording, screenshot, later] = await Promise.all([
      uploadMeetingMedia(owner, 'recording'),
      uploadMeetingMedia(owner, 'screenshot'),
      uploadMeetingMedia(owner, 'screenshot'),
    ])
    const created = await owner.call('/api/v1/meetings/create', {
      method: 'POST',
      json: {
        meeting_id: meetingId,
        name: 'Rita Resident',
        address: '1 Leak Lane',
        post_code: 'AB1 2CD',
        reference: 'REF-100',
        notes: 'Damp in the hallway',
        recordings: [{ media_id: recording.id, duration: 42 }],
        screenshots: [{ media_id: screenshot.id, label: 'ceiling' }],
      },
    })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    const meeting = created.body.meeting
    expect(meeting).toMatchObject({
      meeting_id: meetingId,
      owner: owner.id,
      userId: owner.id,
      created_by: owner.id,
      name: 'Rita Resident',
      is_archived: false,
      is_deleted: false,
      recordings: [{ media_id: recording.id, duration: 42, content_type: 'video/webm' }],
      screenshots: [{ media_id: screenshot.id, label: 'ceiling', content_type: 'image/png' }],
    })
    expect(await objectStatus(meeting.recordings[0].url)).toBe(200)
    expect(await objectStatus(meeting.screenshots[0].url)).toBe(200)
    expect(await socket.next((m) => m.type === 'meeting-data-available')).toEqual({
      type: 'meeting-data-available',
      meetingId,
      recordings: 1,
      screenshots: 1,
    })

    // Same meeting_id again: only the new media is added; the details stay as they were.
    const added = await owner.call('/api/v1/meetings/create', {
      method: 'POST',
      json: { meeting_id: meetingId, name: 'Ignored', screenshots: [{ media_id: later.id }] },
    })
    expect(added.status).toBe(200)
    expect(added.body.meeting).toMatchObject({ _id: meeting._id, name: 'Rita Resident' })
    expect(added.body.meeting.screenshots.map((s: any) => s.media_id)).toEqual([
      screenshot.id,
      later.id,
    ])
    expect(await socket.next((m) => m.type === 'meeting-data-available')).toMatchObject({
      screenshots: 2,
    })

    const byMeetingId = await owner.call(`/api/v1/meetings/by-meeting-id/${meetingId}`)
    expect(byMeetingId.body.meeting._id).toBe(meeting._id)
    expect(
      (await owner.call(`/api/v1/meetings/${meeting._id}`)).body.meeting.recordings,
    ).toHaveLength(1)
  })

  it('refuses media that is not the caller’s completed upload of the right kind, attaching none', async () => {
    const [mine, pending, otherUsers, used] = await Promise.all([
      uploadMeetingMedia(owner, 'screenshot'),
      uploadMeetingMedia(owner, 'screenshot', { complete: false }),
      uploadMeetingMedia(other, 'screenshot'),
      uploadMeetingMedia(owner, 'screenshot'),
    ])
    await createMeeting(owner, { screenshots: [{ media_id: used.id }] })
    const refused = [
      { screenshots: [{ media_id: mine.id }, { media_id: pending.id }] },
      { screenshots: [{ media_id: mine.id }, { media_id: otherUsers.id }] },
      { screenshots: [{ media_id: mine.id }, { media_id: used.id }] },
      { recordings: [{ media_id: mine.id }] },
      { screenshots: [{ media_id: new ObjectId().toHexString() }] },
    ]
    for (const body of refused) {
      const res = await owner.call('/api/v1/meetings/create', {
        method: 'POST',
        json: { meeting_id: newRoomId(), ...body },
      })
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body).toMatchObject({ success: false, code: 'BAD_REQUEST' })
    }
    // `mine` was claimed and released each time: it can still be used.
    const ok = await createMeeting(owner, { screenshots: [{ media_id: mine.id }] })
    expect(ok.screenshots[0].media_id).toBe(mine.id)
  })

  it('validates the body, needs a session, and keeps meeting ids to their owner', async () => {
    const bad = [
      { meeting_id: 'no spaces allowed' },
      { name: 42 },
      { unknown: true },
      { screenshots: [{ media_id: 'nope' }] },
      { screenshots: [{ media_id: 'a'.repeat(24) }, { media_id: 'a'.repeat(24) }] },
      { recordings: [{ media_id: 'a'.repeat(24), duration: -1 }] },
    ]
    for (const json of bad) {
      const res = await owner.call('/api/v1/meetings/create', { method: 'POST', json })
      expect(res.status, JSON.stringify(json)).toBe(400)
      expect(res.body.code).toBe('VALIDATION_ERROR')
    }
    expect(
      (await api('/api/v1/meetings/create', { method: 'POST', json: { name: 'x' } })).status,
    ).toBe(401)
    const theirs = await createMeeting(other)
    const taken = await owner.call('/api/v1/meetings/create', {
      method: 'POST',
      json: { meeting_id: theirs.meeting_id, name: 'Mine now?' },
    })
    expect(taken.status).toBe(409)
    expect((await other.call(`/api/v1/meetings/${theirs._id}`)).body.meeting.name).toBe(
      'Rita Resident',
    )
  })
})

describe('lists, archive and trash', () => {
  it('moves a meeting between active, archived and trash, with matching lists and counts', async () => {
    const user = await videodeskUser()
    const [a, b, c] = [
      await createMeeting(user),
      await createMeeting(user),
      await createMeeting(user),
    ]
    const ids = async (query = '') =>
      (await user.call(`/api/v1/meetings/all${query}`)).body.meetings.map((m: any) => m._id)
    expect(await ids()).toEqual([c._id, b._id, a._id])

    expect((await user.call(`/api/v1/meetings/${a._id}/archive`, { method: 'PUT' })).status).toBe(
      200,
    )
    expect((await user.call(`/api/v1/meetings/${b._id}`, { method: 'DELETE' })).status).toBe(200)
    expect(await ids()).toEqual([c._id])
    expect(await ids('?archived=true')).toEqual([a._id])
    expect(await ids('?deleted=true')).toEqual([b._id])
    expect(await ids('?deleted')).toEqual([b._id])
    expect(await ids('?archived=false')).toEqual([c._id])
    const counts = await user.call('/api/v1/meetings/archived-count')
    expect(counts.body).toMatchObject({
      success: true,
      archived: 1,
      active: 1,
      deleted: 1,
      total: 3,
    })

    // Trash rules: deleting twice or restoring a meeting not in the trash is a conflict.
    expect((await user.call(`/api/v1/meetings/${b._id}`, { method: 'DELETE' })).status).toBe(409)
    expect((await user.call(`/api/v1/meetings/restore/${c._id}`, { method: 'PUT' })).status).toBe(
      409,
    )
    expect((await user.call(`/api/v1/meetings/${b._id}/archive`, { method: 'PUT' })).status).toBe(
      409,
    )
    const restored = await user.call(`/api/v1/meetings/restore/${b._id}`, { method: 'PUT' })
    expect(restored.body.meeting).toMatchObject({ is_deleted: false, deleted_at: null })
    expect((await user.call(`/api/v1/meetings/${a._id}/unarchive`, { method: 'PUT' })).status).toBe(
      200,
    )
    expect(await ids()).toEqual([c._id, b._id, a._id])

    const page = await user.call('/api/v1/meetings/all?limit=2&page=2')
    expect(page.body.meetings.map((m: any) => m._id)).toEqual([a._id])
    expect(page.body.pagination).toEqual({ page: 2, limit: 2, total: 3, pages: 2 })
    for (const q of ['?archived=maybe', '?limit=0', '?page=-1'])
      expect((await user.call(`/api/v1/meetings/all${q}`)).status).toBe(400)
  })

  it('edits details and refuses bad edits', async () => {
    const m = await createMeeting(owner)
    const put = await owner.call(`/api/v1/meetings/${m._id}`, {
      method: 'PUT',
      json: { reference: 'REF-9', post_code: 'ZZ9 9ZZ' },
    })
    expect(put.status).toBe(200)
    expect(put.body.meeting).toMatchObject({ reference: 'REF-9', post_code: 'ZZ9 9ZZ' })
    for (const json of [{}, { owner: other.id }, { is_deleted: true }, { email: 'nope' }])
      expect((await owner.call(`/api/v1/meetings/${m._id}`, { method: 'PUT', json })).status).toBe(
        400,
      )
    expect((await owner.call('/api/v1/meetings/not-an-id')).status).toBe(400)
    expect((await owner.call(`/api/v1/meetings/${new ObjectId().toHexString()}`)).status).toBe(404)
  })
})

describe('search', () => {
  it('finds by name, address, reference, notes, date range and state, only among your meetings', async () => {
    const user = await videodeskUser()
    const leak = await createMeeting(user, {
      name: 'Harriet Smith',
      address: '12 Brook Street',
      post_code: 'LS1 4AB',
      reference: 'JOB-(77)',
      notes: 'Mould behind wardrobe',
    })
    const roof = await createMeeting(user, {
      name: 'Tom Jones',
      address: '3 Hill Road',
      notes: 'Roof tile',
    })
    await createMeeting(other, { name: 'Harriet Smith' })
    await user.call(`/api/v1/meetings/${roof._id}/archive`, { method: 'PUT' })
    const search = async (json: Record<string, unknown>) => {
      const res = await user.call('/api/v1/meetings/search', { method: 'POST', json })
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      return res.body.meetings.map((m: any) => m._id)
    }
    expect(await search({ name: 'harriet' })).toEqual([leak._id])
    expect(await search({ address: 'ls1 4' })).toEqual([leak._id])
    expect(await search({ reference: 'JOB-(77)' })).toEqual([leak._id])
    expect(await search({ notes: 'roof' })).toEqual([roof._id])
    expect(await search({ query: 'o' })).toEqual([roof._id, leak._id])
    expect(await search({ query: 'o', archived: true })).toEqual([roof._id])
    expect(await search({ query: 'o', archived: false })).toEqual([leak._id])
    expect(await search({ query: 'o', deleted: true })).toEqual([])
    expect(await search({ name: '.*' })).toEqual([])
    const today = new Date().toISOString().slice(0, 10)
    expect(await search({ date_from: today, date_to: today })).toEqual([roof._id, leak._id])
    expect(await search({ date_to: '2000-01-01' })).toEqual([])
    for (const json of [
      { date_from: '2030-01-02', date_to: '2030-01-01' },
      { name: { $ne: null } },
      { archived: 'yes' },
      { date_from: 'yesterday' },
    ])
      expect((await user.call('/api/v1/meetings/search', { method: 'POST', json })).status).toBe(
        400,
      )
  })
})

describe('deleting media and meetings', () => {
  it('deletes one recording or screenshot with its stored file', async () => {
    const [rec, shot] = await Promise.all([
      uploadMeetingMedia(owner, 'recording'),
      uploadMeetingMedia(owner, 'screenshot'),
    ])
    const m = await createMeeting(owner, {
      recordings: [{ media_id: rec.id }],
      screenshots: [{ media_id: shot.id }],
    })
    const recUrl = m.recordings[0].url
    const shotUrl = m.screenshots[0].url
    // Not through the generic media route: the meeting would keep pointing at a deleted file.
    const direct = await owner.call(`/api/media/${rec.id}`, { method: 'DELETE' })
    expect(direct.status).toBe(409)
    expect(await objectStatus(recUrl)).toBe(200)
    expect(
      (
        await other.call(`/api/v1/meetings/${m._id}/recordings/${m.recordings[0]._id}`, {
          method: 'DELETE',
        })
      ).status,
    ).toBe(404)
    expect(await objectStatus(recUrl)).toBe(200)
    const gone = await owner.call(`/api/v1/meetings/${m._id}/recordings/${m.recordings[0]._id}`, {
      method: 'DELETE',
    })
    expect(gone.status).toBe(200)
    expect(await objectStatus(recUrl)).toBe(404)
    expect(
      (
        await owner.call(`/api/v1/meetings/${m._id}/recordings/${m.recordings[0]._id}`, {
          method: 'DELETE',
        })
      ).status,
    ).toBe(404)
    expect(
      (
        await owner.call(`/api/v1/meetings/${m._id}/screenshots/${m.screenshots[0]._id}`, {
          method: 'DELETE',
        })
      ).status,
    ).toBe(200)
    expect(await objectStatus(shotUrl)).toBe(404)
    const after = (await owner.call(`/api/v1/meetings/${m._id}`)).body.meeting
    expect(after.recordings).toEqual([])
    expect(after.screenshots).toEqual([])
    expect(
      await (await testDb()).collection('media').countDocuments({ _id: new ObjectId(rec.id) }),
    ).toBe(0)
  })

  it('deletes a meeting for good with every stored file', async () => {
    const [rec, shot] = await Promise.all([
      uploadMeetingMedia(owner, 'recording'),
      uploadMeetingMedia(owner, 'screenshot'),
    ])
    const m = await createMeeting(owner, {
      recordings: [{ media_id: rec.id }],
      screenshots: [{ media_id: shot.id }],
    })
    expect(
      (await other.call(`/api/v1/meetings/permanent/${m._id}`, { method: 'DELETE' })).status,
    ).toBe(404)
    const res = await owner.call(`/api/v1/meetings/permanent/${m._id}`, { method: 'DELETE' })
    expect(res.status).toBe(200)
    expect(await objectStatus(m.recordings[0].url)).toBe(404)
    expect(await objectStatus(m.screenshots[0].url)).toBe(404)
    expect((await owner.call(`/api/v1/meetings/${m._id}`)).status).toBe(404)
    expect(
      await (
        await testDb()
      )
        .collection('media')
        .countDocuments({ _id: { $in: [new ObjectId(rec.id), new ObjectId(shot.id)] } }),
    ).toBe(0)
  })
})

describe("another account's meetings", () => {
  it('are neither readable nor changeable by anyone else, and need a session', async () => {
    const m = await createMeeting(owner, { notes: 'private' })
    const calls: [string, string, unknown?][] = [
      ['GET', `/api/v1/meetings/${m._id}`],
      ['PUT', `/api/v1/meetings/${m._id}`, { name: 'Hacked' }],
      ['DELETE', `/api/v1/meetings/${m._id}`],
      ['PUT', `/api/v1/meetings/${m._id}/archive`],
      ['PUT', `/api/v1/meetings/${m._id}/unarchive`],
      ['PUT', `/api/v1/meetings/restore/${m._id}`],
      ['DELETE', `/api/v1/meetings/permanent/${m._id}`],
      ['GET', `/api/v1/meetings/by-meeting-id/${m.meeting_id}`],
      ['GET', `/api/v1/meetings/${m.meeting_id}/special-notes`],
      ['POST', `/api/v1/meetings/${m.meeting_id}/special-notes`, { special_notes: 'x' }],
      ['GET', `/api/v1/meetings/${m._id}/structured-special-notes`],
      ['PATCH', `/api/v1/meetings/${m.meeting_id}/structured-special-notes`, { a: 'x' }],
    ]
    for (const [method, path, json] of calls) {
      expect((await other.call(path, { method, json })).status, `${method} ${path}`).toBe(404)
      expect((await api(path, { method, json })).status, `anonymous ${method} ${path}`).toBe(401)
    }
    const lists = [
      await other.call('/api/v1/meetings/all'),
      await other.call('/api/v1/meetings/search', { method: 'POST', json: { notes: 'private' } }),
    ]
    for (const list of lists) expect(list.body.meetings.map((x: any) => x._id)).not.toContain(m._id)
    const unchanged = (await owner.call(`/api/v1/meetings/${m._id}`)).body.meeting
    expect(unchanged).toMatchObject({
      name: 'Rita Resident',
      is_deleted: false,
      is_archived: false,
    })
  })
})

describe('special notes', () => {
  it('keeps free-text notes and merges structured fields, addressed by meeting id', async () => {
    const m = await createMeeting(owner)
    const base = `/api/v1/meetings/${m.meeting_id}`
    expect((await owner.call(`${base}/special-notes`)).body.special_notes).toBe('')
    const posted = await owner.call(`${base}/special-notes`, {
      method: 'POST',
      json: { special_notes: 'Dog in garden' },
    })
    expect(posted.body).toMatchObject({ success: true, special_notes: 'Dog in garden' })
    expect((await owner.call(`/api/v1/meetings/${m._id}/special-notes`)).body.special_notes).toBe(
      'Dog in garden',
    )

    const patch = (json: unknown) =>
      owner.call(`${base}/structured-special-notes`, { method: 'PATCH', json })
    await patch({ access: 'Side gate', pets: true, floors: 2 })
    const merged = await patch({ pets: null, parking: 'Street' })
    expect(merged.body.structured_special_notes).toEqual({
      access: 'Side gate',
      floors: 2,
      parking: 'Street',
    })
    expect(
      (await owner.call(`${base}/structured-special-notes`)).body.structured_special_notes,
    ).toEqual(merged.body.structured_special_notes)
    for (const json of [{}, { $where: 'x' }, { 'a.b': 'x' }, { nested: { a: 1 } }, []])
      expect((await patch(json)).status, JSON.stringify(json)).toBe(400)
    expect(
      (await owner.call(`${base}/special-notes`, { method: 'POST', json: { special_notes: 5 } }))
        .status,
    ).toBe(400)
    expect((await owner.call(`/api/v1/meetings/${newRoomId()}/special-notes`)).status).toBe(404)
  })
})

describe('public share links', () => {
  it('shows the shared meeting without private details and logs visits', async () => {
    const shot = await uploadMeetingMedia(owner, 'screenshot')
    const m = await createMeeting(owner, {
      email: 'rita@example.test',
      phone_number: '+447700900123',
      notes: 'private notes',
      address: '5 Share Street',
      screenshots: [{ media_id: shot.id }],
    })
    const shared = await api(`/api/v1/meetings/share/${m.share_id}`)
    expect(shared.status).toBe(200)
    expect(shared.body.meeting).toMatchObject({
      meeting_id: m.meeting_id,
      address: '5 Share Street',
    })
    expect(JSON.stringify(shared.body)).not.toMatch(/rita@example|7700900123|private notes|owner/)
    expect(await objectStatus(shared.body.meeting.screenshots[0].url)).toBe(200)

    const visit = await api(`/api/v1/meetings/share/${m.share_id}/access`, {
      method: 'POST',
      json: { visitor_name: 'Contractor Carl' },
    })
    expect(visit.body).toMatchObject({ success: true, total_access: 1 })
    const seen = (await owner.call(`/api/v1/meetings/${m._id}`)).body.meeting
    expect(seen.total_access).toBe(1)
    expect(seen.access_history).toEqual([
      expect.objectContaining({ visitorName: 'Contractor Carl' }),
    ])

    for (const json of [{ visitor_email: 'nope' }, { extra: 1 }])
      expect(
        (await api(`/api/v1/meetings/share/${m.share_id}/access`, { method: 'POST', json })).status,
      ).toBe(400)
    expect((await api(`/api/v1/meetings/share/${'x'.repeat(24)}`)).status).toBe(404)
    expect((await api('/api/v1/meetings/share/short')).status).toBe(400)
    // The meeting's record id is not a share id.
    expect((await api(`/api/v1/meetings/share/${m._id}`)).status).toBe(404)
    await owner.call(`/api/v1/meetings/${m._id}`, { method: 'DELETE' })
    expect((await api(`/api/v1/meetings/share/${m.share_id}`)).status).toBe(404)
  })
})

describe('trash cron', () => {
  it('deletes meetings trashed over 10 days ago with their files, and keeps younger ones', async () => {
    const [oldShot, youngShot] = await Promise.all([
      uploadMeetingMedia(owner, 'screenshot'),
      uploadMeetingMedia(owner, 'screenshot'),
    ])
    const old = await createMeeting(owner, { screenshots: [{ media_id: oldShot.id }] })
    const young = await createMeeting(owner, { screenshots: [{ media_id: youngShot.id }] })
    for (const m of [old, young])
      expect((await owner.call(`/api/v1/meetings/${m._id}`, { method: 'DELETE' })).status).toBe(200)
    const db = await testDb()
    const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000)
    await db
      .collection('meetings')
      .updateOne({ _id: new ObjectId(old._id) }, { $set: { deleted_at: daysAgo(11) } })
    await db
      .collection('meetings')
      .updateOne({ _id: new ObjectId(young._id) }, { $set: { deleted_at: daysAgo(9) } })

    // Twice: the sweep is idempotent.
    for (let i = 0; i < 2; i++) expect((await api('/__scheduled?cron=*+*+*+*+*')).status).toBe(200)
    // The cron handler runs its sweeps in waitUntil, after answering.
    await expect
      .poll(() => db.collection('meetings').countDocuments({ _id: new ObjectId(old._id) }), {
        timeout: 10_000,
        interval: 100,
      })
      .toBe(0)
    expect(await objectStatus(old.screenshots[0].url)).toBe(404)
    expect(await db.collection('media').countDocuments({ _id: new ObjectId(oldShot.id) })).toBe(0)
    const kept = await owner.call(`/api/v1/meetings/${young._id}`)
    expect(kept.body.meeting.is_deleted).toBe(true)
    expect(await objectStatus(young.screenshots[0].url)).toBe(200)
  })
})

describe('API document', () => {
  it('lists the meeting routes under the paths the old client uses', async () => {
    const doc = await api('/api/openapi.json')
    expect(doc.status).toBe(200)
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/meetings/create',
        '/api/v1/meetings/all',
        '/api/v1/meetings/{id}',
        '/api/v1/meetings/restore/{id}',
        '/api/v1/meetings/permanent/{id}',
        '/api/v1/meetings/{meetingId}/recordings/{recordingId}',
        '/api/v1/meetings/{meetingId}/screenshots/{screenshotId}',
        '/api/v1/meetings/{meeting_id}/structured-special-notes',
        '/api/v1/meetings/share/{id}/access',
        '/api/v1/send-token',
        '/api/v1/resend-token',
        '/api/v1/room-user-info',
        '/api/v1/meeting-rooms/{roomId}/guest-ticket',
      ]),
    )
  })
})
