// Course analytics over REST, checked number by number against a seeded data set: students who
// enrolled (and one who left) across days, progress on three videos, checkpoint answers — plus a
// second course whose data must not leak in — and who is refused.
import { ObjectId } from 'mongodb'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  addCheckpoint,
  addVideo,
  answerCheckpoint,
  createCourse,
  enrolledStudent,
  reportProgress,
  university,
} from '../harness/courses'
import { api } from '../harness/http'
import { setRole, signUpUser, testDb, type TestUser } from '../harness/users'

/** Moves a user's enrollment event for the course to another moment. */
async function redate(user: TestUser, courseId: string, type: string, iso: string) {
  const res = await (
    await testDb()
  )
    .collection('user_activity')
    .updateOne(
      { userId: new ObjectId(user.id), courseId: new ObjectId(courseId), type },
      { $set: { at: new Date(iso) } },
    )
  expect(res.modifiedCount).toBe(1)
}

describe('course analytics', () => {
  let uni: TestUser
  let course: { id: string }
  let videos: { id: string }[]
  let checkpoints: { id: string }[]
  const analytics = (who: TestUser | undefined, query = '?from=2025-03-01&to=2025-03-04') =>
    api(`/api/courses/${course.id}/analytics${query}`, who ? { token: who.accessToken } : {})

  beforeAll(async () => {
    uni = await university()
    course = await createCourse(uni)
    videos = []
    for (const title of ['V1', 'V2', 'V3']) videos.push(await addVideo(uni, course.id, title))
    const [v1, v2, v3] = videos as [{ id: string }, { id: string }, { id: string }]
    checkpoints = [
      await addCheckpoint(uni, course.id, v1.id, { correct: [1] }),
      await addCheckpoint(uni, course.id, v2.id, {
        kind: 'multiple',
        options: ['a', 'b', 'c'],
        correct: [0, 2],
      }),
      await addCheckpoint(uni, course.id, v3.id),
    ]
    const [cp1, cp2] = checkpoints as [{ id: string }, { id: string }]
    const [a, b, c, d, e] = (await Promise.all(
      Array.from({ length: 5 }, () => enrolledStudent(course.id)),
    )) as [TestUser, TestUser, TestUser, TestUser, TestUser]

    // Watching: A completes everything; B completes V2; C completes V1 of a 200 s video; D never
    // starts; E watches a bit of V1 and leaves the course (the progress stays).
    const watched: [TestUser, { id: string }, number, number][] = [
      [a, v1, 95, 100],
      [a, v2, 100, 100],
      [a, v3, 90, 100],
      [b, v1, 50, 100],
      [b, v2, 95, 100],
      [c, v1, 180, 200],
      [e, v1, 40, 100],
    ]
    for (const [who, video, seconds, duration] of watched) {
      const res = await reportProgress(who, course.id, video.id, seconds, seconds, duration)
      expect(res.status).toBe(200)
    }
    const answers: [TestUser, { id: string }, number[]][] = [
      [a, cp1, [1]],
      [b, cp1, [0]],
      [c, cp1, [1]],
      [a, cp2, [0, 2]],
      [b, cp2, [0]],
    ]
    for (const [who, point, selected] of answers)
      expect((await answerCheckpoint(who, course.id, point.id, selected)).status).toBe(201)
    await api(`/api/courses/${course.id}/enroll`, { method: 'DELETE', token: e.accessToken })

    // Enrollment days, with the range edges: B just before it, D just after it.
    await redate(a, course.id, 'enrolled', '2025-03-01T08:00:00.000Z')
    await redate(e, course.id, 'enrolled', '2025-03-01T23:59:59.999Z')
    await redate(b, course.id, 'enrolled', '2025-02-28T23:59:59.999Z')
    await redate(c, course.id, 'enrolled', '2025-03-03T00:00:00.000Z')
    await redate(e, course.id, 'unenrolled', '2025-03-03T12:00:00.000Z')
    await redate(d, course.id, 'enrolled', '2025-03-05T00:00:00.000Z')

    // A second course of the same university, whose numbers must stay out.
    const other = await createCourse(uni)
    const otherVideo = await addVideo(uni, other.id)
    const otherPoint = await addCheckpoint(uni, other.id, otherVideo.id)
    const outsider = await enrolledStudent(other.id)
    await reportProgress(outsider, other.id, otherVideo.id, 100)
    await answerCheckpoint(outsider, other.id, otherPoint.id, [0])
    await redate(outsider, other.id, 'enrolled', '2025-03-02T10:00:00.000Z')
  })

  it('counts enrollments and departures per day in the range', async () => {
    const res = await analytics(uni)
    expect(res.status).toBe(200)
    expect(res.body.analytics.from).toBe('2025-03-01')
    expect(res.body.analytics.to).toBe('2025-03-04')
    expect(res.body.analytics.enrollments).toEqual({
      current: 4,
      perDay: [
        { day: '2025-03-01', enrolled: 2, unenrolled: 0 },
        { day: '2025-03-02', enrolled: 0, unenrolled: 0 },
        { day: '2025-03-03', enrolled: 1, unenrolled: 1 },
        { day: '2025-03-04', enrolled: 0, unenrolled: 0 },
      ],
    })
  })

  it('reports views, watch time and completion per video and for the course', async () => {
    const { analytics: body } = (await analytics(uni)).body
    const [v1, v2, v3] = videos as [{ id: string }, { id: string }, { id: string }]
    expect(body.videos).toEqual([
      {
        videoId: v1.id,
        title: 'V1',
        viewers: 4,
        completions: 2,
        completionRate: 0.5,
        watchSeconds: 365,
      },
      {
        videoId: v2.id,
        title: 'V2',
        viewers: 2,
        completions: 2,
        completionRate: 1,
        watchSeconds: 195,
      },
      {
        videoId: v3.id,
        title: 'V3',
        viewers: 1,
        completions: 1,
        completionRate: 1,
        watchSeconds: 90,
      },
    ])
    expect(body.course).toEqual({
      viewers: 4,
      views: 7,
      watchSeconds: 650,
      students: 4,
      completedStudents: 1,
      completionRate: 0.25,
    })
  })

  it('reports checkpoint accuracy per checkpoint and overall', async () => {
    const { checkpoints: scores } = (await analytics(uni)).body.analytics
    const [cp1, cp2, cp3] = checkpoints as [{ id: string }, { id: string }, { id: string }]
    expect(scores).toMatchObject({ answers: 5, correct: 3, accuracy: 0.6 })
    expect(
      scores.perCheckpoint.map((s: Record<string, unknown>) => [
        s.checkpointId,
        s.answers,
        s.correct,
        s.accuracy,
      ]),
    ).toEqual([
      [cp1.id, 3, 2, 0.6667],
      [cp2.id, 2, 1, 0.5],
      [cp3.id, 0, 0, 0],
    ])
  })

  it('defaults to the last 30 days, and counts nothing for a course without activity', async () => {
    const today = new Date().toISOString().slice(0, 10)
    const res = await analytics(uni, '')
    expect(res.status).toBe(200)
    const perDay = res.body.analytics.enrollments.perDay
    expect(perDay).toHaveLength(30)
    // Allow for a run that crosses midnight between the request and this line.
    expect([today, new Date(Date.now() - 60_000).toISOString().slice(0, 10)]).toContain(
      perDay.at(-1).day,
    )

    const empty = await createCourse(uni)
    const blank = await api(`/api/courses/${empty.id}/analytics?from=2025-03-01&to=2025-03-01`, {
      token: uni.accessToken,
    })
    expect(blank.status).toBe(200)
    expect(blank.body.analytics).toMatchObject({
      enrollments: { current: 0, perDay: [{ day: '2025-03-01', enrolled: 0, unenrolled: 0 }] },
      course: {
        viewers: 0,
        views: 0,
        watchSeconds: 0,
        students: 0,
        completedStudents: 0,
        completionRate: 0,
      },
      videos: [],
      checkpoints: { answers: 0, correct: 0, accuracy: 0, perCheckpoint: [] },
    })
  })

  it('is for the owning university only', async () => {
    const student = await enrolledStudent(course.id)
    const rival = await university()
    expect((await analytics(student)).status).toBe(403)
    const refused = await analytics(rival)
    expect(refused.status).toBe(403)
    expect(refused.body).toMatchObject({ success: false, code: 'FORBIDDEN' })
    expect((await analytics(undefined)).status).toBe(401)
    // Administrators may look, as they may everywhere a course owner may.
    const admin = await signUpUser()
    await setRole(admin.id, 'ADMIN')
    expect((await analytics(admin)).status).toBe(200)
    const draft = await createCourse(uni, { published: false })
    const hidden = await api(`/api/courses/${draft.id}/analytics`, { token: rival.accessToken })
    expect(hidden.status).toBe(404)
  })

  it('rejects bad date ranges', async () => {
    for (const query of [
      '?from=2025-03-05&to=2025-03-01',
      '?from=2025-13-01&to=2025-12-31',
      '?from=yesterday',
      '?from=2023-01-01&to=2025-01-01',
    ]) {
      const res = await analytics(uni, query)
      expect(res.status, query).toBe(400)
      expect(res.body.code).toBe('VALIDATION_ERROR')
    }
    expect((await api(`/api/courses/nope/analytics`, { token: uni.accessToken })).status).toBe(400)
  })
})
