// The legacy import of Sanora's courses, videos, questions, playlists, progress, activity and
// reviews, read back through the running Worker: an old student signs in with the old password
// and finds their course, its videos (playing from the old S3 keys), reviews, checkpoints, their
// progress and activity; the old university runs the course's analytics and a stranger cannot.
import { randomBytes } from 'node:crypto'
import { MongoClient, type Db } from 'mongodb'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { ensureIndexes } from '../../worker/db/indexes'
import { runImport } from '../../worker/legacy-import/engine'
import { legacySource, type LegacySource } from '../../worker/legacy-import/legacy-source'
import type { StepReport } from '../../worker/legacy-import/report'
import { selectSteps } from '../../worker/legacy-import/steps'
import { buildLegacyFixtures } from '../harness/legacy-fixtures'
import type { CourseFixtures } from '../harness/legacy/courses'
import type { LegacyAccount } from '../harness/legacy/groups'
import { api } from '../harness/http'
import { putObject } from '../harness/storage'
import { freshIp, testDb } from '../harness/users'

const SCALE = 300
const tag = randomBytes(3).toString('hex')
let client: MongoClient
let source: LegacySource
let fixtures: CourseFixtures
let target: Db
let report: Awaited<ReturnType<typeof runImport>>
const scratch: Db[] = []

const importCourses = () =>
  runImport({ source, target, steps: selectSteps(['users', 'courses']), batchSize: 100 })
const stepOf = (name: string) => report.steps.find((s) => s.step === name)!
const noteCount = (step: StepReport, kind: string) => step.notes[kind]?.count ?? 0

async function signIn(who: LegacyAccount) {
  const login = await api('/api/auth/login', {
    method: 'POST',
    json: { email: who.email, password: who.password },
    headers: { 'cf-connecting-ip': freshIp() },
  })
  expect(login.status, JSON.stringify(login.body)).toBe(200)
  return login.body.accessToken as string
}

beforeAll(async () => {
  client = await new MongoClient(inject('workerVars').MONGODB_URI!).connect()
  const sanora = client.db(`legacy_sanora_${tag}`)
  const videodesk = client.db(`legacy_videodesk_${tag}`)
  scratch.push(sanora, videodesk)
  fixtures = (await buildLegacyFixtures(sanora, videodesk, { scale: SCALE, tag })).groups.courses
  source = legacySource({ sanora, videodesk })
  target = await testDb()
  await ensureIndexes(target)
  report = await importCourses()
}, 120_000)

afterAll(async () => {
  for (const db of scratch) await db.dropDatabase()
  await client?.close()
})

