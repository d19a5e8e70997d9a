// Course analytics for the owner, each figure computed by one aggregation pipeline in MongoDB:
// enrollments per day (from the activity log, so students who left still count on the day they
// joined), views and watch time and completion per video, course completion among the current
// students, and checkpoint accuracy. Rates are fractions in [0, 1] rounded to 4 decimals.
import type { Db, ObjectId } from 'mongodb'
import { activity } from './activity-store'
import { checkpointAnswers } from './checkpoints-store'
import { enrollments, videoProgress } from './store'

const RATE_DIGITS = 4
/** `part / whole` rounded, or 0 when nothing was counted. */
const rate = (part: string, whole: string) => ({
  $cond: [{ $gt: [whole, 0] }, { $round: [{ $divide: [part, whole] }, RATE_DIGITS] }, 0],
})
const countIf = (condition: unknown) => ({ $sum: { $cond: [condition, 1, 0] } })

export interface EnrollmentDay {
  day: string
  enrolled: number
  unenrolled: number
}

/** Enrollment and unenrollment events per UTC day in [from, to). */
export function enrollmentsPerDay(db: Db, courseId: ObjectId, from: Date, to: Date) {
  return activity(db)
    .aggregate<EnrollmentDay>([
      {
        $match: {
          courseId,
          type: { $in: ['enrolled', 'unenrolled'] },
          at: { $gte: from, $lt: to },
        },
      },
      {
        $group: {
          _id: { $dateToString: { format: '%Y-%m-%d', date: '$at' } },
          enrolled: countIf({ $eq: ['$type', 'enrolled'] }),
          unenrolled: countIf({ $eq: ['$type', 'unenrolled'] }),
        },
      },
      { $sort: { _id: 1 } },
      { $project: { _id: 0, day: '$_id', enrolled: 1, unenrolled: 1 } },
    ])
    .toArray()
}

export interface VideoViews {
  videoId: ObjectId
  /** Students who started the video (one progress record each). */
  viewers: number
  completions: number
  completionRate: number
  watchSeconds: number
}

export interface ViewTotals {
  /** Distinct students who started any video. */
  viewers: number
  /** (student, video) pairs started. */
  views: number
  watchSeconds: number
}

/** Per-video views, completions and watch time, and the course totals, in one pass. */
export async function videoViews(db: Db, courseId: ObjectId, videoIds: ObjectId[]) {
  const [result] = await videoProgress(db)
    .aggregate<{ perVideo: VideoViews[]; totals: ViewTotals[] }>([
      { $match: { courseId, videoId: { $in: videoIds } } },
      {
        $facet: {
          perVideo: [
            {
              $group: {
                _id: '$videoId',
                viewers: { $sum: 1 },
                completions: countIf({ $ifNull: ['$completedAt', false] }),
                watchSeconds: { $sum: '$watchedSeconds' },
              },
            },
            {
              $project: {
                _id: 0,
                videoId: '$_id',
                viewers: 1,
                completions: 1,
                watchSeconds: 1,
                completionRate: rate('$completions', '$viewers'),
              },
            },
          ],
          totals: [
            {
              $group: {
                _id: null,
                students: { $addToSet: '$userId' },
                views: { $sum: 1 },
                watchSeconds: { $sum: '$watchedSeconds' },
              },
            },
            { $project: { _id: 0, viewers: { $size: '$students' }, views: 1, watchSeconds: 1 } },
          ],
        },
      },
    ])
    .toArray()
  return {
    perVideo: result?.perVideo ?? [],
    totals: result?.totals[0] ?? { viewers: 0, views: 0, watchSeconds: 0 },
  }
}

export interface CourseCompletion {
  students: number
  completedStudents: number
  completionRate: number
}

/** Current students, how many completed every current video, and the share. */
export async function courseCompletion(
  db: Db,
  courseId: ObjectId,
  videoIds: ObjectId[],
): Promise<CourseCompletion> {
  const [row] = await enrollments(db)
    .aggregate<CourseCompletion>([
      { $match: { courseId } },
      {
        $lookup: {
          from: videoProgress(db).collectionName,
          let: { userId: '$userId' },
          pipeline: [
            {
              $match: {
                $expr: {
                  $and: [{ $eq: ['$courseId', courseId] }, { $eq: ['$userId', '$$userId'] }],
                },
              },
            },
            { $match: { videoId: { $in: videoIds }, completedAt: { $exists: true } } },
            { $count: 'completed' },
          ],
          as: 'done',
        },
      },
      {
        $group: {
          _id: null,
          students: { $sum: 1 },
          // A course without videos has nothing to complete.
          completedStudents: countIf({
            $and: [
              { $gt: [videoIds.length, 0] },
              { $gte: [{ $ifNull: [{ $first: '$done.completed' }, 0] }, videoIds.length] },
            ],
          }),
        },
      },
      {
        $project: {
          _id: 0,
          students: 1,
          completedStudents: 1,
          completionRate: rate('$completedStudents', '$students'),
        },
      },
    ])
    .toArray()
  return row ?? { students: 0, completedStudents: 0, completionRate: 0 }
}

export interface CheckpointScore {
  checkpointId: ObjectId
  answers: number
  correct: number
  accuracy: number
}

/** Answers, correct answers and accuracy per checkpoint and over the course. */
export async function checkpointAccuracy(db: Db, courseId: ObjectId) {
  const score = {
    answers: { $sum: 1 },
    correct: countIf('$correct'),
  }
  const [result] = await checkpointAnswers(db)
    .aggregate<{
      perCheckpoint: CheckpointScore[]
      totals: Omit<CheckpointScore, 'checkpointId'>[]
    }>([
      { $match: { courseId } },
      {
        $facet: {
          perCheckpoint: [
            { $group: { _id: '$checkpointId', ...score } },
            {
              $project: {
                _id: 0,
                checkpointId: '$_id',
                answers: 1,
                correct: 1,
                accuracy: rate('$correct', '$answers'),
              },
            },
          ],
          totals: [
            { $group: { _id: null, ...score } },
            {
              $project: { _id: 0, answers: 1, correct: 1, accuracy: rate('$correct', '$answers') },
            },
          ],
        },
      },
    ])
    .toArray()
  return {
    perCheckpoint: result?.perCheckpoint ?? [],
    totals: result?.totals[0] ?? { answers: 0, correct: 0, accuracy: 0 },
  }
}
