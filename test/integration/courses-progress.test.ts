// Course progress and reviews over REST: monotonic, idempotent progress under out-of-order and
// concurrent reports, the course summary, and exact rating counters under concurrent reviews.
import { ObjectId } from 'mongodb'
import { describe, expect, it } from 'vitest'
import {
  addVideo,
  createCourse,
  enrolledStudent,
  reportProgress,
  university,
} from '../harness/courses'
import { api } from '../harness/http'
import { signUpUser, testDb, type TestUser } from '../harness/users'

const summary = (user: TestUser, courseId: string) =>
  api(`/api/courses/${courseId}/progress`, { token: user.accessToken })

describe('course progress', () => {
  it('never moves back on late or repeated reports, and completes at 90%', async () => {
    const uni = await university()
    const course = await createCourse(uni)
    const video = await addVideo(uni, course.id)
    const student = await enrolledStudent(course.id)

    expect((await reportProgress(student, course.id, video.id, 50)).body.progress).toMatchObject({
      watchedSeconds: 50,
      positionSeconds: 50,
      completed: false,
    })
    // A late, older report (sent before the one above) arrives afterwards: nothing moves back.
    const late = await reportProgress(student, course.id, video.id, 30)
    expect(late.status).toBe(200)
    expect(late.body.progress).toMatchObject({ watchedSeconds: 50, positionSeconds: 50 })
    // The same report twice is harmless.
    for (let i = 0; i < 2; i++)
      expect((await reportProgress(student, course.id, video.id, 89)).body.progress).toMatchObject({
        watchedSeconds: 89,
        completed: false,
      })
    const done = await reportProgress(student, course.id, video.id, 90)
    expect(done.body.progress).toMatchObject({ watchedSeconds: 90, completed: true })
    const completedAt = done.body.progress.completedAt
    const older = await reportProgress(student, course.id, video.id, 10)
    expect(older.body.progress).toMatchObject({ watchedSeconds: 90, completed: true, completedAt })
  })

  it('keeps the highest of concurrent, shuffled reports in one document', async () => {
    const uni = await university()
    const course = await createCourse(uni)
    const video = await addVideo(uni, course.id)
    const student = await enrolledStudent(course.id)
    const values = [12, 77, 3, 45, 60, 8, 71, 33]
    const results = await Promise.all(
      values.map((v) => reportProgress(student, course.id, video.id, v)),
    )
    expect(results.every((r) => r.status === 200)).toBe(true)
    const db = await testDb()
    const rows = await db
      .collection('course_progress')
      .find({ courseId: new ObjectId(course.id), userId: new ObjectId(student.id) })
      .toArray()
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ watchedSeconds: 77, positionSeconds: 77 })
  })

  it('summarises percent completed, last activity and where to resume', async () => {
    const uni = await university()
    const course = await createCourse(uni)
    const first = await addVideo(uni, course.id, 'One')
    const second = await addVideo(uni, course.id, 'Two')
    const student = await enrolledStudent(course.id)
    const empty = await summary(student, course.id)
    expect(empty.status).toBe(200)
    expect(empty.body.progress).toMatchObject({
      totalVideos: 2,
      completedVideos: 0,
      percent: 0,
      resume: null,
      lastActivityAt: null,
    })
    await reportProgress(student, course.id, first.id, 95)
    await reportProgress(student, course.id, second.id, 20, 25, 200)
    const half = await summary(student, course.id)
    expect(half.body.progress).toMatchObject({
      totalVideos: 2,
      completedVideos: 1,
      percent: 50,
      resume: { videoId: second.id, positionSeconds: 25 },
    })
    expect(half.body.progress.lastActivityAt).toBeTruthy()
    // Figures beyond the duration are clamped to it.
    const clamped = await reportProgress(student, course.id, second.id, 500, 500, 200)
    expect(clamped.body.progress).toMatchObject({ watchedSeconds: 200, positionSeconds: 200 })
    expect((await summary(student, course.id)).body.progress.percent).toBe(100)
  })

  it('is only for enrolled students, on videos of the course, with sane figures', async () => {
    const uni = await university()
    const course = await createCourse(uni)
    const video = await addVideo(uni, course.id)
    const otherCourse = await createCourse(uni)
    const otherVideo = await addVideo(uni, otherCourse.id)
    const outsider = await signUpUser()
    expect((await reportProgress(outsider, course.id, video.id, 10)).status).toBe(403)
    expect((await summary(outsider, course.id)).status).toBe(403)
    expect((await reportProgress(uni, course.id, video.id, 10)).status).toBe(403)
    const student = await enrolledStudent(course.id)
    expect((await reportProgress(student, course.id, otherVideo.id, 10)).status).toBe(404)
    expect((await reportProgress(student, course.id, video.id, -1)).status).toBe(400)
    expect((await reportProgress(student, course.id, video.id, 10, 10, 0)).status).toBe(400)
    const anon = await api(`/api/courses/${course.id}/videos/${video.id}/progress`, {
      method: 'PUT',
      json: { positionSeconds: 1, watchedSeconds: 1, durationSeconds: 10 },
    })
    expect(anon.status).toBe(401)
    await api(`/api/courses/${course.id}/enroll`, { method: 'DELETE', token: student.accessToken })
    expect((await reportProgress(student, course.id, video.id, 10)).status).toBe(403)
  })
})

