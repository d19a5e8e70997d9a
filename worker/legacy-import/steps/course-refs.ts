// What the Sanora course steps share: the old models' reference fields (each under the names the
// old controllers used), S3 keys read from a key or from a full S3/CDN URL, stable derived ids, and
// the bulk look-ups that place a video in its course.
import { createHash } from 'node:crypto'
import { ObjectId } from 'mongodb'
import type { LegacySource } from '../legacy-source'
import { asDate, asObjectId, asString, objectIds } from '../legacy-fields'
import type { Fields, LegacyDoc } from '../step'

export const firstId = (doc: Fields, ...names: string[]) =>
  names.map((n) => asObjectId(doc[n])).find((v) => v !== undefined)
export const firstString = (doc: Fields, ...names: string[]) =>
  names.map((n) => asString(doc[n])).find((v) => v !== undefined)
export const firstNumber = (doc: Fields, ...names: string[]) =>
  names.map((n) => doc[n]).find((v): v is number => typeof v === 'number' && Number.isFinite(v))

export const COURSE_FIELDS = ['course', 'courseId']
export const USER_FIELDS = ['user', 'userId', 'student', 'studentId']
export const VIDEO_FIELDS = ['video', 'videoId']
export const courseRef = (doc: Fields) => firstId(doc, ...COURSE_FIELDS)
export const userRef = (doc: Fields) => firstId(doc, ...USER_FIELDS)
export const videoRef = (doc: Fields) => firstId(doc, ...VIDEO_FIELDS)

/** A course's students as the old model listed them (`enrolledStudents` or `students`). */
export const studentRefs = (course: Fields) => [
  ...objectIds(course.enrolledStudents),
  ...objectIds(course.students),
]

/** A stable id for something the old system stored without one: the same on every run. */
export function derivedId(...parts: string[]) {
  return new ObjectId(createHash('sha256').update(parts.join(':')).digest().subarray(0, 12))
}

export function timestamps(doc: LegacyDoc) {
  const createdAt = asDate(doc.createdAt) ?? doc._id.getTimestamp()
  return { createdAt, updatedAt: asDate(doc.updatedAt) ?? createdAt }
}

/**
 * The S3 key of a stored key or URL: a virtual-hosted S3 URL or a CDN URL gives its path, a
 * path-style S3 URL its path after the bucket.
 */
export function s3Key(value: unknown): string | undefined {
  const raw = asString(value)
  if (!raw) return undefined
  if (!/^https?:\/\//i.test(raw)) return raw.replace(/^\/+/, '') || undefined
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return undefined
  }
  let path = decodeURIComponent(url.pathname).replace(/^\/+/, '')
  if (/^s3([.-][a-z0-9-]+)*\.amazonaws\.com$/i.test(url.hostname))
    path = path.split('/').slice(1).join('/')
  return path || undefined
}

/** The content type a key's extension says, or the fallback. */
export function contentTypeOf(key: string, fallback: string) {
  const ext = key.toLowerCase().split('.').pop() ?? ''
  const types: Record<string, string> = {
    mp4: 'video/mp4',
    m4v: 'video/mp4',
    mov: 'video/quicktime',
    webm: 'video/webm',
    mkv: 'video/x-matroska',
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    png: 'image/png',
    webp: 'image/webp',
    gif: 'image/gif',
  }
  return types[ext] ?? fallback
}

export interface VideoFile {
  /** What plays: the transcoded MP4 when the old system made one, else the upload. */
  key: string
  originalKey?: string
  transcodedKey?: string
  thumbnailKey?: string
}

