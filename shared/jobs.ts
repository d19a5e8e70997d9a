// The transcoding job contract between the Worker and the transcoder: the Redis Stream that carries
// job ids, the internal HTTP API the transcoder reports to, and the service token that guards it.
import { z } from 'zod'

export const JOB_STREAM = 'transcode:jobs'
export const JOB_GROUP = 'transcoders'
export const DEAD_LETTER_STREAM = 'transcode:dead'

export const JOB_STATUSES = ['queued', 'processing', 'completed', 'failed'] as const
export type JobStatus = (typeof JOB_STATUSES)[number]

/** Audience of the HS256 service tokens the transcoder signs with TRANSCODER_SECRET. */
export const SERVICE_TOKEN_AUDIENCE = 'sanora-internal'

export const INTERNAL_JOBS_PATH = '/internal/transcoding/jobs'

export const ClaimRequestSchema = z.strictObject({ consumer: z.string().min(1).max(100) })
export const ClaimResponseSchema = z.object({
  leaseId: z.string(),
  job: z.object({
    id: z.string(),
    sourceKey: z.string(),
    outputPrefix: z.string(),
    attempt: z.number().int(),
    maxAttempts: z.number().int(),
  }),
})
export type ClaimResponse = z.infer<typeof ClaimResponseSchema>

export const ProgressRequestSchema = z.strictObject({
  leaseId: z.string().min(1).max(100),
  percent: z.number().min(0).max(100),
})

const RenditionSchema = z.object({
  name: z.string().max(20),
  height: z.number().int().positive(),
  bandwidth: z.number().int().positive(),
  playlistKey: z.string().max(500),
})

export const JobOutputsSchema = z.object({
  mp4Key: z.string().max(500),
  hlsMasterKey: z.string().max(500),
  renditions: z.array(RenditionSchema).min(1).max(10),
  thumbnailKey: z.string().max(500),
  durationSeconds: z.number().nonnegative(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
})
export type JobOutputs = z.infer<typeof JobOutputsSchema>

/** The renditions finished so far (lowest first) and the master playlist that lists just them. */
export const PlaybackSchema = z.object({
  hlsMasterKey: z.string().max(500),
  renditions: z.array(RenditionSchema).min(1).max(10),
})
export type Playback = z.infer<typeof PlaybackSchema>

export const PlayableRequestSchema = z.strictObject({
  leaseId: z.string().min(1).max(100),
  playback: PlaybackSchema,
})

export const CompleteRequestSchema = z.strictObject({
  leaseId: z.string().min(1).max(100),
  outputs: JobOutputsSchema,
})

export const FailRequestSchema = z.strictObject({
  leaseId: z.string().min(1).max(100),
  error: z.string().min(1).max(2000),
  /** False when retrying cannot help (the input is not a video): fail at once. */
  retryable: z.boolean(),
})
export const FailResponseSchema = z.object({ final: z.boolean(), attempts: z.number().int() })

export const ReleaseRequestSchema = z.strictObject({ leaseId: z.string().min(1).max(100) })
