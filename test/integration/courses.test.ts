// Courses over REST: CRUD by the owning university, the public listing, enrollment, and who may
// do what (students, other universities, anonymous callers).
import { ObjectId } from 'mongodb'
import { describe, expect, it } from 'vitest'
import {
  addVideo,
  createCourse,
  enrolledStudent,
  insertMedia,
  university,
} from '../harness/courses'
import { api } from '../harness/http'
import { signUpUser, testDb } from '../harness/users'

const ids = (list: { id: string }[]) => list.map((c) => c.id)

describe('course CRUD', () => {
  it('creates, reads, edits and lists a course; drafts stay with their university', async () => {
    const uni = await university()
    const thumb = await insertMedia(uni.id, 'course-thumbnail')
    const draft = await createCourse(uni, {
      title: 'Draft course',
      description: 'Soon',
      thumbnailMediaId: thumb,
      published: false,
      enrollment: 'invite-only',
    })
    expect(draft).toMatchObject({
      title: 'Draft course',
      description: 'Soon',
      thumbnailMediaId: thumb,
      enrollment: 'invite-only',
      published: false,
      ratingCount: 0,
      ratingAverage: null,
    })
    expect((await api(`/api/courses/${draft.id}`)).status).toBe(404)
    const stranger = await signUpUser()
    expect((await api(`/api/courses/${draft.id}`, { token: stranger.accessToken })).status).toBe(
      404,
    )
    const own = await api(`/api/courses/${draft.id}`, { token: uni.accessToken })
    expect(own.status).toBe(200)
    expect(own.body.course.owner).toBe(true)

    const publicList = await api('/api/courses?limit=100')
    expect(ids(publicList.body.courses)).not.toContain(draft.id)
    const mine = await api('/api/courses?mine=true', { token: uni.accessToken })
    expect(ids(mine.body.courses)).toEqual([draft.id])

    const edited = await api(`/api/courses/${draft.id}`, {
      method: 'PUT',
      token: uni.accessToken,
      json: { published: true, title: 'Live course', description: null, thumbnailMediaId: null },
    })
    expect(edited.status).toBe(200)
    expect(edited.body.course).toMatchObject({
      title: 'Live course',
      published: true,
      description: null,
      thumbnailMediaId: null,
    })
    expect((await api(`/api/courses/${draft.id}`)).status).toBe(200)
  })

  it('lists published courses newest first with a cursor', async () => {
    const uni = await university()
    const made = []
    for (let i = 0; i < 3; i++) made.push((await createCourse(uni, { title: `C${i}` })).id)
    const first = await api('/api/courses?limit=2')
    expect(first.status).toBe(200)
    // Other tests create courses too: ours must appear newest first and in a continuous walk.
    const seen: string[] = [...ids(first.body.courses)]
    let cursor = first.body.nextCursor
    while (cursor && !made.every((id) => seen.includes(id))) {
      const next = await api(`/api/courses?limit=2&before=${cursor}`)
      seen.push(...ids(next.body.courses))
      cursor = next.body.nextCursor
    }
    // Newest first: the last made comes before the first made.
    const positions = made.map((id) => seen.indexOf(id))
    expect(positions.every((p) => p >= 0)).toBe(true)
    expect(positions[2]).toBeLessThan(positions[1]!)
    expect(positions[1]).toBeLessThan(positions[0]!)
    expect(new Set(seen).size).toBe(seen.length)
  })

  it('validates input and thumbnails', async () => {
    const uni = await university()
    const bad = await api('/api/courses', {
      method: 'POST',
      token: uni.accessToken,
      json: { title: '', enrollment: 'whenever' },
    })
    expect(bad.status).toBe(400)
    const otherUni = await university()
    const foreignThumb = await insertMedia(otherUni.id, 'course-thumbnail')
    const videoAsThumb = await insertMedia(uni.id, 'course-video')
    for (const thumbnailMediaId of [foreignThumb, videoAsThumb]) {
      const res = await api('/api/courses', {
        method: 'POST',
        token: uni.accessToken,
        json: { title: 'T', thumbnailMediaId },
      })
      expect(res.status).toBe(400)
    }
    expect((await api('/api/courses/not-an-id')).status).toBe(400)
    expect((await api(`/api/courses/${new ObjectId().toHexString()}`)).status).toBe(404)
  })
})

