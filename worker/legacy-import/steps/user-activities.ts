// Sanora `useractivities` → `user_activity`, the learning log our activity route reads. The old
// action names (`enroll`, `video_watch`, `video_complete`, `question_answered`, `review`, …) map
// to ours; an entry of another kind, or of no course, has no place in a course log and is skipped
// and counted by kind.
import type { ActivityDoc, ActivityType } from '../../courses/activity-store'
import { unknownFields } from '../legacy-fields'
import type { Fields, Step, Transformed } from '../step'
import {
  COURSE_FIELDS,
  USER_FIELDS,
  VIDEO_FIELDS,
  courseRef,
  firstId,
  firstNumber,
  firstString,
  timestamps,
  userRef,
  videoRef,
} from './course-refs'
import { asDate } from '../legacy-fields'

const TYPES: Record<string, ActivityType> = {
  enroll: 'enrolled',
  enrolled: 'enrolled',
  'course-enrolled': 'enrolled',
  'course-enroll': 'enrolled',
  enrollment: 'enrolled',
  unenroll: 'unenrolled',
  unenrolled: 'unenrolled',
  'course-unenrolled': 'unenrolled',
  watch: 'video-progress',
  'video-watch': 'video-progress',
  'video-watched': 'video-progress',
  'video-progress': 'video-progress',
  'video-started': 'video-progress',
  'video-view': 'video-progress',
  'video-complete': 'video-completed',
  'video-completed': 'video-completed',
  'question-answered': 'checkpoint-answered',
  'question-answer': 'checkpoint-answered',
  'checkpoint-answered': 'checkpoint-answered',
  'quiz-answered': 'checkpoint-answered',
  review: 'review-written',
  'review-written': 'review-written',
  'course-reviewed': 'review-written',
  'review-deleted': 'review-deleted',
}

const KNOWN = [
  ...USER_FIELDS,
  ...COURSE_FIELDS,
  ...VIDEO_FIELDS,
  'type',
  'action',
  'activityType',
  'question',
  'questionId',
  'watchedSeconds',
  'positionSeconds',
  'rating',
  'correct',
  'isCorrect',
  'timestamp',
  'createdAt',
  'updatedAt',
]

export const activityType = (raw: string | undefined) =>
  raw
    ? TYPES[
        raw
          .trim()
          .toLowerCase()
          .replace(/[\s_]+/g, '-')
      ]
    : undefined

export const sanoraUserActivities: Step = {
  name: 'sanora.useractivities',
  group: 'courses',
  db: 'sanora',
  collection: 'useractivities',
  transform(doc): Transformed {
    const userId = userRef(doc)
    if (!userId) return { skip: 'no user', outputs: [] }
    const raw = firstString(doc, 'type', 'action', 'activityType')
    const type = activityType(raw)
    if (!type)
      return {
        skip: 'not a course activity here',
        outputs: [],
        notes: [{ kind: 'activity kind not carried', detail: { kind: raw ?? null } }],
      }
    const courseId = courseRef(doc)
    if (!courseId) return { skip: 'no course', outputs: [] }
    const entry: Omit<ActivityDoc, 'type'> & Fields = {
      _id: doc._id,
      userId,
      type,
      courseId,
      at: asDate(doc.timestamp) ?? timestamps(doc).createdAt,
      legacy: unknownFields(doc, KNOWN),
    }
    const videoId = videoRef(doc)
    if (videoId) entry.videoId = videoId
    const checkpointId = firstId(doc, 'question', 'questionId')
    if (checkpointId) entry.checkpointId = checkpointId
    for (const field of ['watchedSeconds', 'positionSeconds', 'rating'] as const) {
      const value = firstNumber(doc, field)
      if (value !== undefined) entry[field] = value
    }
    const correct = doc.correct ?? doc.isCorrect
    if (typeof correct === 'boolean') entry.correct = correct
    return {
      outputs: [{ collection: 'user_activity', document: entry }],
      refs: [
        { field: 'user', db: 'sanora', collection: 'users', id: userId },
        { field: 'course', db: 'sanora', collection: 'courses', id: courseId },
      ],
    }
  },
}
