// Legacy Sanora course collections as the old Mongoose models stored them: courses (owner under
// `university` or `universityId`, students in `enrolledStudents` or `students`, thumbnails as S3
// URLs or keys, stored counters some of which are wrong), videos (keys or S3 URLs, transcoded
// copies, some placed only by the course's `videos` array), questions at a time of a video,
// playlists, course and video progress, activity logs and reviews (with a duplicate per user and
// course), plus references to deleted users, videos and courses. Expected report figures are
// counted as the documents are made.
import { ObjectId, type Db } from 'mongodb'
import type { GroupFixtureContext, LegacyAccount } from './groups'

type Doc = Record<string, unknown>

const VIDEOS_PER_COURSE = 4
const DURATION = 600
const BUCKET = 'https://old-bucket.s3.eu-west-2.amazonaws.com'

export interface CourseSubject {
  courseId: ObjectId
  /** The course's imported videos in their order. */
  videoIds: ObjectId[]
  university: LegacyAccount
  /** Another university: refused the course's owner-only routes. */
  stranger: LegacyAccount
  student: LegacyAccount
  enrolledCount: number
  reviews: number
  ratingSum: number
  /** What the student's progress shows: 3 of 4 videos complete, resume at the third. */
  progress: { completedVideos: number; percent: number; resumeVideo: ObjectId; position: number }
  transcodedKey: string
  checkpointVideo: ObjectId
}

export interface CourseFixtures {
  counts: Record<
    | 'courses'
    | 'videos'
    | 'questions'
    | 'playlists'
    | 'uservideoprogresses'
    | 'usercourseprogresses'
    | 'useractivities'
    | 'coursereviews',
    number
  >
  /** Expected per-step figures: skips by reason, dangling references by field, notes by kind. */
  expected: {
    courses: {
      danglingUniversity: number
      danglingStudents: number
      enrolledDiffers: number
      ratingCountDiffers: number
      unknownEnrollment: number
      enrollments: number
    }
    videos: { withoutFile: number; ofNoCourse: number }
    questions: { invalid: number; ofNoVideo: number }
    playlists: { danglingVideos: number }
    videoProgress: { ofNoVideo: number; ourRuleCompletes: number }
    courseProgress: { ofNoUser: number; percentDiffers: number; derived: number }
    activities: { notCarried: number }
    reviews: { duplicates: number; ofNoUser: number }
  }
  subject: CourseSubject
}

async function insertInChunks(db: Db, collection: string, docs: Doc[]) {
  for (let i = 0; i < docs.length; i += 1000)
    await db.collection(collection).insertMany(docs.slice(i, i + 1000))
}