describe('course security', () => {
  it('lets only universities create, and only the owner edit or delete', async () => {
    const student = await signUpUser()
    const create = await api('/api/courses', {
      method: 'POST',
      token: student.accessToken,
      json: { title: 'Nope' },
    })
    expect(create.status).toBe(403)
    expect((await api('/api/courses', { method: 'POST', json: { title: 'Nope' } })).status).toBe(
      401,
    )
    expect((await api('/api/courses?mine=true', { token: student.accessToken })).status).toBe(403)
    expect((await api('/api/courses?mine=true')).status).toBe(401)

    const uni = await university()
    const other = await university()
    const course = await createCourse(uni)
    const draft = await createCourse(uni, { published: false })
    const put = (token: string, id: string) =>
      api(`/api/courses/${id}`, { method: 'PUT', token, json: { title: 'Hijacked' } })
    expect((await put(student.accessToken, course.id)).status).toBe(403)
    expect((await put(other.accessToken, course.id)).status).toBe(403)
    expect((await put(other.accessToken, draft.id)).status).toBe(404)
    const del = (token: string, id: string) =>
      api(`/api/courses/${id}`, { method: 'DELETE', token })
    expect((await del(other.accessToken, course.id)).status).toBe(403)
    expect((await del(student.accessToken, course.id)).status).toBe(403)
    expect((await api(`/api/courses/${course.id}`)).body.course.title).toBe('Intro to Testing')
    // Another university cannot attach its media to, or reorder, someone else's course.
    const media = await insertMedia(other.id)
    const add = await api(`/api/courses/${course.id}/videos`, {
      method: 'POST',
      token: other.accessToken,
      json: { mediaId: media, title: 'x' },
    })
    expect(add.status).toBe(403)
    const foreign = await api(`/api/courses/${course.id}/videos`, {
      method: 'POST',
      token: uni.accessToken,
      json: { mediaId: media, title: 'x' },
    })
    expect(foreign.status).toBe(400)
  })

  it('deletes a course with its videos, enrollments, progress and reviews', async () => {
    const uni = await university()
    const course = await createCourse(uni)
    const video = await addVideo(uni, course.id)
    const student = await enrolledStudent(course.id)
    const progress = await api(`/api/courses/${course.id}/videos/${video.id}/progress`, {
      method: 'PUT',
      token: student.accessToken,
      json: { positionSeconds: 10, watchedSeconds: 10, durationSeconds: 100 },
    })
    const review = await api(`/api/courses/${course.id}/reviews/mine`, {
      method: 'PUT',
      token: student.accessToken,
      json: { rating: 4 },
    })
    expect([progress.status, review.status]).toEqual([200, 201])
    const res = await api(`/api/courses/${course.id}`, { method: 'DELETE', token: uni.accessToken })
    expect(res.status).toBe(200)
    expect((await api(`/api/courses/${course.id}`, { token: uni.accessToken })).status).toBe(404)
    const db = await testDb()
    const courseId = new ObjectId(course.id)
    const collections = ['videos', 'enrollments', 'progress', 'reviews', 'invites']
    for (const name of collections.map((n) => `course_${n}`))
      expect(await db.collection(name).countDocuments({ courseId })).toBe(0)
    // The media file itself is still the university's.
    expect(await db.collection('media').countDocuments({ _id: new ObjectId(video.mediaId) })).toBe(
      1,
    )
  })
})

describe('enrollment', () => {
  it('enrolls once in an open course, idempotently, and leaves again', async () => {
    const uni = await university()
    const course = await createCourse(uni)
    const student = await signUpUser()
    const enroll = () =>
      api(`/api/courses/${course.id}/enroll`, { method: 'POST', token: student.accessToken })
    const results = await Promise.all([enroll(), enroll(), enroll()])
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 201])
    const got = await api(`/api/courses/${course.id}`, { token: student.accessToken })
    expect(got.body.course).toMatchObject({ enrolled: true, enrolledCount: 1 })
    const db = await testDb()
    expect(
      await db
        .collection('course_enrollments')
        .countDocuments({ courseId: new ObjectId(course.id) }),
    ).toBe(1)
    for (let i = 0; i < 2; i++) {
      const left = await api(`/api/courses/${course.id}/enroll`, {
        method: 'DELETE',
        token: student.accessToken,
      })
      expect(left.status).toBe(200)
    }
    const after = await api(`/api/courses/${course.id}`, { token: student.accessToken })
    expect(after.body.course).toMatchObject({ enrolled: false, enrolledCount: 0 })
  })

  it('refuses closed, invite-only, draft courses, anonymous callers and the owner', async () => {
    const uni = await university()
    const student = await signUpUser()
    const enroll = (id: string, token?: string) =>
      api(`/api/courses/${id}/enroll`, { method: 'POST', ...(token ? { token } : {}) })
    const closed = await createCourse(uni, { enrollment: 'closed' })
    const invite = await createCourse(uni, { enrollment: 'invite-only' })
    const draft = await createCourse(uni, { published: false })
    const open = await createCourse(uni)
    expect((await enroll(closed.id, student.accessToken)).status).toBe(403)
    expect((await enroll(invite.id, student.accessToken)).status).toBe(403)
    expect((await enroll(draft.id, student.accessToken)).status).toBe(404)
    expect((await enroll(open.id)).status).toBe(401)
    expect((await enroll(open.id, uni.accessToken)).status).toBe(403)
  })
})

