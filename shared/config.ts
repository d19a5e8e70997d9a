// Configuration schema shared by the Worker, the transcoder and the dev launcher: every variable
// the system reads, validated once. A bad or missing value names the variable and stops start-up.
import { z } from 'zod'
import { HttpUrlSchema } from './http-url'
import { IceServerSchema } from './meeting'

const url = HttpUrlSchema
const port = z.coerce.number().int().min(1).max(65535)
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')
const csv = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
)

/** A bare web origin (`https://host[:port]`, nothing after it), as CSP source lists take them. */
const isOrigin = (v: string) => {
  try {
    const u = new URL(v)
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === v
  } catch {
    return false
  }
}

export const configSchema = z
  .object({
    APP_ENV: z.enum(['development', 'test', 'production']).default('production'),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
    PUBLIC_BASE_URL: url.optional(),
    CORS_ORIGINS: csv.default([]),
    // Origins allowed to frame the presenter view (present.html), e.g. a slide tool; none: only
    // this site itself may.
    PRESENTER_FRAME_ANCESTORS: csv
      .pipe(
        z.array(z.string().refine(isOrigin, 'must list origins like https://slides.example.com')),
      )
      .default([]),
    MAX_BODY_BYTES: z.coerce.number().int().positive().default(1_048_576),
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters'),
    ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3600),
    REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(60),
    MAX_DEVICES: z.coerce.number().int().min(1).max(50).default(5),
    OTP_EXPIRY_MINUTES: z.coerce.number().int().min(1).max(60).default(5),
    OTP_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
    OTP_RESEND_COOLDOWN_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
    PASSWORD_RESET_TTL_MINUTES: z.coerce.number().int().min(5).max(1440).default(30),
    FRONTEND_URL: url.optional(),
    // Lax: browsers attach the session cookies to same-site requests and top-level navigations only.
    // None (always sent with Secure) is for a frontend on another site that must carry them.
    SESSION_COOKIE_SAMESITE: z.enum(['Lax', 'Strict', 'None']).default('Lax'),

    GOOGLE_CLIENT_ID: z.string().optional(),
    GOOGLE_CLIENT_SECRET: z.string().optional(),
    GOOGLE_ANDROID_CLIENT_ID: z.string().optional(),
    GOOGLE_IOS_CLIENT_ID: z.string().optional(),
    GOOGLE_CALLBACK_URL: url.optional(),
    GOOGLE_AUTH_URL: url.default('https://accounts.google.com/o/oauth2/v2/auth'),
    GOOGLE_TOKEN_URL: url.default('https://oauth2.googleapis.com/token'),
    GOOGLE_JWKS_URL: url.default('https://www.googleapis.com/oauth2/v3/certs'),
    OAUTH_SUCCESS_REDIRECT_URL: url.optional(),

    MONGODB_URI: z
      .string()
      .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URI'),
    MONGODB_DB: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,63}$/)
      .default('sanora'),
    // Hot REST paths run inside this many Durable Objects that keep MongoDB connections open
    // across requests; 0 sends every request through a client of its own.
    MONGODB_WARM_POOL_OBJECTS: z.coerce.number().int().min(0).max(64).default(4),
    MONGODB_WARM_POOL_CONNECTIONS: z.coerce.number().int().min(1).max(100).default(8),

    UPSTASH_REDIS_REST_URL: url,
    UPSTASH_REDIS_REST_TOKEN: z.string().min(1),

    S3_ENDPOINT: url.optional(),
    S3_REGION: z.string().min(1).default('us-east-1'),
    S3_BUCKET: z.string().min(3),
    S3_ACCESS_KEY_ID: z.string().min(1),
    S3_SECRET_ACCESS_KEY: z.string().min(1),
    S3_FORCE_PATH_STYLE: bool.default(false),

    SMTP_HOST: z.string().min(1),
    SMTP_PORT: port.default(587),
    SMTP_SECURE: bool.default(false),
    SMTP_USER: z.string().optional(),
    SMTP_PASSWORD: z.string().optional(),
    MAIL_FROM: z.string().min(3).default('Sanora <no-reply@sanora.app>'),

    TWILIO_API_BASE_URL: url.optional(),
    TWILIO_ACCOUNT_SID: z.string().optional(),
    TWILIO_AUTH_TOKEN: z.string().optional(),
    TWILIO_VERIFY_SERVICE_SID: z.string().optional(),
    TWILIO_PHONE_NUMBER: z.string().optional(),

    FCM_PROJECT_ID: z.string().optional(),
    FCM_CLIENT_EMAIL: z.string().optional(),
    FCM_PRIVATE_KEY: z.string().optional(),
    FCM_API_BASE_URL: url.optional(),
    FCM_TOKEN_URL: url.optional(),

    DEV_CAPTURE_URL: url.optional(),

    MEDIA_MAX_IMAGE_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(15 * 1024 * 1024),
    MEDIA_MAX_VIDEO_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(1024 * 1024 * 1024),
    MEDIA_MULTIPART_THRESHOLD_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(64 * 1024 * 1024),
    MEDIA_PART_SIZE_BYTES: z.coerce
      .number()
      .int()
      .min(5 * 1024 * 1024)
      .default(16 * 1024 * 1024),
    MEDIA_STALE_UPLOAD_HOURS: z.coerce.number().positive().default(24),

    TRANSCODER_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    TRANSCODER_LEASE_SECONDS: z.coerce.number().int().min(2).max(3600).default(120),
    TRANSCODER_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
    TRANSCODER_RETRY_BASE_SECONDS: z.coerce.number().min(0).max(3600).default(10),

    MEETING_ICE_SERVERS: z
      .string()
      .transform((v, ctx) => {
        try {
          return JSON.parse(v) as unknown
        } catch {
          ctx.addIssue({ code: 'custom', message: 'must be a JSON array of ICE servers' })
          return z.NEVER
        }
      })
      .pipe(z.array(IceServerSchema).max(10))
      .default([{ urls: 'stun:stun.l.google.com:19302' }]),
    MEETING_LINK_TTL_HOURS: z.coerce.number().positive().max(720).default(24),
    MEETING_LINK_URL: url.optional(),
    MEETING_SMS_COUNTRY_CODES: csv
      .pipe(z.array(z.string().regex(/^\d{1,3}$/, 'must list country calling codes like 44,61')))
      .default(['44', '353', '61', '64', '1']),
    MEETING_TRASH_DAYS: z.coerce.number().positive().max(365).default(10),
    FEEDBACK_EMAIL: z.email().optional(),
    SUPPORT_TICKET_EMAIL: z.email().optional(),
    DEMO_MEETING_EMAIL: z.email().optional(),
    CALLBACK_REQUEST_EMAIL: z.email().optional(),
  })
  .superRefine((cfg, ctx) => {
    if (cfg.CORS_ORIGINS.includes('*') && cfg.CORS_ORIGINS.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['CORS_ORIGINS'],
        message: "'*' cannot be combined with named origins",
      })
    }
    if (cfg.APP_ENV === 'production' && cfg.DEV_CAPTURE_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['DEV_CAPTURE_URL'],
        message: 'must not be set in production',
      })
    }
  })

