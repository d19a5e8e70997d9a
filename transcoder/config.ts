// The transcoder's configuration: every variable it reads, validated once at start-up. A bad or
// missing value names the variable (ConfigError, as for the Worker) and stops the process. Its own
// variables carry their meaning (variableDocs) for the README's table, as the Worker's do.
import { hostname, tmpdir } from 'node:os'
import { z } from 'zod'
import { configSchema, parseVariables } from '../shared/config'
import { variableDocs as docs } from '../shared/variable-docs'

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
  WORKER_URL: z
    .url({ protocol: /^https?$/ })
    .transform((u) => u.replace(/\/+$/, ''))
    .register(docs, {
      description: 'Base URL of the Worker, whose internal API the transcoder reports to',
      dev: 'the local Worker URL',
    }),
  // Required here, unlike for the Worker (which merely refuses the internal API without it).
  TRANSCODER_SECRET: z.string().min(32, 'must be at least 32 characters').register(docs, {
    description:
      "HS256 key of its service tokens, at least 32 characters; the same value as the Worker's",
    secret: true,
    dev: "the Worker's",
  }),
  // Must equal the Worker's value: it is both the lease and the XAUTOCLAIM min-idle.
  TRANSCODER_LEASE_SECONDS: shared.TRANSCODER_LEASE_SECONDS,
  TRANSCODER_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(32)
    .default(2)
    .register(docs, { description: 'Jobs transcoded at once' }),
  TRANSCODER_POLL_MS: z.coerce.number().int().min(20).max(60_000).default(500).register(docs, {
    description: 'Wait between two reads of the job stream while it has nothing new, in ms',
  }),
  TRANSCODER_CONSUMER: z
    .string()
    .max(100)
    .regex(/^[A-Za-z0-9_.:@-]+$/, 'may hold only letters, digits and _ . : @ -')
    .default(() => `${hostname()}-${process.pid}`.slice(0, 100))
    .register(docs, {
      description: "This process's consumer name in the stream's consumer group `transcoders`",
      shownDefault: '`<host name>-<pid>`',
    }),
  TRANSCODER_SHUTDOWN_GRACE_SECONDS: z.coerce.number().min(0).max(3600).default(30).register(docs, {
    description:
      'On a stop signal, how long jobs in flight may finish before they are aborted and their leases released, in seconds',
    dev: '`5`',
  }),
  FFMPEG_PATH: z
    .string()
    .min(1)
    .default('ffmpeg')
    .register(docs, { description: 'The `ffmpeg` executable' }),
  FFPROBE_PATH: z
    .string()
    .min(1)
    .default('ffprobe')
    .register(docs, { description: 'The `ffprobe` executable' }),
  TRANSCODER_TMP_DIR: z
    .string()
    .min(1)
    .default(() => tmpdir())
    .register(docs, {
      description: 'Where sources and outputs are kept while a job runs',
      shownDefault: "the system's temporary folder",
    }),
})

export type TranscoderConfig = z.infer<typeof transcoderConfigSchema>

/** Parses process.env-like variables; throws ConfigError naming each bad or missing one. */
export function loadTranscoderConfig(raw: Record<string, string | undefined>): TranscoderConfig {
  return parseVariables(transcoderConfigSchema, raw)
}