describe('course invitations', () => {
  it('lets invited, verified emails into an invite-only course, and only the owner manage invites', async () => {
    const uni = await university()
    const other = await university()
    const course = await createCourse(uni, { enrollment: 'invite-only' })
    const invitee = await signUpUser()
    const second = await signUpUser()
    const enroll = (token: string) =>
      api(`/api/courses/${course.id}/enroll`, { method: 'POST', token })
    expect((await enroll(invitee.accessToken)).status).toBe(403)

    const invite = (token: string, emails: string[]) =>
      api(`/api/courses/${course.id}/invites`, { method: 'POST', token, json: { emails } })
    expect((await invite(other.accessToken, [invitee.email])).status).toBe(403)
    expect((await invite(invitee.accessToken, [invitee.email])).status).toBe(403)
    expect((await invite(uni.accessToken, ['not-an-email'])).status).toBe(400)
    const sent = await invite(uni.accessToken, [invitee.email.toUpperCase(), second.email])
    expect(sent.status).toBe(200)
    expect(sent.body.invites).toHaveLength(2)
    // Inviting again does not duplicate.
    expect((await invite(uni.accessToken, [invitee.email])).body.invites).toHaveLength(1)

    expect((await enroll(invitee.accessToken)).status).toBe(201)
    const list = await api(`/api/courses/${course.id}/invites`, { token: uni.accessToken })
    const byEmail = Object.fromEntries(
      list.body.invites.map((i: { email: string }) => [i.email, i]),
    )
    expect(byEmail[invitee.email].acceptedAt).toBeTruthy()
    expect(byEmail[second.email].acceptedAt).toBeNull()
    expect(
      (await api(`/api/courses/${course.id}/invites`, { token: invitee.accessToken })).status,
    ).toBe(403)

    const revokeAsOther = await api(
      `/api/courses/${course.id}/invites/${byEmail[second.email].id}`,
      {
        method: 'DELETE',
        token: other.accessToken,
      },
    )
    expect(revokeAsOther.status).toBe(403)
    const revoked = await api(`/api/courses/${course.id}/invites/${byEmail[second.email].id}`, {
      method: 'DELETE',
      token: uni.accessToken,
    })
    expect(revoked.status).toBe(200)
    expect((await enroll(second.accessToken)).status).toBe(403)
  })

  it('does not honour an invitation for an unverified email', async () => {
    const uni = await university()
    const course = await createCourse(uni, { enrollment: 'invite-only' })
    const student = await signUpUser()
    await (
      await testDb()
    )
      .collection('users')
      .updateOne({ _id: new ObjectId(student.id) }, { $set: { emailVerified: false } })
    await api(`/api/courses/${course.id}/invites`, {
      method: 'POST',
      token: uni.accessToken,
      json: { emails: [student.email] },
    })
    const res = await api(`/api/courses/${course.id}/enroll`, {
      method: 'POST',
      token: student.accessToken,
    })
    expect(res.status).toBe(403)
  })
})

describe('course videos', () => {
  it('adds, lists in order, reorders and marks only ready media playable', async () => {
    const uni = await university()
    const course = await createCourse(uni)
    const a = await addVideo(uni, course.id, 'A')
    const b = await addVideo(uni, course.id, 'B')
    const processing = await insertMedia(uni.id, 'course-video', 'processing')
    const c = await api(`/api/courses/${course.id}/videos`, {
      method: 'POST',
      token: uni.accessToken,
      json: { mediaId: processing, title: 'C' },
    })
    expect(c.status).toBe(201)
    expect(c.body.video).toMatchObject({ order: 2, playable: false })
    const dup = await api(`/api/courses/${course.id}/videos`, {
      method: 'POST',
      token: uni.accessToken,
      json: { mediaId: a.mediaId, title: 'A again' },
    })
    expect(dup.status).toBe(409)

    const anon = await api(`/api/courses/${course.id}/videos`)
    expect(anon.body.videos.map((v: { title: string }) => v.title)).toEqual(['A', 'B', 'C'])
    expect(anon.body.videos.map((v: { playable: boolean }) => v.playable)).toEqual([
      true,
      true,
      false,
    ])
    // Playback URLs only for enrolled students (and the owner), only for ready media.
    expect(anon.body.videos[0].urls).toBeNull()
    const student = await enrolledStudent(course.id)
    const mine = await api(`/api/courses/${course.id}/videos`, { token: student.accessToken })
    expect(mine.body.videos[0].urls?.original).toBeTruthy()
    expect(mine.body.videos[2].urls).toBeNull()

    const order = [c.body.video.id, a.id, b.id]
    const reordered = await api(`/api/courses/${course.id}/videos/order`, {
      method: 'PUT',
      token: uni.accessToken,
      json: { videoIds: order },
    })
    expect(reordered.status).toBe(200)
    expect(reordered.body.videos.map((v: { id: string }) => v.id)).toEqual(order)
    const partial = await api(`/api/courses/${course.id}/videos/order`, {
      method: 'PUT',
      token: uni.accessToken,
      json: { videoIds: [a.id, b.id] },
    })
    expect(partial.status).toBe(400)
    const byStudent = await api(`/api/courses/${course.id}/videos/order`, {
      method: 'PUT',
      token: student.accessToken,
      json: { videoIds: order },
    })
    expect(byStudent.status).toBe(403)

    const removed = await api(`/api/courses/${course.id}/videos/${b.id}`, {
      method: 'DELETE',
      token: uni.accessToken,
    })
    expect(removed.status).toBe(200)
    const left = await api(`/api/courses/${course.id}/videos`)
    expect(left.body.videos.map((v: { title: string }) => v.title)).toEqual(['C', 'A'])
  })
})