/** Where a legacy video's file is, from its key fields or its URLs; none without either. */
export function videoFile(video: Fields): VideoFile | undefined {
  const originalKey =
    s3Key(video.s3Key) ??
    s3Key(video.key) ??
    s3Key(video.videoKey) ??
    s3Key(video.originalKey) ??
    s3Key(video.videoUrl) ??
    s3Key(video.url) ??
    s3Key(video.originalUrl)
  const transcoded = video.transcoded as Fields | undefined
  const transcodedKey =
    s3Key(video.transcodedKey) ??
    s3Key(video.transcodedUrl) ??
    s3Key(video.processedUrl) ??
    (transcoded && typeof transcoded === 'object'
      ? (s3Key(transcoded.key) ?? s3Key(transcoded.url) ?? s3Key(transcoded.mp4))
      : undefined)
  const key = transcodedKey ?? originalKey
  if (!key) return undefined
  const file: VideoFile = { key }
  if (originalKey) file.originalKey = originalKey
  if (transcodedKey) file.transcodedKey = transcodedKey
  const thumbnailKey =
    s3Key(video.thumbnailKey) ?? s3Key(video.thumbnail) ?? s3Key(video.thumbnailUrl)
  if (thumbnailKey) file.thumbnailKey = thumbnailKey
  return file
}

export const durationOf = (video: Fields) =>
  firstNumber(video, 'duration', 'durationSeconds', 'length') ?? 0

/** A legacy video as the course steps need it: its course, length and whether it is imported. */
export interface LegacyVideo {
  id: ObjectId
  courseId?: ObjectId
  durationSeconds: number
  /** Imported only with a file to play (the videos step skips the others). */
  imported: boolean
}

const describe = (video: LegacyDoc, courseId: ObjectId | undefined): LegacyVideo => ({
  id: video._id,
  courseId,
  durationSeconds: durationOf(video),
  imported: courseId !== undefined && videoFile(video) !== undefined,
})

/**
 * The course of each video: its own `course`/`courseId`, else the course whose `videos` array
 * lists it (the old model kept both sides; either may be missing).
 */
export async function coursesContaining(source: LegacySource, videoIds: ObjectId[]) {
  const byVideo = new Map<string, ObjectId>()
  if (videoIds.length === 0) return byVideo
  const courses = await source.find('sanora', 'courses', { videos: { $in: videoIds } })
  const wanted = new Set(videoIds.map(String))
  for (const course of courses)
    for (const id of objectIds(course.videos))
      if (wanted.has(String(id)) && !byVideo.has(String(id))) byVideo.set(String(id), course._id)
  return byVideo
}

/** The legacy videos of these ids that exist, keyed by hex, each placed in its course. */
export async function legacyVideos(source: LegacySource, ids: ObjectId[]) {
  const found = new Map<string, LegacyVideo>()
  if (ids.length === 0) return found
  const docs = await source.find('sanora', 'videos', { _id: { $in: ids } })
  const listed = await coursesContaining(
    source,
    docs.filter((d) => !courseRef(d)).map((d) => d._id),
  )
  for (const doc of docs)
    found.set(String(doc._id), describe(doc, courseRef(doc) ?? listed.get(String(doc._id))))
  return found
}

/** The imported videos of each of these courses, keyed by the course's hex. */
export async function videosOfCourses(source: LegacySource, courseIds: ObjectId[]) {
  const byCourse = new Map<string, LegacyVideo[]>()
  if (courseIds.length === 0) return byCourse
  const courses = await source.find('sanora', 'courses', { _id: { $in: courseIds } })
  const listedIn = new Map<string, ObjectId>()
  for (const course of courses)
    for (const id of objectIds(course.videos)) listedIn.set(String(id), course._id)
  const docs = await source.find('sanora', 'videos', {
    $or: [
      { course: { $in: courseIds } },
      { courseId: { $in: courseIds } },
      { _id: { $in: [...listedIn.keys()].map((id) => new ObjectId(id)) } },
    ],
  })
  for (const doc of docs) {
    const video = describe(doc, courseRef(doc) ?? listedIn.get(String(doc._id)))
    if (!video.imported || !video.courseId) continue
    const list = byCourse.get(String(video.courseId)) ?? []
    list.push(video)
    byCourse.set(String(video.courseId), list)
  }
  return byCourse
}

/** Ids made unique by hex. */
export const uniqueIds = (ids: (ObjectId | undefined)[]) => [
  ...new Map(ids.flatMap((id) => (id ? [[String(id), id] as const] : []))).values(),
]
