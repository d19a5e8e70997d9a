// Checkpoints (/api/courses/{id}/videos/{videoId}/checkpoints, /api/courses/{id}/checkpoints/…):
// the course owner pins single- or multiple-choice questions to a second of a course video;
// enrolled students read them without the answers and answer each once — the first answer is
// scored and final, and the reply shows whether it was right and what was.
import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { ObjectId } from 'mongodb'
import {
  courseDb,
  isEnrolled,
  loadEnrolledCourse,
  loadOwnCourse,
  loadVisibleCourse,
  ownsCourse,
} from '../access'
import type { AppEnv } from '../../env'
import { AppError } from '../../errors'
import { createRouter, errorResponses, jsonBody } from '../../openapi'
import { recordActivity } from '../activity-store'
import {
  CHECKPOINT_KINDS,
  checkpointAnswers,
  checkpoints,
  isCorrectAnswer,
  type CheckpointAnswerDoc,
  type CheckpointDoc,
} from '../checkpoints-store'
import { courseVideos, isDuplicateKey, type CourseDoc } from '../store'
import { ObjectIdSchema } from '../../../shared/ids'
import { authedRoute } from '../../authed-route'

const MAX_OPTIONS = 10
/** Option indexes: distinct, sorted on the way in so answers compare as lists. */
const OptionIndexes = z
  .array(
    z
      .number()
      .int()
      .min(0)
      .max(MAX_OPTIONS - 1),
  )
  .min(1)
  .max(MAX_OPTIONS)
  .refine((v) => new Set(v).size === v.length, 'must not repeat an option')
  .transform((v) => [...v].sort((a, b) => a - b))

const CheckpointSchema = z
  .strictObject({
    atSecond: z
      .number()
      .min(0)
      .max(7 * 24 * 3600),
    question: z.string().trim().min(1).max(2000),
    kind: z.enum(CHECKPOINT_KINDS),
    options: z.array(z.string().trim().min(1).max(500)).min(2).max(MAX_OPTIONS),
    correct: OptionIndexes,
  })
  .superRefine((v, ctx) => {
    if (v.correct.some((i) => i >= v.options.length))
      ctx.addIssue({ code: 'custom', path: ['correct'], message: 'must point at given options' })
    if (v.kind === 'single' && v.correct.length !== 1)
      ctx.addIssue({
        code: 'custom',
        path: ['correct'],
        message: 'a single-choice question has exactly one correct option',
      })
  })
const AnswerSchema = z.strictObject({ selected: OptionIndexes })
const VideoParams = z.object({ id: ObjectIdSchema, videoId: ObjectIdSchema })
const CheckpointParams = z.object({ id: ObjectIdSchema, checkpointId: ObjectIdSchema })

const publicCheckpoint = (doc: CheckpointDoc, withAnswer: boolean) => ({
  id: doc._id.toHexString(),
  videoId: doc.videoId.toHexString(),
  atSecond: doc.atSecond,
  question: doc.question,
  kind: doc.kind,
  options: doc.options,
  ...(withAnswer ? { correct: doc.correct } : {}),
})

const publicAnswer = (answer: CheckpointAnswerDoc, checkpoint: CheckpointDoc) => ({
  checkpointId: answer.checkpointId.toHexString(),
  selected: answer.selected,
  correct: answer.correct,
  correctOptions: checkpoint.correct,
  answeredAt: answer.createdAt.toISOString(),
})

async function loadCourseVideo(c: Context<AppEnv>, course: CourseDoc, videoId: string) {
  const video = await courseVideos(await courseDb(c)).findOne({
    _id: new ObjectId(videoId),
    courseId: course._id,
  })
  if (!video) throw new AppError('NOT_FOUND', 'Video not found')
  return video
}

async function loadCheckpoint(c: Context<AppEnv>, course: CourseDoc, checkpointId: string) {
  const doc = await checkpoints(await courseDb(c)).findOne({
    _id: new ObjectId(checkpointId),
    courseId: course._id,
  })
  if (!doc) throw new AppError('NOT_FOUND', 'Checkpoint not found')
  return doc
}

export const courseCheckpoints = createRouter()

courseCheckpoints.openapi(
  authedRoute({
    method: 'post',
    path: '/{id}/videos/{videoId}/checkpoints',
    tags: ['Courses'],
    summary: 'Pin a question to a moment of a video of your course',
    role: 'UNIVERSITY',
    request: { params: VideoParams, ...jsonBody(CheckpointSchema) },
    responses: { 201: { description: 'The checkpoint' }, ...errorResponses(404) },
  }),
  async (c) => {
    const { id, videoId } = c.req.valid('param')
    const course = await loadOwnCourse(c, id)
    const video = await loadCourseVideo(c, course, videoId)
    const body = c.req.valid('json')
    const doc: CheckpointDoc = {
      _id: new ObjectId(),
      courseId: course._id,
      videoId: video._id,
      ...body,
      createdAt: c.get('services').now(),
    }
    await checkpoints(await courseDb(c)).insertOne(doc)
    return c.json({ success: true, checkpoint: publicCheckpoint(doc, true) }, 201)
  },
)

