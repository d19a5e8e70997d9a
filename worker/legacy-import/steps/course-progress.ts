// Sanora `uservideoprogresses` and `usercourseprogresses` → `course_progress`, what our progress
// routes read (one record per course, user and video). A video's record keeps its `_id`, its
// watched seconds, position and length, and is complete when the old one said so or when ours
// would (90% watched). A course record's `completedVideos` without a video record of their own get
// one (complete, id derived from course, user and video); the course record's stored percentage
// is checked against the one our progress route computes from these. The course record itself is
// kept under its enrollment's `legacy.courseProgress` (the courses step).
import type { ObjectId } from 'mongodb'
import type { VideoProgressDoc } from '../../courses/store'
import { asDate, counterDifference, objectIds, unknownFields } from '../legacy-fields'
import type { Fields, LegacyDoc, Note, Output, Ref, Step, Transformed } from '../step'
import {
  COURSE_FIELDS,
  USER_FIELDS,
  VIDEO_FIELDS,
  courseRef,
  derivedId,
  firstNumber,
  legacyVideos,
  timestamps,
  uniqueIds,
  userRef,
  videoRef,
  videosOfCourses,
  type LegacyVideo,
} from './course-refs'

/** Our progress route's rule (worker/courses/routes/progress.ts). */
const COMPLETE_RATIO = 0.9

const VIDEO_KNOWN = [
  ...COURSE_FIELDS,
  ...USER_FIELDS,
  ...VIDEO_FIELDS,
  'watchedSeconds',
  'watchedDuration',
  'watchTime',
  'currentTime',
  'lastPosition',
  'position',
  'positionSeconds',
  'duration',
  'totalDuration',
  'durationSeconds',
  'completed',
  'isCompleted',
  'completedAt',
  'lastWatchedAt',
  'lastAccessedAt',
  'createdAt',
  'updatedAt',
]

const pairKey = (user: ObjectId | undefined, video: ObjectId | undefined) =>
  `${String(user)}:${String(video)}`

/** What a legacy video progress record says, in our fields. */
function videoProgressOf(doc: LegacyDoc, durationOfVideo: number) {
  const durationSeconds =
    firstNumber(doc, 'duration', 'totalDuration', 'durationSeconds') ?? durationOfVideo
  const watchedSeconds = Math.max(
    0,
    firstNumber(doc, 'watchedSeconds', 'watchedDuration', 'watchTime') ?? 0,
  )
  const positionSeconds = Math.max(
    0,
    firstNumber(doc, 'currentTime', 'lastPosition', 'position', 'positionSeconds') ??
      watchedSeconds,
  )
  const flagged = doc.completed === true || doc.isCompleted === true
  const byOurRule = durationSeconds > 0 && watchedSeconds >= COMPLETE_RATIO * durationSeconds
  const { updatedAt } = timestamps(doc)
  const lastActivityAt = asDate(doc.lastWatchedAt) ?? asDate(doc.lastAccessedAt) ?? updatedAt
  return {
    durationSeconds,
    watchedSeconds,
    positionSeconds,
    flagged,
    complete: flagged || byOurRule,
    completedAt: asDate(doc.completedAt) ?? lastActivityAt,
    lastActivityAt,
  }
}

interface VideoPrepared {
  videos: Map<string, LegacyVideo>
  users: Set<string>
  /** The latest record per `<user>:<video>` (the unique key ours has). */
  latest: Map<string, ObjectId>
  /** `completedVideos` of the course records of the batch's users, per `<user>:<video>`. */
  listedComplete: Set<string>
}

export const sanoraVideoProgress: Step<VideoPrepared> = {
  name: 'sanora.uservideoprogresses',
  group: 'courses',
  db: 'sanora',
  collection: 'uservideoprogresses',
  async prepare(batch, source) {
    const userIds = uniqueIds(batch.map(userRef))
    const videoIds = uniqueIds(batch.map(videoRef))
    const [videos, users, same, courseRecords] = await Promise.all([
      legacyVideos(source, videoIds),
      source.existing('sanora', 'users', userIds),
      source.find('sanora', 'uservideoprogresses', {
        $and: [
          { $or: USER_FIELDS.map((f) => ({ [f]: { $in: userIds } })) },
          { $or: VIDEO_FIELDS.map((f) => ({ [f]: { $in: videoIds } })) },
        ],
      }),
      source.find('sanora', 'usercourseprogresses', {
        $or: USER_FIELDS.map((f) => ({ [f]: { $in: userIds } })),
      }),
    ])
    const latest = new Map<string, ObjectId>()
    for (const doc of same) {
      const key = pairKey(userRef(doc), videoRef(doc))
      const current = latest.get(key)
      if (!current || String(doc._id) > String(current)) latest.set(key, doc._id)
    }
    const listedComplete = new Set(
      courseRecords.flatMap((c) => objectIds(c.completedVideos).map((v) => pairKey(userRef(c), v))),
    )
    return { videos, users, latest, listedComplete }
  },
  transform(doc, _ctx, prepared): Transformed {
    const id = String(doc._id)
    const userId = userRef(doc)
    const videoId = videoRef(doc)
    if (!userId) return { skip: 'no user', outputs: [] }
    if (!videoId) return { skip: 'no video', outputs: [] }
    const video = prepared.videos.get(String(videoId))
    const refs: Ref[] = []
    if (!prepared.users.has(String(userId)))
      refs.push({ field: 'user', db: 'sanora', collection: 'users', id: userId })
    if (!video) refs.push({ field: 'video', db: 'sanora', collection: 'videos', id: videoId })
    if (refs.length > 0) return { skip: 'user or video does not exist', outputs: [], refs }
    // The video's course is the one our routes find the video in.
    const courseId = video!.courseId ?? courseRef(doc)
    if (!courseId || !video!.imported) return { skip: 'video not imported', outputs: [] }
    const latest = prepared.latest.get(pairKey(userId, videoId))
    if (latest && !latest.equals(doc._id))
      return {
        skip: 'another progress record of the same user and video (the latest is kept)',
        outputs: [],
        notes: [{ kind: 'duplicate video progress', detail: { id, kept: String(latest) } }],
      }
    const p = videoProgressOf(doc, video!.durationSeconds)
    const listed = prepared.listedComplete.has(pairKey(userId, videoId))
    const notes: Note[] = []
    if (p.complete !== p.flagged || (listed && !p.complete))
      notes.push({
        kind: 'video completion differs from the old flag (complete when either says so)',
        detail: {
          id,
          flagged: p.flagged,
          listedInCourseProgress: listed,
          watched: p.watchedSeconds,
        },
      })
    const progress: Omit<VideoProgressDoc, 'completedAt'> & Fields = {
      _id: doc._id,
      courseId,
      userId,
      videoId,
      positionSeconds: p.positionSeconds,
      watchedSeconds: p.watchedSeconds,
      durationSeconds: p.durationSeconds,
      lastActivityAt: p.lastActivityAt,
      legacy: unknownFields(doc, VIDEO_KNOWN),
    }
    if (p.complete || listed) progress.completedAt = p.completedAt
    return { outputs: [{ collection: 'course_progress', document: progress }], notes }
  },
}