describe('legacy import of courses', () => {
  it('imports the courses with their students, recomputed counters and reported differences', () => {
    const { counts, expected } = fixtures
    const courses = stepOf('sanora.courses')
    expect(courses).toMatchObject({ read: counts.courses, written: counts.courses, skipped: {} })
    expect(courses.failed.count).toBe(0)
    expect(courses.dangling.university!.count).toBe(expected.courses.danglingUniversity)
    expect(courses.dangling.enrolledStudents!.count).toBe(expected.courses.danglingStudents)
    expect(courses.writesByCollection.course_enrollments).toBe(expected.courses.enrollments)
    expect(courses.writesByCollection.media).toBe(counts.courses)
    expect(
      noteCount(courses, 'counter enrolledCount: old value differs, recomputed one imported'),
    ).toBe(expected.courses.enrolledDiffers)
    expect(
      noteCount(courses, 'counter ratingCount: old value differs, recomputed one imported'),
    ).toBe(expected.courses.ratingCountDiffers)
    expect(
      noteCount(courses, 'counter ratingAverage: old value differs, recomputed one imported'),
    ).toBe(0)
    expect(noteCount(courses, 'unknown enrollment setting, imported as closed')).toBe(
      expected.courses.unknownEnrollment,
    )
  })

  it('imports videos, questions, playlists, progress, activity and reviews, skipping with reasons', () => {
    const { counts, expected } = fixtures
    const videos = stepOf('sanora.videos')
    expect(videos).toMatchObject({
      read: counts.videos,
      written: counts.videos - expected.videos.withoutFile - expected.videos.ofNoCourse,
      skipped: {
        'no video file (S3 key or URL)': expected.videos.withoutFile,
        'course does not exist': expected.videos.ofNoCourse,
      },
    })
    expect(videos.dangling.course!.count).toBe(expected.videos.ofNoCourse)

    const questions = stepOf('sanora.questions')
    expect(questions).toMatchObject({
      read: counts.questions,
      written: counts.questions - expected.questions.invalid - expected.questions.ofNoVideo,
      skipped: {
        'not a question ours can hold (under two options or no right answer)':
          expected.questions.invalid,
        'video does not exist': expected.questions.ofNoVideo,
      },
    })
    expect(questions.dangling.video!.count).toBe(expected.questions.ofNoVideo)

    const playlists = stepOf('sanora.playlists')
    expect(playlists).toMatchObject({ read: counts.playlists, written: counts.playlists })
    expect(playlists.dangling.videos!.count).toBe(expected.playlists.danglingVideos)

    const videoProgress = stepOf('sanora.uservideoprogresses')
    expect(videoProgress).toMatchObject({
      read: counts.uservideoprogresses,
      written: counts.uservideoprogresses - expected.videoProgress.ofNoVideo,
      skipped: { 'user or video does not exist': expected.videoProgress.ofNoVideo },
    })
    expect(
      noteCount(
        videoProgress,
        'video completion differs from the old flag (complete when either says so)',
      ),
    ).toBe(expected.videoProgress.ourRuleCompletes)

    const courseProgress = stepOf('sanora.usercourseprogresses')
    expect(courseProgress).toMatchObject({
      read: counts.usercourseprogresses,
      written: expected.courseProgress.derived,
      skipped: { 'user or course does not exist': expected.courseProgress.ofNoUser },
    })
    expect(courseProgress.dangling.user!.count).toBe(expected.courseProgress.ofNoUser)
    expect(
      noteCount(
        courseProgress,
        'counter course progress percent: old value differs, recomputed one imported',
      ),
    ).toBe(expected.courseProgress.percentDiffers)

    const activities = stepOf('sanora.useractivities')
    expect(activities).toMatchObject({
      read: counts.useractivities,
      written: counts.useractivities - expected.activities.notCarried,
      skipped: { 'not a course activity here': expected.activities.notCarried },
    })

    const reviews = stepOf('sanora.coursereviews')
    expect(reviews).toMatchObject({
      read: counts.coursereviews,
      written: counts.coursereviews - expected.reviews.duplicates - expected.reviews.ofNoUser,
      skipped: {
        'another review of the same course by the same user (the latest is kept)':
          expected.reviews.duplicates,
        'course or user does not exist': expected.reviews.ofNoUser,
      },
    })
    for (const step of report.steps) expect(step.failed, step.step).toMatchObject({ count: 0 })
  })

  it('shows an old student their course, its videos playing from the old keys, reviews and checkpoints', async () => {
    const { subject } = fixtures
    const token = await signIn(subject.student)
    const course = await api(`/api/courses/${subject.courseId}`, { token })
    expect(course.status).toBe(200)
    expect(course.body.course).toMatchObject({
      universityId: String(subject.university.id),
      published: true,
      enrollment: 'open',
      enrolled: true,
      owner: false,
      enrolledCount: subject.enrolledCount,
      ratingCount: subject.reviews,
      ratingSum: subject.ratingSum,
    })
    expect(course.body.course.thumbnailMediaId).toEqual(expect.any(String))

    await putObject(subject.transcodedKey, 'old lesson bytes', 'video/mp4')
    const videos = await api(`/api/courses/${subject.courseId}/videos`, { token })
    expect(videos.status).toBe(200)
    expect(videos.body.videos.map((v: { id: string }) => v.id)).toEqual(
      subject.videoIds.map(String),
    )
    expect(videos.body.videos[0]).toMatchObject({ title: 'Lesson 1', order: 0, playable: true })
    const played = await fetch(videos.body.videos[0].urls.original)
    expect(played.status).toBe(200)
    expect(await played.text()).toBe('old lesson bytes')

    const reviews = await api(`/api/courses/${subject.courseId}/reviews`)
    expect(reviews.status).toBe(200)
    expect(reviews.body.reviews).toHaveLength(subject.reviews)
    expect(reviews.body.reviews.reduce((a: number, r: { rating: number }) => a + r.rating, 0)).toBe(
      subject.ratingSum,
    )

    const checkpoints = await api(
      `/api/courses/${subject.courseId}/videos/${subject.checkpointVideo}/checkpoints`,
      { token },
    )
    expect(checkpoints.status).toBe(200)
    expect(checkpoints.body.checkpoints).toEqual([
      expect.objectContaining({
        atSecond: 120,
        question: 'Which is right?',
        kind: 'single',
        options: ['This', 'That', 'Neither'],
        answer: null,
      }),
    ])
  })

  it('shows an old student their progress, activity and playlists exactly', async () => {
    const { subject } = fixtures
    const token = await signIn(subject.student)
    const progress = await api(`/api/courses/${subject.courseId}/progress`, { token })
    expect(progress.status).toBe(200)
    expect(progress.body.progress).toMatchObject({
      totalVideos: subject.videoIds.length,
      completedVideos: subject.progress.completedVideos,
      percent: subject.progress.percent,
      resume: {
        videoId: String(subject.progress.resumeVideo),
        positionSeconds: subject.progress.position,
      },
    })
    expect(progress.body.progress.videos).toHaveLength(subject.videoIds.length)

    const activity = await api('/api/users/me/activity?limit=100', { token })
    expect(activity.status).toBe(200)
    const ofCourse = activity.body.activity.filter(
      (a: { courseId: string }) => a.courseId === String(subject.courseId),
    )
    expect(ofCourse.map((a: { type: string }) => a.type).sort()).toEqual([
      'enrolled',
      'video-completed',
    ])

    const playlists = await api('/api/playlists?limit=100', { token })
    expect(playlists.status).toBe(200)
    expect(playlists.body.playlists.map((p: { title: string }) => p.title)).toContain(
      'Saved from course 0',
    )
  })

  it('lets the old university list and run its course analytics, and refuses another university', async () => {
    const { subject } = fixtures
    const owner = await signIn(subject.university)
    const analytics = await api(`/api/courses/${subject.courseId}/analytics`, { token: owner })
    expect(analytics.status).toBe(200)
    expect(analytics.body.analytics.enrollments.current).toBe(subject.enrolledCount)
    expect(analytics.body.analytics.videos).toHaveLength(subject.videoIds.length)
    expect(analytics.body.analytics.checkpoints.perCheckpoint).toHaveLength(2)
    const mine = await api('/api/courses?mine=true&limit=100', { token: owner })
    expect(mine.status).toBe(200)
    expect(mine.body.courses.map((c: { id: string }) => c.id)).toContain(String(subject.courseId))
    const stranger = await signIn(subject.stranger)
    const refused = await api(`/api/courses/${subject.courseId}/analytics`, { token: stranger })
    expect(refused.status).toBe(403)
  })

  it('writes nothing on a second run', async () => {
    const again = await importCourses()
    for (const step of again.steps) {
      expect(step.written, step.step).toBe(0)
      expect(step.failed.count, step.step).toBe(0)
    }
  }, 60_000)
})
