// Playlists over REST: a user's own (private, made of videos they may watch) and a course's
// (managed by its university, visible with the course); adding once, removing, reordering against
// concurrent reorders, cleanup when videos or courses go, and who is refused.
import { ObjectId } from 'mongodb'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  addVideo,
  createCourse,
  enrolledStudent,
  insertMedia,
  university,
} from '../harness/courses'
import { api } from '../harness/http'
import { signUpUser, testDb, type TestUser } from '../harness/users'

const videoIdsOf = (playlist: { items: { videoId: string }[] }) =>
  playlist.items.map((i) => i.videoId)

describe('user playlists', () => {
  let uni: TestUser
  let course: { id: string }
  let lessons: { id: string }[]
  let student: TestUser

  const call = (path: string, init: Parameters<typeof api>[1] = {}, who = student) =>
    api(`/api/playlists${path}`, { token: who.accessToken, ...init })
  const create = async (title = 'Watch later', who = student) => {
    const res = await call('', { method: 'POST', json: { title } }, who)
    expect(res.status).toBe(201)
    return res.body.playlist as { id: string }
  }
  const add = (playlistId: string, videoId: string, who = student) =>
    call(`/${playlistId}/items`, { method: 'POST', json: { videoId } }, who)

  beforeAll(async () => {
    uni = await university()
    course = await createCourse(uni)
    lessons = []
    for (const title of ['One', 'Two', 'Three']) lessons.push(await addVideo(uni, course.id, title))
    student = await enrolledStudent(course.id)
  })

  it('creates, renames, fills, reorders, trims and deletes a playlist of its owner', async () => {
    const playlist = await create('Revision')
    const renamed = await call(`/${playlist.id}`, {
      method: 'PATCH',
      json: { title: 'Exam revision', description: 'Before Friday' },
    })
    expect(renamed.status).toBe(200)
    expect(renamed.body.playlist).toMatchObject({
      title: 'Exam revision',
      description: 'Before Friday',
    })

    for (const lesson of lessons) expect((await add(playlist.id, lesson.id)).status).toBe(200)
    const full = await call(`/${playlist.id}`)
    expect(full.status).toBe(200)
    expect(videoIdsOf(full.body.playlist)).toEqual(lessons.map((l) => l.id))
    expect(full.body.playlist.items[0]).toMatchObject({
      courseId: course.id,
      title: 'One',
      available: true,
      playable: true,
    })
    expect(full.body.playlist.items[0].urls).toBeTruthy()

    const wanted = [lessons[2]!.id, lessons[0]!.id, lessons[1]!.id]
    const reordered = await call(`/${playlist.id}/items/order`, {
      method: 'PUT',
      json: { videoIds: wanted },
    })
    expect(reordered.status).toBe(200)
    expect(videoIdsOf(reordered.body.playlist)).toEqual(wanted)

    const removed = await call(`/${playlist.id}/items/${lessons[0]!.id}`, { method: 'DELETE' })
    expect(removed.status).toBe(200)
    expect(videoIdsOf(removed.body.playlist)).toEqual([lessons[2]!.id, lessons[1]!.id])
    expect(
      (await call(`/${playlist.id}/items/${lessons[0]!.id}`, { method: 'DELETE' })).status,
    ).toBe(404)

    const cleared = await call(`/${playlist.id}`, { method: 'PATCH', json: { description: null } })
    expect(cleared.body.playlist.description).toBeNull()

    const listed = await call('?limit=100')
    expect(listed.body.playlists.map((p: { id: string }) => p.id)).toContain(playlist.id)
    expect((await call(`/${playlist.id}`, { method: 'DELETE' })).status).toBe(200)
    expect((await call(`/${playlist.id}`)).status).toBe(404)
  })

  it('lists a video once, refuses bad orders, and keeps every video through racing reorders', async () => {
    const playlist = await create()
    for (const lesson of lessons) await add(playlist.id, lesson.id)
    expect((await add(playlist.id, lessons[0]!.id)).status).toBe(409)

    const order = (videoIds: unknown) =>
      call(`/${playlist.id}/items/order`, { method: 'PUT', json: { videoIds } })
    const [a, b, c] = lessons.map((l) => l.id) as [string, string, string]
    expect((await order([a, b])).status).toBe(400)
    expect((await order([a, a, b])).status).toBe(400)
    expect((await order([a, b, course.id])).status).toBe(400)
    expect((await order('abc')).status).toBe(400)

    const permutations = [
      [c, b, a],
      [b, a, c],
      [a, c, b],
      [c, a, b],
      [b, c, a],
    ]
    const results = await Promise.all(permutations.map((p) => order(p)))
    const statuses = results.map((r) => r.status)
    expect(
      statuses.every((s) => s === 200 || s === 409),
      JSON.stringify(results.map((r) => [r.status, r.body])),
    ).toBe(true)
    expect(results.some((r) => r.status === 200)).toBe(true)
    const final = videoIdsOf((await call(`/${playlist.id}`)).body.playlist)
    expect([...final].sort()).toEqual([a, b, c].sort())
    expect(permutations).toContainEqual(final)
  })

  it('marks videos of a course the owner left unavailable, and drops removed videos', async () => {
    const uni2 = await university()
    const other = await createCourse(uni2)
    const kept = await addVideo(uni2, other.id, 'Kept')
    const dropped = await addVideo(uni2, other.id, 'Dropped')
    const learner = await enrolledStudent(other.id)
    const playlist = await create('Mixed', learner)
    await add(playlist.id, kept.id, learner)
    await add(playlist.id, dropped.id, learner)

    await api(`/api/courses/${other.id}/videos/${dropped.id}`, {
      method: 'DELETE',
      token: uni2.accessToken,
    })
    const afterRemoval = await call(`/${playlist.id}`, {}, learner)
    expect(videoIdsOf(afterRemoval.body.playlist)).toEqual([kept.id])

    await api(`/api/courses/${other.id}/enroll`, { method: 'DELETE', token: learner.accessToken })
    const afterLeaving = await call(`/${playlist.id}`, {}, learner)
    expect(afterLeaving.body.playlist.items[0]).toMatchObject({
      videoId: kept.id,
      available: false,
      urls: null,
    })
    // A course that is deleted leaves the playlist too.
    await api(`/api/courses/${other.id}`, { method: 'DELETE', token: uni2.accessToken })
    expect((await call(`/${playlist.id}`, {}, learner)).body.playlist.items).toEqual([])
  })

  it('shows a video still transcoding without playback URLs', async () => {
    const mediaId = await insertMedia(uni.id, 'course-video', 'processing')
    const res = await api(`/api/courses/${course.id}/videos`, {
      method: 'POST',
      token: uni.accessToken,
      json: { mediaId, title: 'Fresh' },
    })
    const playlist = await create()
    await add(playlist.id, res.body.video.id)
    const item = (await call(`/${playlist.id}`)).body.playlist.items[0]
    expect(item).toMatchObject({ title: 'Fresh', available: true, playable: false, urls: null })
  })

  it('refuses anonymous callers, other users, videos one may not watch and bad input', async () => {
    const playlist = await create()
    const stranger = await signUpUser()
    expect((await api('/api/playlists')).status).toBe(401)
    expect((await api('/api/playlists', { method: 'POST', json: { title: 'x' } })).status).toBe(401)
    // Someone else's playlist does not exist for them.
    expect((await call(`/${playlist.id}`, {}, stranger)).status).toBe(404)
    expect(
      (await call(`/${playlist.id}`, { method: 'PATCH', json: { title: 'Mine' } }, stranger))
        .status,
    ).toBe(404)
    expect((await add(playlist.id, lessons[0]!.id, stranger)).status).toBe(404)
    expect((await call(`/${playlist.id}`, { method: 'DELETE' }, stranger)).status).toBe(404)
    expect((await call(`/${playlist.id}`)).status).toBe(200)
    // A stranger's own playlist cannot hold videos of a course they are not enrolled in.
    const theirs = await create('Theirs', stranger)
    const refused = await add(theirs.id, lessons[0]!.id, stranger)
    expect(refused.status).toBe(403)
    expect((await add(playlist.id, course.id)).status).toBe(404)

    expect((await call('', { method: 'POST', json: { title: '  ' } })).status).toBe(400)
    expect((await call('', { method: 'POST', json: { title: 'x', extra: 1 } })).status).toBe(400)
    expect((await call(`/${playlist.id}`, { method: 'PATCH', json: {} })).status).toBe(400)
    expect((await call('/not-an-id')).status).toBe(400)
    expect((await add(playlist.id, 'nope')).status).toBe(400)
    const bad = await call('?limit=0')
    expect(bad.status).toBe(400)
    expect(bad.body).toMatchObject({ success: false, code: 'VALIDATION_ERROR' })
  })
})

