// The question transform: options and right answers in every old shape, the course from the video.
import { ObjectId } from 'mongodb'
import { describe, expect, it } from 'vitest'
import type { LegacyDoc, StepContext, Transformed } from '../step'
import { questionChoices, sanoraCourseQuestions } from './course-questions'

const ctx: StepContext = { now: new Date('2026-01-01T00:00:00Z'), refreshTtlDays: 60 }
const courseId = new ObjectId()
const videoId = new ObjectId()
const question = (fields: Partial<LegacyDoc> = {}): LegacyDoc => ({
  _id: new ObjectId(),
  video: videoId,
  question: 'Which?',
  options: ['A', 'B', 'C'],
  correctAnswer: 'B',
  timestamp: 42,
  __v: 0,
  ...fields,
})
const run = (doc: LegacyDoc) =>
  sanoraCourseQuestions.transform(doc, ctx, {
    videos: new Map([
      [String(videoId), { id: videoId, courseId, durationSeconds: 60, imported: true }],
    ]),
  }) as Transformed

describe('questionChoices', () => {
  it('reads right answers by index, by text, and from options marked correct', () => {
    expect(questionChoices(question({ correctAnswer: 2 }))).toEqual({
      options: ['A', 'B', 'C'],
      correct: [2],
    })
    expect(
      questionChoices(
        question({
          options: [{ text: 'x', isCorrect: true }, { text: 'y' }, { text: 'z', correct: true }],
          correctAnswer: undefined,
        }),
      ),
    ).toEqual({ options: ['x', 'y', 'z'], correct: [0, 2] })
  })
})

describe('sanoraCourseQuestions.transform', () => {
  it('becomes a checkpoint of the video’s course at its time', () => {
    const doc = question()
    expect(run(doc).outputs[0]).toMatchObject({
      collection: 'course_checkpoints',
      document: {
        _id: doc._id,
        courseId,
        videoId,
        atSecond: 42,
        question: 'Which?',
        kind: 'single',
        options: ['A', 'B', 'C'],
        correct: [1],
      },
    })
  })

  it('skips a question ours cannot hold, and one of a missing video', () => {
    expect(run(question({ options: ['A'] })).skip).toBe(
      'not a question ours can hold (under two options or no right answer)',
    )
    expect(run(question({ video: new ObjectId() })).skip).toBe('video does not exist')
  })
})
