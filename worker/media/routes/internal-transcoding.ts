// The internal API the transcoder reports to (service token only): claim a job's lease, report
// progress, early playability, completion or failure. The owner hears each step live on their UserChannel.
import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { ObjectId } from 'mongodb'
import {
  ClaimRequestSchema,
  CompleteRequestSchema,
  FailRequestSchema,
  PlayableRequestSchema,
  ProgressRequestSchema,
  ReleaseRequestSchema,
} from '../../../shared/jobs'
import type { AppEnv } from '../../env'
import { AppError } from '../../errors'
import { claimJob, completeJob, failJob, markPlayable, recordProgress, releaseJob } from '../jobs'
import { serviceToken } from '../../middleware/service-token'
import { createRouter, errorResponses, jsonBody } from '../../openapi'
import { userChannel } from '../../realtime/rooms'
import type { JobDoc } from '../jobs-store'
import { ObjectIdSchema } from '../../../shared/ids'
import type { TranscodingEventInput } from '../../../shared/user-channel'

const params = { params: z.object({ id: ObjectIdSchema }) }
const LEASE_LOST = 'This job is no longer leased to you'

function tell(c: Context<AppEnv>, job: JobDoc, event: TranscodingEventInput) {
  const delivery = userChannel(c.env, job.ownerId.toHexString())
    ?.deliver({ ...event, jobId: job._id.toHexString(), mediaId: job.mediaId.toHexString() })
    .catch(() => undefined)
  // No channel under Node: the REST app does not carry realtime.
  if (delivery) c.executionCtx.waitUntil(delivery)
}

export const internalTranscoding = createRouter()
internalTranscoding.use('*', serviceToken())

internalTranscoding.openapi(
  createRoute({
    method: 'post',
    path: '/{id}/claim',
    tags: ['Internal'],
    summary: 'Lease a job to a transcoder (410: finished, ack it; 409: busy or backing off)',
    request: { ...params, ...jsonBody(ClaimRequestSchema) },
    responses: { 200: { description: 'Leased' }, ...errorResponses(400, 401, 404, 409) },
  }),
  async (c) => {
    const { database, now } = c.get('services')
    const outcome = await claimJob(
      await database.db(),
      c.get('config'),
      new ObjectId(c.req.valid('param').id),
      c.req.valid('json').consumer,
      now(),
    )
    switch (outcome.kind) {
      case 'missing':
        throw new AppError('GONE', 'No such job')
      case 'finished':
        throw new AppError('GONE', 'The job is already finished')
      case 'busy':
        throw new AppError(
          'CONFLICT',
          'The job is leased to another transcoder or backing off',
          undefined,
          {
            headers: { 'Retry-After': String(outcome.retryAfterSeconds) },
          },
        )
    }
    const { job, leaseId } = outcome
    tell(c, job, { type: 'transcoding.started', attempt: job.attempts })
    return c.json(
      {
        leaseId,
        job: {
          id: job._id.toHexString(),
          sourceKey: job.sourceKey,
          outputPrefix: job.outputPrefix,
          attempt: job.attempts,
          maxAttempts: job.maxAttempts,
        },
      },
      200,
    )
  },
)

internalTranscoding.openapi(
  createRoute({
    method: 'post',
    path: '/{id}/progress',
    tags: ['Internal'],
    summary: 'Report progress (extends the lease)',
    request: { ...params, ...jsonBody(ProgressRequestSchema) },
    responses: { 200: { description: 'Recorded' }, ...errorResponses(400, 401, 409) },
  }),
  async (c) => {
    const { leaseId, percent } = c.req.valid('json')
    const { database, now } = c.get('services')
    const job = await recordProgress(
      await database.db(),
      c.get('config'),
      new ObjectId(c.req.valid('param').id),
      leaseId,
      percent,
      now(),
    )
    if (!job) throw new AppError('CONFLICT', LEASE_LOST)
    tell(c, job, { type: 'transcoding.progress', percent: job.progress })
    return c.json({ success: true, progress: job.progress }, 200)
  },
)

internalTranscoding.openapi(
  createRoute({
    method: 'post',
    path: '/{id}/playable',
    tags: ['Internal'],
    summary: 'Report the renditions finished so far: the video plays before the job completes',
    request: { ...params, ...jsonBody(PlayableRequestSchema) },
    responses: { 200: { description: 'Recorded' }, ...errorResponses(400, 401, 409) },
  }),
  async (c) => {
    const { leaseId, playback } = c.req.valid('json')
    const { database, now } = c.get('services')
    const job = await markPlayable(
      await database.db(),
      c.get('config'),
      new ObjectId(c.req.valid('param').id),
      leaseId,
      playback,
      now(),
    )
    if (!job) throw new AppError('CONFLICT', LEASE_LOST)
    tell(c, job, {
      type: 'transcoding.playable',
      renditions: playback.renditions.map((r) => r.name),
    })
    return c.json({ success: true }, 200)
  },
)

internalTranscoding.openapi(
  createRoute({
    method: 'post',
    path: '/{id}/complete',
    tags: ['Internal'],
    summary: 'Report the outputs; completes the job exactly once',
    request: { ...params, ...jsonBody(CompleteRequestSchema) },
    responses: { 200: { description: 'Completed' }, ...errorResponses(400, 401, 409) },
  }),
  async (c) => {
    const { leaseId, outputs } = c.req.valid('json')
    const { database, now } = c.get('services')
    const job = await completeJob(
      await database.db(),
      new ObjectId(c.req.valid('param').id),
      leaseId,
      outputs,
      now(),
    )
    if (!job) throw new AppError('CONFLICT', LEASE_LOST)
    tell(c, job, { type: 'transcoding.completed' })
    return c.json({ success: true }, 200)
  },
)

internalTranscoding.openapi(
  createRoute({
    method: 'post',
    path: '/{id}/fail',
    tags: ['Internal'],
    summary: 'Report a failed attempt; answers whether the job failed for good',
    request: { ...params, ...jsonBody(FailRequestSchema) },
    responses: { 200: { description: 'Recorded' }, ...errorResponses(400, 401, 409) },
  }),
  async (c) => {
    const { leaseId, error, retryable } = c.req.valid('json')
    const { database, now } = c.get('services')
    const result = await failJob(
      await database.db(),
      c.get('config'),
      new ObjectId(c.req.valid('param').id),
      leaseId,
      error,
      retryable,
      now(),
    )
    if (!result) throw new AppError('CONFLICT', LEASE_LOST)
    tell(c, result.job, {
      type: result.final ? 'transcoding.failed' : 'transcoding.retrying',
      error,
    })
    return c.json({ final: result.final, attempts: result.job.attempts }, 200)
  },
)

internalTranscoding.openapi(
  createRoute({
    method: 'post',
    path: '/{id}/release',
    tags: ['Internal'],
    summary: 'Give a job back unfinished without using up an attempt (transcoder shutting down)',
    request: { ...params, ...jsonBody(ReleaseRequestSchema) },
    responses: { 200: { description: 'Released' }, ...errorResponses(400, 401, 409) },
  }),
  async (c) => {
    const { database, now } = c.get('services')
    const job = await releaseJob(
      await database.db(),
      new ObjectId(c.req.valid('param').id),
      c.req.valid('json').leaseId,
      now(),
    )
    if (!job) throw new AppError('CONFLICT', LEASE_LOST)
    return c.json({ success: true }, 200)
  },
)