export type Config = z.infer<typeof configSchema>

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  constructor(readonly variables: { name: string; problem: string }[]) {
    super('Invalid configuration: ' + variables.map((v) => `${v.name} ${v.problem}`).join('; '))
  }
}

/** Parses raw string variables (Worker bindings or process.env); throws ConfigError naming each bad one. */
export function parseConfig(raw: Record<string, unknown>): Config {
  const strings: Record<string, string> = {}
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value === 'string' && value !== '') strings[key] = value
  }
  const result = configSchema.safeParse(strings)
  if (result.success) return result.data
  throw new ConfigError(
    result.error.issues.map((issue) => ({
      name: String(issue.path[0] ?? '(config)'),
      problem:
        issue.code === 'invalid_type' && strings[String(issue.path[0])] === undefined
          ? 'is required'
          : issue.message,
    })),
  )
}

/** Every variable the configuration reads, for handing a runtime exactly these and nothing else. */
export const CONFIG_VARIABLES = Object.keys(configSchema.shape) as (keyof Config)[]

/** The configured subset of an environment such as process.env. */
export function pickConfigVariables(
  env: Record<string, string | undefined>,
): Record<string, string> {
  const picked: Record<string, string> = {}
  for (const name of CONFIG_VARIABLES) {
    const value = env[name]
    if (value) picked[name] = value
  }
  return picked
}