export async function buildCourseFixtures(ctx: GroupFixtureContext): Promise<CourseFixtures> {
  // Those who can sign in here (active, a proven email or phone) first: the tests sign in as them.
  const signsIn = (a: LegacyAccount) => a.isActive && (a.isVerified || a.isPhoneVerified)
  const ofRole = (role: string) =>
    ctx.accounts
      .filter((a) => a.role === role)
      .sort((a, b) => Number(signsIn(b)) - Number(signsIn(a)))
  const universities = ofRole('UNIVERSITY')
  const students = ofRole('USER')
  if (!universities.slice(0, 2).every(signsIn) || students.length < 20 || !signsIn(students[0]!))
    throw new Error('course fixtures need two universities and a student who can sign in')
  const courseCount = Math.max(12, Math.floor(ctx.scale / 5))
  const at = (minutes: number) => new Date(ctx.base + 30 * 86_400_000 + minutes * 60_000)
  const courses: Doc[] = []
  const videos: Doc[] = []
  const questions: Doc[] = []
  const playlists: Doc[] = []
  const videoProgress: Doc[] = []
  const courseProgress: Doc[] = []
  const activities: Doc[] = []
  const reviews: Doc[] = []
  const expected: CourseFixtures['expected'] = {
    courses: {
      danglingUniversity: 0,
      danglingStudents: 0,
      enrolledDiffers: 0,
      ratingCountDiffers: 0,
      unknownEnrollment: 0,
      enrollments: 0,
    },
    videos: { withoutFile: 0, ofNoCourse: 0 },
    questions: { invalid: 0, ofNoVideo: 0 },
    playlists: { danglingVideos: 0 },
    videoProgress: { ofNoVideo: 0, ourRuleCompletes: 0 },
    courseProgress: { ofNoUser: 0, percentDiffers: 0, derived: 0 },
    activities: { notCarried: 0 },
    reviews: { duplicates: 0, ofNoUser: 0 },
  }
  let subject: CourseSubject | undefined

  for (let k = 0; k < courseCount; k++) {
    const courseId = new ObjectId()
    const created = at(k * 10)
    const lastCourse = k === courseCount - 1
    const university = lastCourse ? undefined : universities[k % universities.length]!
    if (!university) expected.courses.danglingUniversity++
    // Videos: every fifth course's videos carry no course field (the course's array places them).
    const videoIds = Array.from({ length: VIDEOS_PER_COURSE }, () => new ObjectId())
    videoIds.forEach((_id, i) => {
      const video: Doc = {
        _id,
        title: `Lesson ${i + 1}`,
        description: `About lesson ${i + 1}`,
        duration: DURATION,
        status: 'completed',
        createdAt: created,
        updatedAt: created,
        __v: 0,
      }
      if (k % 5 !== 4) video.course = courseId
      if (k % 3 !== 0) video.order = i
      if (i % 2 === 0) {
        video.s3Key = `courses/videos/${String(_id)}/original.mov`
        video.transcodedUrl = `${BUCKET}/courses/videos/${String(_id)}/720p.mp4`
        video.thumbnailUrl = `${BUCKET}/courses/videos/${String(_id)}/thumb.jpg`
      } else {
        video.videoUrl = `https://s3.eu-west-2.amazonaws.com/old-bucket/courses/videos/${String(_id)}.mp4`
      }
      videos.push(video)
    })
    const listedVideos: ObjectId[] = [...videoIds]
    if (k % 10 === 9) {
      // Uploaded but never stored: no key, no URL.
      const broken = new ObjectId()
      videos.push({ _id: broken, course: courseId, title: 'Broken', createdAt: created, __v: 0 })
      listedVideos.push(broken)
      expected.videos.withoutFile++
    }
    if (k % 20 === 7) {
      videos.push({
        _id: new ObjectId(),
        course: new ObjectId(),
        title: 'Of a deleted course',
        s3Key: 'courses/videos/orphan.mp4',
        createdAt: created,
        __v: 0,
      })
      expected.videos.ofNoCourse++
    }

    // Students: six listed, one more known only by a course progress record.
    const listed = Array.from({ length: 6 }, (_, i) => students[(k * 7 + i) % students.length]!)
    const extra = students[(k * 7 + 6) % students.length]!
    const studentRefs: ObjectId[] = listed.map((s) => s.id)
    if (k % 10 === 3) {
      studentRefs.push(new ObjectId())
      expected.courses.danglingStudents++
    }
    const enrolled = [...listed, extra]
    expected.courses.enrollments += enrolled.length

    // Reviews by the first three students; a later second review by the first on some courses.
    const ratings = [0, 1, 2].map((i) => ((k + i) % 5) + 1)
    listed.slice(0, 3).forEach((s, i) =>
      reviews.push({
        _id: new ObjectId(),
        course: courseId,
        user: s.id,
        rating: ratings[i],
        comment: `Review ${i} of course ${k}`,
        createdAt: at(k * 10 + 5),
        updatedAt: at(k * 10 + 5),
        __v: 0,
      }),
    )
    let ratingSum = ratings.reduce((a, b) => a + b, 0)
    if (k % 6 === 1) {
      reviews.push({
        _id: new ObjectId(),
        courseId,
        userId: listed[0]!.id,
        rating: 5,
        review: 'Changed my mind',
        createdAt: at(k * 10 + 8),
        updatedAt: at(k * 10 + 8),
        __v: 0,
      })
      ratingSum += 5 - ratings[0]!
      expected.reviews.duplicates++
    }
    if (k % 10 === 7) {
      reviews.push({
        _id: new ObjectId(),
        course: courseId,
        user: new ObjectId(),
        rating: 1,
        createdAt: created,
        __v: 0,
      })
      expected.reviews.ofNoUser++
    }

    const storedEnrolled = k % 4 === 1 ? enrolled.length + 2 : enrolled.length
    if (storedEnrolled !== enrolled.length) expected.courses.enrolledDiffers++
    const storedRatingCount = k % 5 === 2 ? 4 : 3
    if (storedRatingCount !== 3) expected.courses.ratingCountDiffers++
    const course: Doc = {
      _id: courseId,
      title: `Course ${k}`,
      description: `What course ${k} teaches`,
      videos: listedVideos,
      [k % 2 ? 'students' : 'enrolledStudents']: studentRefs,
      enrollmentCount: storedEnrolled,
      ratingCount: storedRatingCount,
      averageRating: Math.round((ratingSum / 3) * 100) / 100,
      analytics: new ObjectId(),
      createdAt: created,
      updatedAt: at(k * 10 + 1),
      __v: 0,
    }
    course[k % 2 ? 'universityId' : 'university'] = university?.id ?? new ObjectId()
    if (k % 3 === 2) course.status = 'draft'
    else course.isPublished = true
    if (k === 4) {
      course.enrollmentType = 'cohort'
      expected.courses.unknownEnrollment++
    } else if (k % 7 === 6) course.enrollmentSettings = { type: 'invite', maxStudents: 50 }
    if (k % 2) course.thumbnail = `${BUCKET}/courses/thumbs/${String(courseId)}.jpg`
    else course.thumbnailKey = `courses/thumbs/${String(courseId)}.png`
    courses.push(course)

    // Questions on the first two videos; a broken one and one of a deleted video now and then.
    questions.push(
      {
        _id: new ObjectId(),
        video: videoIds[0],
        course: courseId,
        question: 'Which is right?',
        options: ['This', 'That', 'Neither'],
        correctAnswer: 1,
        timestamp: 120,
        createdAt: created,
        __v: 0,
      },
      {
        _id: new ObjectId(),
        videoId: videoIds[1],
        text: 'Pick all that apply',
        options: [
          { text: 'One', isCorrect: true },
          { text: 'Two', isCorrect: false },
          { text: 'Three', isCorrect: true },
        ],
        time: 60,
        createdAt: created,
        __v: 0,
      },
    )
    if (k % 10 === 1) {
      questions.push({
        _id: new ObjectId(),
        video: videoIds[2],
        question: 'Alone?',
        options: ['Yes'],
        correctAnswer: 0,
        __v: 0,
      })
      expected.questions.invalid++
      questions.push({
        _id: new ObjectId(),
        video: new ObjectId(),
        question: 'Gone?',
        options: ['a', 'b'],
        correctAnswer: 'a',
        __v: 0,
      })
      expected.questions.ofNoVideo++
    }

    // A course playlist on every third course, a student's own playlist on every course.
    if (k % 3 === 0)
      playlists.push({
        _id: new ObjectId(),
        course: courseId,
        title: `Best of course ${k}`,
        videos: [...videoIds].reverse(),
        createdAt: created,
        updatedAt: created,
        __v: 0,
      })
    const ownList = [videoIds[0]!, videoIds[1]!]
    if (k % 10 === 2) {
      ownList.push(new ObjectId())
      expected.playlists.danglingVideos++
    }
    playlists.push({
      _id: new ObjectId(),
      user: listed[0]!.id,
      name: `Saved from course ${k}`,
      videos: ownList,
      isPublic: false,
      createdAt: created,
      updatedAt: created,
      __v: 0,
    })

    // Progress of four listed students and the extra one: video 1 complete (flagged), video 2
    // 95% watched (complete by our rule), video 3 30% and latest, video 4 listed as complete on
    // the course record only. Three of four complete: 75%.
    const progressing = [...listed.slice(0, 4), extra]
    progressing.forEach((s, i) => {
      const enrolledAt = at(k * 10 + 2)
      const stored = k % 4 === 0 && i === 1 ? 50 : 75
      if (stored !== 75) expected.courseProgress.percentDiffers++
      courseProgress.push({
        _id: new ObjectId(),
        user: s.id,
        course: courseId,
        completedVideos: [videoIds[0], videoIds[3]],
        progress: stored,
        enrolledAt,
        lastAccessedAt: at(k * 10 + 4),
        currentVideo: videoIds[2],
        createdAt: enrolledAt,
        updatedAt: at(k * 10 + 4),
        __v: 0,
      })
      expected.courseProgress.derived++
      const watched = [DURATION, DURATION * 0.95, DURATION * 0.3]
      watched.forEach((seconds, v) => {
        videoProgress.push({
          _id: new ObjectId(),
          [v === 1 ? 'userId' : 'user']: s.id,
          [v === 1 ? 'videoId' : 'video']: videoIds[v],
          ...(v === 0 ? { course: courseId } : {}),
          watchedDuration: seconds,
          currentTime: seconds,
          duration: DURATION,
          completed: v === 0,
          ...(v === 0 ? { completedAt: at(k * 10 + 3) } : {}),
          lastWatchedAt: at(k * 10 + 3 + v),
          createdAt: enrolledAt,
          updatedAt: at(k * 10 + 3 + v),
          __v: 0,
        })
        if (v === 1) expected.videoProgress.ourRuleCompletes++
      })
      activities.push(
        {
          _id: new ObjectId(),
          user: s.id,
          course: courseId,
          action: 'enroll',
          timestamp: enrolledAt,
          __v: 0,
        },
        {
          _id: new ObjectId(),
          user: s.id,
          course: courseId,
          video: videoIds[0],
          action: 'video_complete',
          timestamp: at(k * 10 + 3),
          __v: 0,
        },
        { _id: new ObjectId(), user: s.id, action: 'login', timestamp: at(k * 10 + 2), __v: 0 },
      )
      expected.activities.notCarried++
    })
    if (k % 10 === 5) {
      courseProgress.push({
        _id: new ObjectId(),
        user: new ObjectId(),
        course: courseId,
        completedVideos: [],
        progress: 0,
        __v: 0,
      })
      expected.courseProgress.ofNoUser++
      videoProgress.push({
        _id: new ObjectId(),
        user: listed[0]!.id,
        video: new ObjectId(),
        watchedDuration: 5,
        __v: 0,
      })
      expected.videoProgress.ofNoVideo++
    }

    if (k === 0)
      subject = {
        courseId,
        videoIds,
        university: university!,
        stranger: universities[1]!,
        student: listed[0]!,
        enrolledCount: enrolled.length,
        reviews: 3,
        ratingSum,
        progress: {
          completedVideos: 3,
          percent: 75,
          resumeVideo: videoIds[2]!,
          position: DURATION * 0.3,
        },
        transcodedKey: `courses/videos/${String(videoIds[0])}/720p.mp4`,
        checkpointVideo: videoIds[0]!,
      }
  }

  await insertInChunks(ctx.sanora, 'courses', courses)
  await insertInChunks(ctx.sanora, 'videos', videos)
  await insertInChunks(ctx.sanora, 'questions', questions)
  await insertInChunks(ctx.sanora, 'playlists', playlists)
  await insertInChunks(ctx.sanora, 'uservideoprogresses', videoProgress)
  await insertInChunks(ctx.sanora, 'usercourseprogresses', courseProgress)
  await insertInChunks(ctx.sanora, 'useractivities', activities)
  await insertInChunks(ctx.sanora, 'coursereviews', reviews)
  return {
    counts: {
      courses: courses.length,
      videos: videos.length,
      questions: questions.length,
      playlists: playlists.length,
      uservideoprogresses: videoProgress.length,
      usercourseprogresses: courseProgress.length,
      useractivities: activities.length,
      coursereviews: reviews.length,
    },
    expected,
    subject: subject!,
  }
}
