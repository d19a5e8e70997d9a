// The learning activity log over REST: what enrolling, watching, completing, answering and
// reviewing append (watching coalesced, repeats and late reports ignored), newest-first cursor
// pages, and that nobody but the user reads it.
import { beforeAll, describe, expect, it } from 'vitest'
import {
  addCheckpoint,
  addVideo,
  answerCheckpoint,
  createCourse,
  reportProgress,
  university,
} from '../harness/courses'
import { api } from '../harness/http'
import { setRole, signUpUser, type TestUser } from '../harness/users'

interface Entry {
  id: string
  type: string
  courseId: string
  videoId: string | null
  at: string
  [k: string]: unknown
}

const activity = async (who: TestUser, query = '', userId = 'me') => {
  const res = await api(`/api/users/${userId}/activity${query}`, { token: who.accessToken })
  return res
}

describe('user activity log', () => {
  let uni: TestUser
  let course: { id: string }
  let first: { id: string }
  let second: { id: string }
  let student: TestUser
  let log: Entry[]

  beforeAll(async () => {
    uni = await university()
    course = await createCourse(uni)
    first = await addVideo(uni, course.id, 'First')
    second = await addVideo(uni, course.id, 'Second')
    const point = await addCheckpoint(uni, course.id, first.id)
    student = await signUpUser()
    const act = (path: string, init: Parameters<typeof api>[1]) =>
      api(`/api/courses/${course.id}${path}`, { token: student.accessToken, ...init })

    expect((await act('/enroll', { method: 'POST' })).status).toBe(201)
    await act('/enroll', { method: 'POST' }) // already enrolled: nothing new
    await reportProgress(student, course.id, first.id, 30)
    await reportProgress(student, course.id, first.id, 60)
    await reportProgress(student, course.id, first.id, 60) // a repeat
    await reportProgress(student, course.id, first.id, 20) // a late, older report
    await reportProgress(student, course.id, first.id, 95) // completes the video
    await reportProgress(student, course.id, first.id, 99) // moves on, completes nothing new
    await answerCheckpoint(student, course.id, point.id, [1])
    await act('/reviews/mine', { method: 'PUT', json: { rating: 4 } })
    await act('/reviews/mine', { method: 'PUT', json: { rating: 5 } })
    await act('/reviews/mine', { method: 'DELETE' })
    await act('/enroll', { method: 'DELETE' })
    await act('/enroll', { method: 'DELETE' }) // not enrolled any more: nothing new

    const res = await activity(student, '?limit=100')
    expect(res.status).toBe(200)
    log = res.body.activity
  })

  it('records each step once, newest first, with watching folded into one entry', () => {
    expect(log.map((e) => e.type)).toEqual([
      'unenrolled',
      'review-deleted',
      'review-written',
      'review-written',
      'checkpoint-answered',
      'video-progress',
      'video-completed',
      'enrolled',
    ])
    expect(log.every((e) => e.courseId === course.id)).toBe(true)
    expect(log[2]).toMatchObject({ rating: 5 })
    expect(log[3]).toMatchObject({ rating: 4 })
    expect(log[4]).toMatchObject({ videoId: first.id, correct: true })
    expect(log[5]).toMatchObject({ videoId: first.id, watchedSeconds: 99, positionSeconds: 99 })
    expect(log[6]).toMatchObject({ videoId: first.id })
    const times = log.map((e) => Date.parse(e.at))
    expect([...times].sort((a, b) => b - a)).toEqual(times)
  })

  it('keeps one watching entry per video under racing first reports', async () => {
    const learner = await signUpUser()
    await api(`/api/courses/${course.id}/enroll`, { method: 'POST', token: learner.accessToken })
    const reports = await Promise.all(
      [14, 52, 7, 33, 41].map((s) => reportProgress(learner, course.id, second.id, s)),
    )
    expect(reports.every((r) => r.status === 200)).toBe(true)
    const entries = (await activity(learner)).body.activity as Entry[]
    const watching = entries.filter((e) => e.type === 'video-progress')
    expect(watching).toHaveLength(1)
    expect(watching[0]).toMatchObject({ videoId: second.id, watchedSeconds: 52 })
  })

  it('walks the whole log page by page without gaps or repeats', async () => {
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const query: string = `?limit=3${cursor ? `&before=${cursor}` : ''}`
      const page = await activity(student, query)
      expect(page.status).toBe(200)
      expect(page.body.activity.length).toBeLessThanOrEqual(3)
      seen.push(...page.body.activity.map((e: Entry) => e.id))
      cursor = page.body.nextCursor
    } while (cursor)
    expect(seen).toEqual(log.map((e) => e.id))
  })

  it('is readable by its user only', async () => {
    const byId = await activity(student, '?limit=100', student.id)
    expect(byId.status).toBe(200)
    expect(byId.body.activity).toEqual(log)

    const stranger = await signUpUser()
    const refused = await activity(stranger, '', student.id)
    expect(refused.status).toBe(403)
    expect(refused.body).toMatchObject({ success: false, code: 'FORBIDDEN' })
    // Not even an administrator reads someone's learning history.
    const admin = await signUpUser()
    await setRole(admin.id, 'ADMIN')
    expect((await activity(admin, '', student.id)).status).toBe(403)
    expect((await activity(uni, '', student.id)).status).toBe(403)
    expect((await api(`/api/users/me/activity`)).status).toBe(401)
    // Someone else's log is theirs alone: a fresh user has an empty one.
    expect((await activity(stranger)).body).toMatchObject({ activity: [], nextCursor: null })
  })

  it('rejects bad cursors, limits and user ids', async () => {
    for (const query of ['?before=abc', '?before=12.zz', '?limit=0', '?limit=101', '?limit=x']) {
      const res = await activity(student, query)
      expect(res.status, query).toBe(400)
      expect(res.body.code).toBe('VALIDATION_ERROR')
    }
    expect((await activity(student, '', 'someone')).status).toBe(400)
  })
})
