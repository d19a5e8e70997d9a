// Conferences and their poll questions in MongoDB: the durable record the ConferenceRoom writes
// results and analytics into when a question closes and when the conference ends.
import { ObjectId, type Collection, type Db } from 'mongodb'
import type { ConferenceStatus, PollResults, QaItem, QuestionStatus } from '../../shared/conference'

export interface SpeakerRef {
  userId?: ObjectId
  name: string
  email?: string
}

export interface ConferenceDoc {
  _id: ObjectId
  hostId: ObjectId
  title: string
  description?: string
  speakers: SpeakerRef[]
  status: ConferenceStatus
  publicCode: string
  date?: string
  startTime?: string
  endTime?: string
  groupChatId?: ObjectId
  analytics?: {
    peakAudience: number
    totalParticipants: number
    totalVoters: number
    participationRate: number
    responsesPerQuestion: Record<string, number>
  }
  qa?: QaItem[]
  /**
   * Set by the legacy import on a conference that was running in the old system: its room has not
   * been handed its state yet (worker/conference/room.ts, `adoptPendingRoom`).
   */
  roomPending?: true
  /** The audience the host expects: how many audience shards the conference starts with. */
  expectedAudience?: number
  /** Its audience shards (worker/conference/shards.ts): set when it starts, grown while live. */
  audienceShards?: { base: number; count: number }
  /** Voter keys (`participant:<id>`, `user:<id>`) the host removed: never let in again. */
  removedParticipants?: string[]
  createdAt: Date
  updatedAt: Date
  startedAt?: Date
  endedAt?: Date
}

export interface QuestionDoc {
  _id: ObjectId
  conferenceId: ObjectId
  text: string
  type: 'single' | 'multiple'
  options: { id: string; text: string }[]
  order: number
  status: QuestionStatus
  hideResults: boolean
  /** Set once the host reveals hidden results; kept after the conference ends. */
  revealed?: boolean
  allowVoteChange: boolean
  results?: Omit<PollResults, 'questionId'>
  createdAt: Date
  updatedAt: Date
  closedAt?: Date
}

export const conferences = (db: Db): Collection<ConferenceDoc> =>
  db.collection<ConferenceDoc>('conferences')
export const conferenceQuestions = (db: Db): Collection<QuestionDoc> =>
  db.collection<QuestionDoc>('conference_questions')

/** What the room needs of a question. */
export function liveDefinition(q: QuestionDoc) {
  return {
    id: q._id.toHexString(),
    text: q.text,
    type: q.type,
    options: q.options,
    hideResults: q.hideResults,
    allowVoteChange: q.allowVoteChange,
  }
}

export async function saveQuestionResults(
  db: Db,
  questionId: string,
  results: PollResults,
  revealed: boolean,
  closedAt: Date,
) {
  await conferenceQuestions(db).updateOne(
    { _id: new ObjectId(questionId) },
    {
      $set: {
        status: 'CLOSED',
        results: { counts: results.counts, totalResponses: results.totalResponses },
        revealed,
        closedAt,
        updatedAt: closedAt,
      },
    },
  )
}
