// Starting and steering transcoding jobs from the Worker: the job document is written first, then
// its id is added to the stream; leases decide which consumer may report on it.
import { ObjectId, type Db } from 'mongodb'
import type { Redis } from '@upstash/redis/cloudflare'
import type { Config } from '../../shared/config'
import { JOB_STREAM, type JobOutputs, type Playback } from '../../shared/jobs'
import { jobs, type JobDoc } from './jobs-store'
import { media, outputPrefix, type MediaDoc } from './store'

export async function enqueueTranscode(
  db: Db,
  redis: Redis,
  config: Config,
  video: MediaDoc,
  now: Date,
): Promise<JobDoc> {
  const job: JobDoc = {
    _id: new ObjectId(),
    mediaId: video._id,
    ownerId: video.ownerId,
    sourceKey: video.key,
    outputPrefix: outputPrefix(video.purpose, video._id),
    status: 'queued',
    attempts: 0,
    maxAttempts: config.TRANSCODER_MAX_ATTEMPTS,
    progress: 0,
    createdAt: now,
    updatedAt: now,
  }
  await jobs(db).insertOne(job)
  await media(db).updateOne({ _id: video._id }, { $set: { jobId: job._id, updatedAt: now } })
  await redis.xadd(JOB_STREAM, '*', { jobId: job._id.toHexString() })
  return job
}

export type ClaimOutcome =
  | { kind: 'granted'; job: JobDoc; leaseId: string }
  | { kind: 'finished' }
  | { kind: 'busy'; retryAfterSeconds: number }
  | { kind: 'missing' }

/** Grants a lease on a job to one consumer, counting the attempt. */
export async function claimJob(
  db: Db,
  config: Config,
  jobId: ObjectId,
  consumer: string,
  now: Date,
): Promise<ClaimOutcome> {
  const leaseId = crypto.randomUUID()
  const claimed = await jobs(db).findOneAndUpdate(
    {
      _id: jobId,
      $and: [
        { $or: [{ status: 'queued' }, { status: 'processing', leaseExpiresAt: { $lte: now } }] },
        { $or: [{ nextAttemptAt: { $exists: false } }, { nextAttemptAt: { $lte: now } }] },
      ],
    },
    {
      $set: {
        status: 'processing',
        leaseId,
        consumer,
        leaseExpiresAt: new Date(now.getTime() + config.TRANSCODER_LEASE_SECONDS * 1000),
        startedAt: now,
        updatedAt: now,
      },
      $inc: { attempts: 1 },
      $unset: { nextAttemptAt: '' },
    },
    { returnDocument: 'after' },
  )
  if (claimed) return { kind: 'granted', job: claimed, leaseId }
  const current = await jobs(db).findOne({ _id: jobId })
  if (!current) return { kind: 'missing' }
  if (current.status === 'completed' || current.status === 'failed') return { kind: 'finished' }
  const until = current.nextAttemptAt ?? current.leaseExpiresAt ?? now
  return {
    kind: 'busy',
    retryAfterSeconds: Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000)),
  }
}

/** Records progress (never backwards) and extends the lease; false when the lease was lost. */
export async function recordProgress(
  db: Db,
  config: Config,
  jobId: ObjectId,
  leaseId: string,
  percent: number,
  now: Date,
) {
  const res = await jobs(db).findOneAndUpdate(
    { _id: jobId, leaseId, status: 'processing' },
    {
      $max: { progress: Math.floor(percent) },
      $set: {
        leaseExpiresAt: new Date(now.getTime() + config.TRANSCODER_LEASE_SECONDS * 1000),
        updatedAt: now,
      },
    },
    { returnDocument: 'after' },
  )
  return res
}

/**
 * Records the renditions playable so far, from the current lease holder only (extending its lease).
 * The media follows only while still processing: a completed one already lists every rendition.
 */
export async function markPlayable(
  db: Db,
  config: Config,
  jobId: ObjectId,
  leaseId: string,
  playback: Playback,
  now: Date,
) {
  const job = await jobs(db).findOneAndUpdate(
    { _id: jobId, leaseId, status: 'processing' },
    {
      $set: {
        playback,
        leaseExpiresAt: new Date(now.getTime() + config.TRANSCODER_LEASE_SECONDS * 1000),
        updatedAt: now,
      },
      // A retried job that was playable before keeps its first time.
      $min: { playableAt: now },
    },
    { returnDocument: 'after' },
  )
  if (job) {
    await media(db).updateOne(
      { _id: job.mediaId, status: 'processing' },
      { $set: { playback, updatedAt: now }, $min: { playableAt: now } },
    )
  }
  return job
}

/** Completes a job exactly once: only the current lease holder can, and only while processing. */
export async function completeJob(
  db: Db,
  jobId: ObjectId,
  leaseId: string,
  outputs: JobOutputs,
  now: Date,
) {
  const job = await jobs(db).findOneAndUpdate(
    { _id: jobId, leaseId, status: 'processing' },
    {
      $set: {
        status: 'completed',
        progress: 100,
        outputs,
        playback: completePlayback(outputs),
        completedAt: now,
        updatedAt: now,
      },
      $min: { playableAt: now },
      $unset: { leaseId: '', leaseExpiresAt: '' },
    },
    { returnDocument: 'after' },
  )
  if (job) {
    await media(db).updateOne(
      { _id: job.mediaId },
      {
        $set: { status: 'ready', outputs, playback: completePlayback(outputs), updatedAt: now },
        $min: { playableAt: now },
      },
    )
  }
  return job
}

const completePlayback = (outputs: JobOutputs): Playback => ({
  hlsMasterKey: outputs.hlsMasterKey,
  renditions: outputs.renditions,
})

/** Records a failed attempt: retried later with backoff, or failed for good after the last one. */
export async function failJob(
  db: Db,
  config: Config,
  jobId: ObjectId,
  leaseId: string,
  error: string,
  retryable: boolean,
  now: Date,
): Promise<{ job: JobDoc; final: boolean } | null> {
  const current = await jobs(db).findOne({ _id: jobId, leaseId, status: 'processing' })
  if (!current) return null
  const final = !retryable || current.attempts >= current.maxAttempts
  const backoffMs = config.TRANSCODER_RETRY_BASE_SECONDS * 1000 * 2 ** (current.attempts - 1)
  const job = await jobs(db).findOneAndUpdate(
    { _id: jobId, leaseId, status: 'processing' },
    final
      ? {
          $set: { status: 'failed', error, completedAt: now, updatedAt: now },
          $unset: { leaseId: '', leaseExpiresAt: '' },
        }
      : {
          $set: {
            status: 'queued',
            error,
            nextAttemptAt: new Date(now.getTime() + backoffMs),
            updatedAt: now,
          },
          $unset: { leaseId: '', leaseExpiresAt: '' },
        },
    { returnDocument: 'after' },
  )
  if (!job) return null
  if (final)
    await media(db).updateOne(
      { _id: job.mediaId },
      { $set: { status: 'failed', error, updatedAt: now } },
    )
  return { job, final }
}

/** Gives a job back without counting the attempt (a transcoder shutting down mid-job). */
export async function releaseJob(db: Db, jobId: ObjectId, leaseId: string, now: Date) {
  return jobs(db).findOneAndUpdate(
    { _id: jobId, leaseId, status: 'processing' },
    {
      $set: { status: 'queued', updatedAt: now },
      $inc: { attempts: -1 },
      $unset: { leaseId: '', leaseExpiresAt: '' },
    },
    { returnDocument: 'after' },
  )
}