courseCheckpoints.openapi(
  authedRoute({
    method: 'get',
    path: '/{id}/videos/{videoId}/checkpoints',
    tags: ['Courses'],
    summary:
      "A video's checkpoints by time: with the answers for the owner, with your own answer for students",
    request: { params: VideoParams },
    responses: {
      200: { description: 'The checkpoints' },
      ...errorResponses(403, 404),
    },
  }),
  async (c) => {
    const { id, videoId } = c.req.valid('param')
    const user = c.get('user')
    const course = await loadVisibleCourse(c, id, user)
    const owner = ownsCourse(course, user)
    if (!owner && !(await isEnrolled(c, course._id, user._id)))
      throw new AppError('FORBIDDEN', 'Enroll in this course first')
    const video = await loadCourseVideo(c, course, videoId)
    const db = await courseDb(c)
    const list = await checkpoints(db)
      .find({ courseId: course._id, videoId: video._id })
      .sort({ atSecond: 1, _id: 1 })
      .toArray()
    if (owner)
      return c.json({ success: true, checkpoints: list.map((d) => publicCheckpoint(d, true)) }, 200)
    const answers = await checkpointAnswers(db)
      .find({ checkpointId: { $in: list.map((d) => d._id) }, userId: user._id })
      .toArray()
    const answerOf = new Map(answers.map((a) => [a.checkpointId.toHexString(), a]))
    return c.json(
      {
        success: true,
        checkpoints: list.map((d) => {
          const answer = answerOf.get(d._id.toHexString())
          // The right options show only once the student's own answer is in.
          return { ...publicCheckpoint(d, false), answer: answer ? publicAnswer(answer, d) : null }
        }),
      },
      200,
    )
  },
)

courseCheckpoints.openapi(
  authedRoute({
    method: 'delete',
    path: '/{id}/checkpoints/{checkpointId}',
    tags: ['Courses'],
    summary: 'Remove a checkpoint of your course with its answers',
    role: 'UNIVERSITY',
    request: { params: CheckpointParams },
    responses: { 200: { description: 'Removed' }, ...errorResponses(404) },
  }),
  async (c) => {
    const { id, checkpointId } = c.req.valid('param')
    const course = await loadOwnCourse(c, id)
    const doc = await loadCheckpoint(c, course, checkpointId)
    const db = await courseDb(c)
    await checkpoints(db).deleteOne({ _id: doc._id })
    await checkpointAnswers(db).deleteMany({ checkpointId: doc._id })
    return c.json({ success: true, message: 'Checkpoint removed' }, 200)
  },
)

courseCheckpoints.openapi(
  authedRoute({
    method: 'post',
    path: '/{id}/checkpoints/{checkpointId}/answer',
    tags: ['Courses'],
    summary: 'Answer a checkpoint (enrolled students; the first answer is scored and final)',
    request: { params: CheckpointParams, ...jsonBody(AnswerSchema) },
    responses: {
      201: { description: 'The scored answer with the correct options' },
      ...errorResponses(403, 404, 409),
    },
  }),
  async (c) => {
    const { id, checkpointId } = c.req.valid('param')
    const course = await loadEnrolledCourse(c, id)
    const checkpoint = await loadCheckpoint(c, course, checkpointId)
    const { selected } = c.req.valid('json')
    if (selected.some((i) => i >= checkpoint.options.length))
      throw new AppError('VALIDATION_ERROR', 'Invalid request', [
        { path: 'selected', message: `options are numbered 0 to ${checkpoint.options.length - 1}` },
      ])
    if (checkpoint.kind === 'single' && selected.length !== 1)
      throw new AppError('VALIDATION_ERROR', 'Invalid request', [
        { path: 'selected', message: 'choose exactly one option' },
      ])
    const user = c.get('user')
    const now = c.get('services').now()
    const answer: CheckpointAnswerDoc = {
      _id: new ObjectId(),
      courseId: course._id,
      videoId: checkpoint.videoId,
      checkpointId: checkpoint._id,
      userId: user._id,
      selected,
      correct: isCorrectAnswer(checkpoint.correct, selected),
      createdAt: now,
    }
    const db = await courseDb(c)
    try {
      await checkpointAnswers(db).insertOne(answer)
    } catch (error) {
      if (isDuplicateKey(error))
        throw new AppError('CONFLICT', 'You have already answered this checkpoint')
      throw error
    }
    await recordActivity(db, {
      userId: user._id,
      type: 'checkpoint-answered',
      courseId: course._id,
      videoId: checkpoint.videoId,
      checkpointId: checkpoint._id,
      correct: answer.correct,
      at: now,
    })
    return c.json({ success: true, answer: publicAnswer(answer, checkpoint) }, 201)
  },
)
