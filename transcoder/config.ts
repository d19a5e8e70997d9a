// The transcoder's configuration: every variable it reads, validated once at start-up. A bad or
// missing value names the variable (ConfigError, as for the Worker) and stops the process.
import { hostname, tmpdir } from 'node:os'
import { z } from 'zod'
import { ConfigError, configSchema } from '../shared/config'

// Variables the Worker also reads are validated by the very same rules.
const shared = configSchema.shape

export const transcoderConfigSchema = z.object({
  LOG_LEVEL: shared.LOG_LEVEL,
  UPSTASH_REDIS_REST_URL: shared.UPSTASH_REDIS_REST_URL,
  UPSTASH_REDIS_REST_TOKEN: shared.UPSTASH_REDIS_REST_TOKEN,
  S3_ENDPOINT: shared.S3_ENDPOINT,
  S3_REGION: shared.S3_REGION,
  S3_BUCKET: shared.S3_BUCKET,
  S3_ACCESS_KEY_ID: shared.S3_ACCESS_KEY_ID,
  S3_SECRET_ACCESS_KEY: shared.S3_SECRET_ACCESS_KEY,
  S3_FORCE_PATH_STYLE: shared.S3_FORCE_PATH_STYLE,
  WORKER_URL: z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, '')),
  // Required here, unlike for the Worker (which merely refuses the internal API without it).
  TRANSCODER_SECRET: z.string().min(32, 'must be at least 32 characters'),
  // Must equal the Worker's value: it is both the lease and the XAUTOCLAIM min-idle.
  TRANSCODER_LEASE_SECONDS: shared.TRANSCODER_LEASE_SECONDS,
  TRANSCODER_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(2),
  TRANSCODER_POLL_MS: z.coerce.number().int().min(20).max(60_000).default(500),
  TRANSCODER_CONSUMER: z
    .string()
    .max(100)
    .regex(/^[A-Za-z0-9_.:@-]+$/, 'may hold only letters, digits and _ . : @ -')
    .default(() => `${hostname()}-${process.pid}`.slice(0, 100)),
  TRANSCODER_SHUTDOWN_GRACE_SECONDS: z.coerce.number().min(0).max(3600).default(30),
  FFMPEG_PATH: z.string().min(1).default('ffmpeg'),
  FFPROBE_PATH: z.string().min(1).default('ffprobe'),
  TRANSCODER_TMP_DIR: z
    .string()
    .min(1)
    .default(() => tmpdir()),
})

export type TranscoderConfig = z.infer<typeof transcoderConfigSchema>

/** Parses process.env-like variables; throws ConfigError naming each bad or missing one. */
export function loadTranscoderConfig(raw: Record<string, string | undefined>): TranscoderConfig {
  const strings: Record<string, string> = {}
  for (const [key, value] of Object.entries(raw)) if (value) strings[key] = value
  const result = transcoderConfigSchema.safeParse(strings)
  if (result.success) return result.data
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '(config)')
      return {
        name,
        problem:
          issue.code === 'invalid_type' && strings[name] === undefined
            ? 'is required'
            : issue.message,
      }
    }),
  )
}
