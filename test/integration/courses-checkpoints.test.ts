// Checkpoints over REST: the owner pins questions to a video, students read them without the
// answers, answer once (scored, final, racing duplicates refused), and who is refused.
import { ObjectId } from 'mongodb'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  addCheckpoint,
  addVideo,
  answerCheckpoint,
  createCourse,
  enrolledStudent,
  university,
} from '../harness/courses'
import { api } from '../harness/http'
import { signUpUser, testDb, type TestUser } from '../harness/users'

describe('course checkpoints', () => {
  let uni: TestUser
  let course: { id: string }
  let video: { id: string }
  const list = (who: TestUser | undefined, videoId = video.id, courseId = course.id) =>
    api(`/api/courses/${courseId}/videos/${videoId}/checkpoints`, {
      ...(who ? { token: who.accessToken } : {}),
    })

  beforeAll(async () => {
    uni = await university()
    course = await createCourse(uni)
    video = await addVideo(uni, course.id)
  })

  it('shows students the questions by time, without answers until they answered', async () => {
    const later = await addCheckpoint(uni, course.id, video.id, { atSecond: 90, question: 'Later' })
    const sooner = await addCheckpoint(uni, course.id, video.id, {
      atSecond: 12.5,
      question: 'Pick the primes',
      kind: 'multiple',
      options: ['2', '4', '5', '9'],
      correct: [2, 0],
    })
    expect(sooner).toMatchObject({ atSecond: 12.5, kind: 'multiple', correct: [0, 2] })

    const owner = await list(uni)
    expect(owner.status).toBe(200)
    expect(owner.body.checkpoints.map((c: { id: string }) => c.id)).toEqual([sooner.id, later.id])
    expect(owner.body.checkpoints[0].correct).toEqual([0, 2])

    const student = await enrolledStudent(course.id)
    const before = await list(student)
    expect(before.status).toBe(200)
    expect(before.body.checkpoints[0]).toEqual({
      id: sooner.id,
      videoId: video.id,
      atSecond: 12.5,
      question: 'Pick the primes',
      kind: 'multiple',
      options: ['2', '4', '5', '9'],
      answer: null,
    })

    const answered = await answerCheckpoint(student, course.id, sooner.id, [2, 0])
    expect(answered.status).toBe(201)
    expect(answered.body.answer).toMatchObject({
      checkpointId: sooner.id,
      selected: [0, 2],
      correct: true,
      correctOptions: [0, 2],
    })
    const after = await list(student)
    expect(after.body.checkpoints[0].answer).toMatchObject({ selected: [0, 2], correct: true })
    expect(after.body.checkpoints[1].answer).toBeNull()
  })

  it('scores partial and wrong answers as wrong and keeps the first answer', async () => {
    const multi = await addCheckpoint(uni, course.id, video.id, {
      kind: 'multiple',
      options: ['a', 'b', 'c'],
      correct: [0, 1],
    })
    const single = await addCheckpoint(uni, course.id, video.id)
    const student = await enrolledStudent(course.id)
    const partial = await answerCheckpoint(student, course.id, multi.id, [0])
    expect(partial.body.answer).toMatchObject({ correct: false, correctOptions: [0, 1] })
    const wrong = await answerCheckpoint(student, course.id, single.id, [2])
    expect(wrong.body.answer).toMatchObject({ correct: false, correctOptions: [1] })
    // The first answer is final: a second try (even the right one) is refused, nothing changes.
    const retry = await answerCheckpoint(student, course.id, single.id, [1])
    expect(retry.status).toBe(409)
    const stored = await (
      await testDb()
    )
      .collection('course_checkpoint_answers')
      .find({ checkpointId: new ObjectId(single.id), userId: new ObjectId(student.id) })
      .toArray()
    expect(stored).toHaveLength(1)
    expect(stored[0]).toMatchObject({ selected: [2], correct: false })
  })

  it('records exactly one of several racing answers', async () => {
    const point = await addCheckpoint(uni, course.id, video.id)
    const student = await enrolledStudent(course.id)
    const tries = await Promise.all(
      [[0], [1], [2], [1]].map((s) => answerCheckpoint(student, course.id, point.id, s)),
    )
    expect(tries.filter((r) => r.status === 201)).toHaveLength(1)
    expect(tries.filter((r) => r.status === 409)).toHaveLength(3)
    const count = await (
      await testDb()
    )
      .collection('course_checkpoint_answers')
      .countDocuments({ checkpointId: new ObjectId(point.id) })
    expect(count).toBe(1)
  })

  it('rejects malformed questions and answers with a 400', async () => {
    const create = (fields: Record<string, unknown>) =>
      api(`/api/courses/${course.id}/videos/${video.id}/checkpoints`, {
        method: 'POST',
        token: uni.accessToken,
        json: {
          atSecond: 5,
          question: 'Q',
          kind: 'single',
          options: ['x', 'y'],
          correct: [0],
          ...fields,
        },
      })
    for (const bad of [
      { correct: [0, 1] }, // single choice with two right options
      { correct: [2] }, // no such option
      { correct: [] },
      { correct: [1, 1], kind: 'multiple' },
      { options: ['only one'] },
      { options: ['x', ''] },
      { atSecond: -1 },
      { question: '   ' },
      { kind: 'essay' },
      { surprise: true },
    ]) {
      const res = await create(bad)
      expect(res.status, JSON.stringify(bad)).toBe(400)
      expect(res.body.code).toBe('VALIDATION_ERROR')
    }
    const point = await addCheckpoint(uni, course.id, video.id)
    const student = await enrolledStudent(course.id)
    for (const selected of [[], [0, 1], [3], [-1], 'A', [1.5]])
      expect((await answerCheckpoint(student, course.id, point.id, selected)).status).toBe(400)
    // None of the bad answers was stored: the student can still answer.
    expect((await answerCheckpoint(student, course.id, point.id, [1])).status).toBe(201)
  })

  it('refuses other universities, students, outsiders and anonymous callers', async () => {
    const point = await addCheckpoint(uni, course.id, video.id)
    const rival = await university()
    const outsider = await signUpUser()
    const student = await enrolledStudent(course.id)
    const create = (who?: TestUser) =>
      api(`/api/courses/${course.id}/videos/${video.id}/checkpoints`, {
        method: 'POST',
        ...(who ? { token: who.accessToken } : {}),
        json: { atSecond: 1, question: 'Q', kind: 'single', options: ['x', 'y'], correct: [0] },
      })
    expect((await create(rival)).status).toBe(403)
    expect((await create(student)).status).toBe(403)
    expect((await create()).status).toBe(401)

    expect((await list(outsider)).status).toBe(403)
    expect((await list(rival)).status).toBe(403)
    expect((await list(undefined)).status).toBe(401)
    expect((await answerCheckpoint(outsider, course.id, point.id, [0])).status).toBe(403)
    // The owner does not take their own quiz.
    expect((await answerCheckpoint(uni, course.id, point.id, [0])).status).toBe(403)

    const remove = (who: TestUser) =>
      api(`/api/courses/${course.id}/checkpoints/${point.id}`, {
        method: 'DELETE',
        token: who.accessToken,
      })
    expect((await remove(rival)).status).toBe(403)
    expect((await remove(student)).status).toBe(403)

    // A checkpoint is addressed through its own course only.
    const otherCourse = await createCourse(uni)
    await enrolledStudent(otherCourse.id)
    const otherStudent = await enrolledStudent(otherCourse.id)
    expect((await answerCheckpoint(otherStudent, otherCourse.id, point.id, [0])).status).toBe(404)
    const otherVideo = await addVideo(uni, otherCourse.id)
    expect((await list(uni, otherVideo.id)).status).toBe(404)
    expect((await list(uni, 'zz')).status).toBe(400)

    // Leaving the course ends answering.
    await api(`/api/courses/${course.id}/enroll`, { method: 'DELETE', token: student.accessToken })
    expect((await answerCheckpoint(student, course.id, point.id, [0])).status).toBe(403)
  })

  it('removes checkpoints with their answers, alone or with their video', async () => {
    const own = await addVideo(uni, course.id, 'Short-lived')
    const point = await addCheckpoint(uni, course.id, own.id)
    const kept = await addCheckpoint(uni, course.id, own.id, { atSecond: 40 })
    const student = await enrolledStudent(course.id)
    await answerCheckpoint(student, course.id, point.id, [1])
    await answerCheckpoint(student, course.id, kept.id, [1])
    const db = await testDb()
    const answersOf = (id: string) =>
      db.collection('course_checkpoint_answers').countDocuments({ checkpointId: new ObjectId(id) })

    const removed = await api(`/api/courses/${course.id}/checkpoints/${point.id}`, {
      method: 'DELETE',
      token: uni.accessToken,
    })
    expect(removed.status).toBe(200)
    expect(await answersOf(point.id)).toBe(0)
    expect((await list(student, own.id)).body.checkpoints.map((c: { id: string }) => c.id)).toEqual(
      [kept.id],
    )
    expect(
      (
        await api(`/api/courses/${course.id}/checkpoints/${point.id}`, {
          method: 'DELETE',
          token: uni.accessToken,
        })
      ).status,
    ).toBe(404)

    await api(`/api/courses/${course.id}/videos/${own.id}`, {
      method: 'DELETE',
      token: uni.accessToken,
    })
    expect(await answersOf(kept.id)).toBe(0)
    expect(
      await db
        .collection('course_checkpoints')
        .countDocuments({ courseId: new ObjectId(course.id), videoId: new ObjectId(own.id) }),
    ).toBe(0)
  })
})