describe('course playlists', () => {
  let uni: TestUser
  let course: { id: string }
  let lessons: { id: string }[]
  let student: TestUser

  const call = (path: string, init: Parameters<typeof api>[1] = {}, who?: TestUser) =>
    api(`/api/courses/${course.id}/playlists${path}`, {
      ...(who ? { token: who.accessToken } : {}),
      ...init,
    })

  beforeAll(async () => {
    uni = await university()
    course = await createCourse(uni)
    lessons = [await addVideo(uni, course.id, 'Intro'), await addVideo(uni, course.id, 'Deep dive')]
    student = await enrolledStudent(course.id)
  })

  it('is built by the owner and shown to everyone who can see the course', async () => {
    const created = await call('', { method: 'POST', json: { title: 'Week 1' } }, uni)
    expect(created.status).toBe(201)
    const id = created.body.playlist.id
    for (const lesson of [...lessons].reverse())
      expect(
        (await call(`/${id}/items`, { method: 'POST', json: { videoId: lesson.id } }, uni)).status,
      ).toBe(200)
    const ordered = await call(
      `/${id}/items/order`,
      { method: 'PUT', json: { videoIds: lessons.map((l) => l.id) } },
      uni,
    )
    expect(videoIdsOf(ordered.body.playlist)).toEqual(lessons.map((l) => l.id))

    const forStudent = await call('', {}, student)
    expect(forStudent.status).toBe(200)
    const mine = forStudent.body.playlists.find((p: { id: string }) => p.id === id)
    expect(mine).toMatchObject({ title: 'Week 1', courseId: course.id, itemCount: 2 })
    expect(mine.items.every((i: { urls: unknown }) => i.urls)).toBe(true)

    // Anonymous visitors of a published course see the playlist, but get no playback URLs.
    const anonymous = await call(`/${id}`)
    expect(anonymous.status).toBe(200)
    expect(anonymous.body.playlist.items.map((i: { urls: unknown }) => i.urls)).toEqual([
      null,
      null,
    ])

    const renamed = await call(`/${id}`, { method: 'PATCH', json: { title: 'Week one' } }, uni)
    expect(renamed.body.playlist.title).toBe('Week one')
    const trimmed = await call(`/${id}/items/${lessons[0]!.id}`, { method: 'DELETE' }, uni)
    expect(videoIdsOf(trimmed.body.playlist)).toEqual([lessons[1]!.id])
    expect((await call(`/${id}`, { method: 'DELETE' }, uni)).status).toBe(200)
    expect((await call(`/${id}`, {}, student)).status).toBe(404)
  })

  it('takes only videos of the course itself', async () => {
    const created = await call('', { method: 'POST', json: { title: 'Strict' } }, uni)
    const id = created.body.playlist.id
    const elsewhere = await createCourse(uni)
    const foreign = await addVideo(uni, elsewhere.id)
    const res = await call(`/${id}/items`, { method: 'POST', json: { videoId: foreign.id } }, uni)
    expect(res.status).toBe(404)
    await call(`/${id}/items`, { method: 'POST', json: { videoId: lessons[0]!.id } }, uni)
    const again = await call(
      `/${id}/items`,
      { method: 'POST', json: { videoId: lessons[0]!.id } },
      uni,
    )
    expect(again.status).toBe(409)
  })

  it('refuses students, other universities and anonymous callers, and hides drafts', async () => {
    const created = await call('', { method: 'POST', json: { title: 'Owned' } }, uni)
    const id = created.body.playlist.id
    const rival = await university()
    const add = { method: 'POST', json: { videoId: lessons[0]!.id } }
    for (const who of [student, rival]) {
      expect((await call('', { method: 'POST', json: { title: 'Mine now' } }, who)).status).toBe(
        403,
      )
      expect((await call(`/${id}`, { method: 'PATCH', json: { title: 'Mine' } }, who)).status).toBe(
        403,
      )
      expect((await call(`/${id}/items`, add, who)).status).toBe(403)
      expect((await call(`/${id}`, { method: 'DELETE' }, who)).status).toBe(403)
    }
    expect((await call('', { method: 'POST', json: { title: 'Anon' } })).status).toBe(401)
    expect((await call(`/${id}`)).status).toBe(200)

    const draft = await createCourse(uni, { published: false })
    const draftList = await api(`/api/courses/${draft.id}/playlists`)
    expect(draftList.status).toBe(404)
    expect(
      (await api(`/api/courses/${draft.id}/playlists`, { token: uni.accessToken })).status,
    ).toBe(200)
    expect((await call('', { method: 'POST', json: { title: '' } }, uni)).status).toBe(400)
    expect((await call('/123', {}, uni)).status).toBe(400)
  })

  it('goes away with its course', async () => {
    const owner = await university()
    const doomed = await createCourse(owner)
    const created = await api(`/api/courses/${doomed.id}/playlists`, {
      method: 'POST',
      token: owner.accessToken,
      json: { title: 'Soon gone' },
    })
    expect(created.status).toBe(201)
    await api(`/api/courses/${doomed.id}`, { method: 'DELETE', token: owner.accessToken })
    const left = await (
      await testDb()
    )
      .collection('playlists')
      .countDocuments({ courseId: new ObjectId(doomed.id) })
    expect(left).toBe(0)
  })
})
