// Transcoding jobs: the record of truth for a video's processing (the stream only carries ids).
// Leases make completion exactly-once: only the consumer holding the current lease may finish it.
import { ObjectId, type Collection, type Db } from 'mongodb'
import type { JobOutputs, JobStatus, Playback } from '../../shared/jobs'

export interface JobDoc {
  _id: ObjectId
  mediaId: ObjectId
  ownerId: ObjectId
  sourceKey: string
  outputPrefix: string
  status: JobStatus
  attempts: number
  maxAttempts: number
  progress: number
  outputs?: JobOutputs
  /** The renditions playable so far; all of them once completed. */
  playback?: Playback
  /** When the first rendition became playable (before completion, or at it). */
  playableAt?: Date
  error?: string
  leaseId?: string
  leaseExpiresAt?: Date
  consumer?: string
  nextAttemptAt?: Date
  createdAt: Date
  updatedAt: Date
  startedAt?: Date
  completedAt?: Date
}

export const jobs = (db: Db): Collection<JobDoc> => db.collection<JobDoc>('transcoding_jobs')

export function publicJob(job: JobDoc) {
  return {
    id: job._id.toHexString(),
    _id: job._id.toHexString(),
    mediaId: job.mediaId.toHexString(),
    status: job.status,
    progress: job.progress,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    error: job.error ?? null,
    outputs: job.outputs ?? null,
    playableAt: job.playableAt?.toISOString() ?? null,
    renditions: (job.playback ?? job.outputs)?.renditions.map((r) => r.name) ?? [],
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    completedAt: job.completedAt?.toISOString() ?? null,
    updatedAt: job.updatedAt.toISOString(),
  }
}
