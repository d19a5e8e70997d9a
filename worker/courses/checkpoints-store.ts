// Checkpoints: questions the course owner pins to a moment of a course video, and the students'
// answers. One scored attempt per student per checkpoint (a unique index), so a student cannot
// retry until correct and the accuracy figures count each student once.
import type { Collection, Db, ObjectId } from 'mongodb'

export const CHECKPOINT_KINDS = ['single', 'multiple'] as const
export type CheckpointKind = (typeof CHECKPOINT_KINDS)[number]

export interface CheckpointDoc {
  _id: ObjectId
  courseId: ObjectId
  videoId: ObjectId
  atSecond: number
  question: string
  kind: CheckpointKind
  options: string[]
  /** Indexes into `options`, ascending; exactly one for a single-choice question. */
  correct: number[]
  createdAt: Date
}

export interface CheckpointAnswerDoc {
  _id: ObjectId
  courseId: ObjectId
  videoId: ObjectId
  checkpointId: ObjectId
  userId: ObjectId
  /** Indexes into the checkpoint's options, ascending and distinct. */
  selected: number[]
  correct: boolean
  createdAt: Date
}

export const checkpoints = (db: Db): Collection<CheckpointDoc> =>
  db.collection<CheckpointDoc>('course_checkpoints')
export const checkpointAnswers = (db: Db): Collection<CheckpointAnswerDoc> =>
  db.collection<CheckpointAnswerDoc>('course_checkpoint_answers')

/** Right only when exactly the correct options were chosen (both lists sorted and distinct). */
export const isCorrectAnswer = (correct: number[], selected: number[]) =>
  correct.length === selected.length && correct.every((v, i) => v === selected[i])

/** Removes checkpoints and their answers of a whole course, or of one of its videos. */
export async function deleteCheckpoints(db: Db, scope: { courseId: ObjectId; videoId?: ObjectId }) {
  await Promise.all([checkpoints(db).deleteMany(scope), checkpointAnswers(db).deleteMany(scope)])
}