interface CoursePrepared {
  users: Set<string>
  courses: Set<string>
  /** The imported videos of each course of the batch. */
  videos: Map<string, LegacyVideo[]>
  /** The batch users' video progress records, per `<user>:<video>`: complete or not. */
  videoRecords: Map<string, boolean>
}

export const sanoraCourseProgress: Step<CoursePrepared> = {
  name: 'sanora.usercourseprogresses',
  group: 'courses',
  db: 'sanora',
  collection: 'usercourseprogresses',
  async prepare(batch, source) {
    const userIds = uniqueIds(batch.map(userRef))
    const courseIds = uniqueIds(batch.map(courseRef))
    const [users, courses, videos, records] = await Promise.all([
      source.existing('sanora', 'users', userIds),
      source.existing('sanora', 'courses', courseIds),
      videosOfCourses(source, courseIds),
      source.find('sanora', 'uservideoprogresses', {
        $or: USER_FIELDS.map((f) => ({ [f]: { $in: userIds } })),
      }),
    ])
    const lengths = new Map(
      [...videos.values()].flat().map((v) => [String(v.id), v.durationSeconds]),
    )
    const videoRecords = new Map<string, boolean>()
    for (const r of records) {
      const key = pairKey(userRef(r), videoRef(r))
      const complete = videoProgressOf(r, lengths.get(String(videoRef(r))) ?? 0).complete
      videoRecords.set(key, (videoRecords.get(key) ?? false) || complete)
    }
    return { users, courses, videos, videoRecords }
  },
  transform(doc, _ctx, prepared): Transformed {
    const id = String(doc._id)
    const userId = userRef(doc)
    const courseId = courseRef(doc)
    if (!userId) return { skip: 'no user', outputs: [] }
    if (!courseId) return { skip: 'no course', outputs: [] }
    const refs: Ref[] = []
    if (!prepared.users.has(String(userId)))
      refs.push({ field: 'user', db: 'sanora', collection: 'users', id: userId })
    if (!prepared.courses.has(String(courseId)))
      refs.push({ field: 'course', db: 'sanora', collection: 'courses', id: courseId })
    if (refs.length > 0) return { skip: 'user or course does not exist', outputs: [], refs }
    const videos = prepared.videos.get(String(courseId)) ?? []
    const ofCourse = new Map(videos.map((v) => [String(v.id), v]))
    const listed = objectIds(doc.completedVideos)
    const { updatedAt } = timestamps(doc)
    const at =
      asDate(doc.completedAt) ??
      asDate(doc.lastAccessedAt) ??
      asDate(doc.lastWatchedAt) ??
      updatedAt
    const outputs: Output[] = []
    const notes: Note[] = []
    for (const videoId of listed) {
      const video = ofCourse.get(String(videoId))
      if (!video) {
        notes.push({
          kind: 'completed video not in the course (ignored)',
          detail: { id, video: String(videoId) },
        })
        continue
      }
      if (prepared.videoRecords.has(pairKey(userId, videoId))) continue
      const progress: VideoProgressDoc = {
        _id: derivedId('course_progress', String(courseId), String(userId), String(videoId)),
        courseId,
        userId,
        videoId,
        positionSeconds: video.durationSeconds,
        watchedSeconds: video.durationSeconds,
        durationSeconds: video.durationSeconds,
        completedAt: at,
        lastActivityAt: at,
      }
      outputs.push({ collection: 'course_progress', document: { ...progress, legacy: {} } })
    }
    // The percentage our progress route will show: completed current videos of the course.
    const listedSet = new Set(listed.map(String))
    const completed = videos.filter(
      (v) =>
        listedSet.has(String(v.id)) || prepared.videoRecords.get(pairKey(userId, v.id)) === true,
    ).length
    const percent = videos.length ? Math.round((completed / videos.length) * 10_000) / 100 : 0
    const stored = firstNumber(doc, 'progress', 'progressPercentage', 'percentage', 'percent')
    const difference = counterDifference(
      'course progress percent',
      id,
      stored === undefined ? undefined : Math.round(stored * 100) / 100,
      percent,
    )
    if (difference) notes.push(difference)
    return { outputs, notes }
  },
}
