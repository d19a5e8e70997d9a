// Sanora `videos` → `course_videos`, and one `media` record per video holding its S3 key (the
// transcoded MP4 when the old system made one, else the upload), presigned as a new upload's so the
// video still plays. The original, transcoded and thumbnail keys and the duration are kept beside
// it. The course is the video's `course`/`courseId`, else the course whose `videos` array lists
// it; the order is the video's own, else its place in that array.
import type { ObjectId } from 'mongodb'
import type { MediaDoc } from '../../media/store'
import { objectIds, unknownFields } from '../legacy-fields'
import type { Fields, Step, Transformed } from '../step'
import {
  COURSE_FIELDS,
  contentTypeOf,
  courseRef,
  coursesContaining,
  durationOf,
  firstId,
  firstNumber,
  firstString,
  timestamps,
  uniqueIds,
  videoFile,
} from './course-refs'

const KNOWN = [
  ...COURSE_FIELDS,
  'title',
  'name',
  'description',
  'order',
  'position',
  'index',
  's3Key',
  'key',
  'videoKey',
  'originalKey',
  'videoUrl',
  'url',
  'originalUrl',
  'transcodedKey',
  'transcodedUrl',
  'processedUrl',
  'transcoded',
  'thumbnailKey',
  'thumbnail',
  'thumbnailUrl',
  'duration',
  'durationSeconds',
  'size',
  'createdAt',
  'updatedAt',
]

interface Prepared {
  /** Each course of the batch (by hex) that exists: its university and its `videos` array. */
  courses: Map<string, { universityId?: ObjectId; videos: string[] }>
  /** Videos without a course field: the course listing them. */
  listedIn: Map<string, ObjectId>
}

export const sanoraCourseVideos: Step<Prepared> = {
  name: 'sanora.videos',
  group: 'courses',
  db: 'sanora',
  collection: 'videos',
  async prepare(batch, source) {
    const listedIn = await coursesContaining(
      source,
      batch.filter((v) => !courseRef(v)).map((v) => v._id),
    )
    const ids = uniqueIds([...batch.map(courseRef), ...listedIn.values()])
    const docs = ids.length ? await source.find('sanora', 'courses', { _id: { $in: ids } }) : []
    return {
      listedIn,
      courses: new Map(
        docs.map((c) => [
          String(c._id),
          {
            universityId: firstId(
              c,
              'university',
              'universityId',
              'owner',
              'createdBy',
              'instructor',
            ),
            videos: objectIds(c.videos).map(String),
          },
        ]),
      ),
    }
  },
  transform(doc, _ctx, prepared): Transformed {
    const id = String(doc._id)
    const courseId = courseRef(doc) ?? prepared.listedIn.get(id)
    if (!courseId) return { skip: 'no course', outputs: [] }
    const course = prepared.courses.get(String(courseId))
    if (!course)
      return {
        skip: 'course does not exist',
        outputs: [],
        refs: [{ field: 'course', db: 'sanora', collection: 'courses', id: courseId }],
      }
    if (!course.universityId) return { skip: 'course without a university', outputs: [] }
    const file = videoFile(doc)
    if (!file)
      return {
        skip: 'no video file (S3 key or URL)',
        outputs: [],
        notes: [{ kind: 'video without an S3 key or URL, not imported', detail: { id } }],
      }
    const { createdAt, updatedAt } = timestamps(doc)
    const listedAt = course.videos.indexOf(id)
    const order = firstNumber(doc, 'order', 'position', 'index') ?? (listedAt >= 0 ? listedAt : 0)
    const video: Fields & { _id: unknown } = {
      _id: doc._id,
      courseId,
      mediaId: doc._id,
      title: firstString(doc, 'title', 'name') ?? 'Video',
      order,
      durationSeconds: durationOf(doc),
      createdAt,
      legacy: unknownFields(doc, KNOWN),
    }
    const description = firstString(doc, 'description')
    if (description) video.description = description
    if (file.thumbnailKey) video.thumbnailKey = file.thumbnailKey
    const size = firstNumber(doc, 'size') ?? 0
    const media: MediaDoc & { legacy: Fields } = {
      _id: doc._id,
      ownerId: course.universityId,
      purpose: 'course-video',
      kind: 'video',
      contentType: contentTypeOf(file.key, 'video/mp4'),
      declaredSize: size,
      key: file.key,
      status: 'ready',
      upload: { mode: 'single' },
      size,
      createdAt,
      updatedAt,
      completedAt: createdAt,
      legacy: {
        ...(file.originalKey ? { originalKey: file.originalKey } : {}),
        ...(file.transcodedKey ? { transcodedKey: file.transcodedKey } : {}),
        ...(file.thumbnailKey ? { thumbnailKey: file.thumbnailKey } : {}),
      },
    }
    return {
      outputs: [
        { collection: 'course_videos', document: video },
        { collection: 'media', document: { ...media } },
      ],
      refs: [{ field: 'course', db: 'sanora', collection: 'courses', id: courseId }],
    }
  },
}