describe('course reviews', () => {
  const review = (user: TestUser, courseId: string, rating: number, comment?: string) =>
    api(`/api/courses/${courseId}/reviews/mine`, {
      method: 'PUT',
      token: user.accessToken,
      json: { rating, ...(comment ? { comment } : {}) },
    })
  const course$ = async (id: string) => (await api(`/api/courses/${id}`)).body.course

  it('allows one editable review per enrolled student and keeps counters exact', async () => {
    const uni = await university()
    const course = await createCourse(uni)
    const outsider = await signUpUser()
    expect((await review(outsider, course.id, 5)).status).toBe(403)
    const student = await enrolledStudent(course.id)
    expect((await review(student, course.id, 6)).status).toBe(400)
    const created = await review(student, course.id, 2, 'Meh')
    expect(created.status).toBe(201)
    const edited = await review(student, course.id, 5, 'Grew on me')
    expect(edited.status).toBe(200)
    expect(edited.body.review).toMatchObject({ rating: 5, comment: 'Grew on me' })
    expect(await course$(course.id)).toMatchObject({
      ratingCount: 1,
      ratingSum: 5,
      ratingAverage: 5,
    })
    const list = await api(`/api/courses/${course.id}/reviews`)
    expect(list.body.reviews).toHaveLength(1)
    const del = await api(`/api/courses/${course.id}/reviews/mine`, {
      method: 'DELETE',
      token: student.accessToken,
    })
    expect(del.body.deleted).toBe(true)
    expect(await course$(course.id)).toMatchObject({
      ratingCount: 0,
      ratingSum: 0,
      ratingAverage: null,
    })
  })

  it('gives the exact average under concurrent reviews and concurrent edits', async () => {
    const uni = await university()
    const course = await createCourse(uni)
    const students = await Promise.all(Array.from({ length: 8 }, () => enrolledStudent(course.id)))
    const ratings = [5, 4, 3, 5, 1, 2, 4, 5]
    const first = await Promise.all(students.map((s, i) => review(s, course.id, ratings[i]!)))
    expect(first.every((r) => r.status === 201)).toBe(true)
    // One student races several edits against others' edits and a newcomer's racing creates.
    const newcomer = await enrolledStudent(course.id)
    const edits = await Promise.all([
      ...[1, 5, 2, 4, 3].map((r) => review(students[0]!, course.id, r)),
      review(students[1]!, course.id, 1),
      review(students[2]!, course.id, 5),
      ...[2, 4, 3].map((r) => review(newcomer, course.id, r)),
    ])
    expect(edits.map((r) => r.status).filter((s) => s === 201)).toHaveLength(1)
    const db = await testDb()
    const stored = await db
      .collection('course_reviews')
      .find({ courseId: new ObjectId(course.id) })
      .toArray()
    expect(stored).toHaveLength(9)
    const sum = stored.reduce((a, r) => a + (r.rating as number), 0)
    const got = await course$(course.id)
    expect(got).toMatchObject({ ratingCount: 9, ratingSum: sum })
    expect(got.ratingAverage).toBe(Math.round((sum / 9) * 100) / 100)
  })
})
