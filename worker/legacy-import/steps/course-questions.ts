// Sanora `questions` (questions shown at a moment of a course video) → `course_checkpoints`. The
// options become a list of texts and the right answers their indexes, from `correctAnswer(s)` (an
// index or an option's text) or options marked `isCorrect`; a question with more than one right
// answer is multiple-choice. One our checkpoints could not hold (under two options, no right one)
// is skipped and listed. The course is its video's (the one our routes find the video in).
import type { CheckpointDoc } from '../../courses/checkpoints-store'
import { unknownFields } from '../legacy-fields'
import type { Fields, LegacyDoc, Step, Transformed } from '../step'
import {
  COURSE_FIELDS,
  VIDEO_FIELDS,
  courseRef,
  firstNumber,
  firstString,
  legacyVideos,
  timestamps,
  uniqueIds,
  videoRef,
  type LegacyVideo,
} from './course-refs'

const KNOWN = [
  ...COURSE_FIELDS,
  ...VIDEO_FIELDS,
  'question',
  'text',
  'options',
  'correctAnswer',
  'correctAnswers',
  'correctOption',
  'type',
  'timestamp',
  'time',
  'atSecond',
  'timeInSeconds',
  'showAt',
  'createdAt',
  'updatedAt',
]

/** The options' texts and the indexes of the right ones. */
export function questionChoices(doc: LegacyDoc) {
  const raw = Array.isArray(doc.options) ? (doc.options as unknown[]) : []
  const options: string[] = []
  const correct = new Set<number>()
  for (const o of raw) {
    const sub = o && typeof o === 'object' ? (o as Fields) : undefined
    const text = sub ? firstString(sub, 'text', 'option', 'label') : firstString({ o }, 'o')
    if (!text) continue
    if (sub && (sub.isCorrect === true || sub.correct === true)) correct.add(options.length)
    options.push(text)
  }
  const answers = [
    ...(Array.isArray(doc.correctAnswers) ? (doc.correctAnswers as unknown[]) : []),
    doc.correctAnswer,
    doc.correctOption,
  ]
  for (const a of answers) {
    if (typeof a === 'number' && Number.isInteger(a) && a >= 0 && a < options.length) correct.add(a)
    else if (typeof a === 'string') {
      const at = options.indexOf(a.trim())
      if (at >= 0) correct.add(at)
      else if (/^\d+$/.test(a) && Number(a) < options.length) correct.add(Number(a))
    }
  }
  return { options, correct: [...correct].sort((a, b) => a - b) }
}

interface Prepared {
  videos: Map<string, LegacyVideo>
}

export const sanoraCourseQuestions: Step<Prepared> = {
  name: 'sanora.questions',
  group: 'courses',
  db: 'sanora',
  collection: 'questions',
  async prepare(batch, source) {
    return { videos: await legacyVideos(source, uniqueIds(batch.map(videoRef))) }
  },
  transform(doc, _ctx, prepared): Transformed {
    const id = String(doc._id)
    const videoId = videoRef(doc)
    if (!videoId) return { skip: 'no video', outputs: [] }
    const video = prepared.videos.get(String(videoId))
    if (!video)
      return {
        skip: 'video does not exist',
        outputs: [],
        refs: [{ field: 'video', db: 'sanora', collection: 'videos', id: videoId }],
      }
    // The video's course is the one our routes find the video in.
    const courseId = video.courseId ?? courseRef(doc)
    if (!courseId || !video.imported) return { skip: 'video not imported', outputs: [] }
    const { options, correct } = questionChoices(doc)
    if (options.length < 2 || correct.length === 0)
      return {
        skip: 'not a question ours can hold (under two options or no right answer)',
        outputs: [],
        notes: [
          {
            kind: 'question without two options and a right answer, not imported',
            detail: { id, options: options.length, correct: correct.length },
          },
        ],
      }
    const type = firstString(doc, 'type')?.toLowerCase()
    const multiple = correct.length > 1 || type === 'multiple' || type === 'multi'
    const checkpoint: CheckpointDoc & { legacy: Fields } = {
      _id: doc._id,
      courseId,
      videoId,
      atSecond: Math.max(
        0,
        firstNumber(doc, 'atSecond', 'timestamp', 'time', 'timeInSeconds', 'showAt') ?? 0,
      ),
      question: firstString(doc, 'question', 'text') ?? 'Question',
      kind: multiple ? 'multiple' : 'single',
      options,
      correct,
      createdAt: timestamps(doc).createdAt,
      legacy: unknownFields(doc, KNOWN),
    }
    return { outputs: [{ collection: 'course_checkpoints', document: { ...checkpoint } }] }
  },
}
