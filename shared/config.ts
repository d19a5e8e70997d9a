// Configuration schema shared by the Worker, the transcoder and the dev launcher: every variable
// the system reads, validated once. A bad or missing value names the variable and stops start-up.
// Each variable carries its meaning (variableDocs): the README's table is generated from here.
import { z } from 'zod'
import { HttpUrlSchema } from './http-url'
import { IceServerSchema } from './meeting'
import { variableDocs as docs } from './variable-docs'

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

const STAND_IN = 'stand-in'
const UNSET_MAILBOX = 'the route answers 503'

export const configSchema = z
  .object({
    APP_ENV: z.enum(['development', 'test', 'production']).default('production').register(docs, {
      description:
        '`development`, `test` or `production`; dev-only routes and stack traces exist only outside production',
      dev: '`development`',
    }),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info').register(docs, {
      description: '`debug`, `info`, `warn`, `error`; `warn` drops per-request lines',
    }),
    PUBLIC_BASE_URL: url.optional().register(docs, {
      description:
        "Public URL of the API: QR codes and links in mail; also the API's own origin to the cookie origin check",
      whenUnset: "the request's origin",
      dev: 'the local Worker URL',
    }),
    CORS_ORIGINS: csv.default([]).register(docs, {
      description:
        'Comma-separated allowed origins, sent with credentials (and trusted for cookie writes); `*` alone allows any origin without credentials',
      dev: 'the local Worker URL, `localhost` on its port and `http://localhost:3000`',
    }),
    // Origins allowed to frame the presenter view (present.html), e.g. a slide tool.
    PRESENTER_FRAME_ANCESTORS: csv
      .pipe(
        z.array(z.string().refine(isOrigin, 'must list origins like https://slides.example.com')),
      )
      .default([])
      .register(docs, {
        description:
          'Comma-separated origins (`https://host[:port]`) that may frame the presenter view `/present`; none: this site only',
      }),
    MAX_BODY_BYTES: z.coerce.number().int().positive().default(1_048_576).register(docs, {
      description: 'Largest accepted request body; a larger one is `413 PAYLOAD_TOO_LARGE`',
    }),
    SOCKET_IO_PING_INTERVAL_MS: z.coerce
      .number()
      .int()
      .min(100)
      .max(300_000)
      .default(25_000)
      .register(docs, {
        description:
          'How often the rooms ping a Socket.IO client (`/socket.io/`), announced in its handshake, in ms',
      }),
    SOCKET_IO_PING_TIMEOUT_MS: z.coerce
      .number()
      .int()
      .min(100)
      .max(300_000)
      .default(20_000)
      .register(docs, {
        description:
          'How long a Socket.IO client may leave a ping unanswered before the room closes it, in ms',
      }),
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters').register(docs, {
      description:
        'HS256 key of access tokens and realtime tickets, and the root of the keys derived from it (OTP hashes, meeting links, sealed ids); at least 32 characters',
      secret: true,
      dev: 'generated once into `.data/jwt-secret`',
    }),
    LEGACY_JWT_SECRET: z.string().min(1).optional().register(docs, {
      description:
        "The old systems' `JWT_SECRET` during a cut-over: their access tokens and Videodesk `token` cookies are accepted until they expire, then exchanged for ours (see Cut-over); unset: refused",
      secret: true,
    }),
    ACCESS_TOKEN_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(60)
      .max(86_400)
      .default(3600)
      .register(docs, { description: 'Lifetime of an access token, in seconds' }),
    REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(60).register(docs, {
      description:
        'Lifetime of a refresh token and of the Videodesk `refresh_token` cookie, in days',
    }),
    MAX_DEVICES: z.coerce.number().int().min(1).max(50).default(5).register(docs, {
      description:
        "Live sessions per account; a sign-in beyond it ends the oldest, closing that session's sockets (4401)",
    }),
    OTP_EXPIRY_MINUTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(60)
      .default(5)
      .register(docs, { description: 'How long an emailed code stays valid, in minutes' }),
    OTP_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5).register(docs, {
      description: 'Wrong tries after which an emailed code is dead; see Client limits',
    }),
    OTP_RESEND_COOLDOWN_SECONDS: z.coerce
      .number()
      .int()
      .min(0)
      .max(3600)
      .default(30)
      .register(docs, {
        description:
          'Seconds between two emailed codes to one recipient for one purpose (`0` turns it off); see Client limits',
      }),
    PASSWORD_RESET_TTL_MINUTES: z.coerce
      .number()
      .int()
      .min(5)
      .max(1440)
      .default(30)
      .register(docs, {
        description: 'How long a password reset link works, in minutes',
      }),
    FRONTEND_URL: url.optional().register(docs, {
      description:
        "Web app that password reset links open (unset: the calling page's origin when it is in `CORS_ORIGINS`, else the API's) and Videodesk friend links open (unset: `PUBLIC_BASE_URL`)",
      whenUnset: "the calling page's or the API's origin",
    }),
    // Lax: browsers attach the session cookies to same-site requests and top-level navigations only.
    // None (always sent with Secure) is for a frontend on another site that must carry them.
    SESSION_COOKIE_SAMESITE: z.enum(['Lax', 'Strict', 'None']).default('Lax').register(docs, {
      description:
        '`SameSite` of the Videodesk session cookies: `Lax`, `Strict` or `None` (`None` always adds `Secure`; see below)',
    }),

    GOOGLE_CLIENT_ID: z.string().optional().register(docs, {
      description:
        'OAuth client id of the web app: browser sign-in (`/api/auth/google`), and an accepted audience of ID tokens',
      whenUnset: 'Google sign-in answers 503',
      dev: STAND_IN,
    }),
    GOOGLE_CLIENT_SECRET: z.string().optional().register(docs, {
      description: 'OAuth client secret of the web app',
      secret: true,
      whenUnset: 'browser sign-in answers 503',
      dev: STAND_IN,
    }),
    GOOGLE_ANDROID_CLIENT_ID: z.string().optional().register(docs, {
      description:
        'OAuth client id of the Android app: its ID tokens are accepted by `POST /api/auth/verify-google-token`',
      dev: STAND_IN,
    }),
    GOOGLE_IOS_CLIENT_ID: z.string().optional().register(docs, {
      description:
        'OAuth client id of the iOS app: its ID tokens are accepted by `POST /api/auth/verify-google-token`',
      dev: STAND_IN,
    }),
    GOOGLE_CALLBACK_URL: url.optional().register(docs, {
      description: 'Redirect URI of the browser flow, as registered with Google',
      whenUnset: '`<request origin>/api/auth/google/callback`',
    }),
    GOOGLE_AUTH_URL: url.default('https://accounts.google.com/o/oauth2/v2/auth').register(docs, {
      description: "Google's authorization endpoint (overridden for the local fake)",
      dev: STAND_IN,
    }),
    GOOGLE_TOKEN_URL: url.default('https://oauth2.googleapis.com/token').register(docs, {
      description: "Google's token endpoint (overridden for the local fake)",
      dev: STAND_IN,
    }),
    GOOGLE_JWKS_URL: url.default('https://www.googleapis.com/oauth2/v3/certs').register(docs, {
      description: "Google's signing keys for ID tokens (overridden for the local fake)",
      dev: STAND_IN,
    }),
    OAUTH_SUCCESS_REDIRECT_URL: url.optional().register(docs, {
      description:
        'Page the browser sign-in returns to, with the tokens in the URL fragment; a `redirect` query may name only pages on its origin',
      whenUnset: 'the callback answers the tokens as JSON',
    }),

    MONGODB_URI: z
      .string()
      .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URI')
      .register(docs, { description: 'MongoDB connection string', secret: true, dev: STAND_IN }),
    MONGODB_DB: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,63}$/)
      .default('sanora')
      .register(docs, { description: 'Database name' }),
    MONGODB_WARM_POOL_OBJECTS: z.coerce.number().int().min(0).max(64).default(4).register(docs, {
      description:
        'Durable Objects that serve hot REST reads and conference joins by code on MongoDB connections kept open across requests; `0` = a client per request',
    }),
    MONGODB_WARM_POOL_CONNECTIONS: z.coerce
      .number()
      .int()
      .min(1)
      .max(100)
      .default(8)
      .register(docs, { description: 'MongoDB connections each warm-pool object keeps' }),

    UPSTASH_REDIS_REST_URL: url
      .clone()
      .register(docs, { description: 'Upstash REST URL', dev: STAND_IN }),
    UPSTASH_REDIS_REST_TOKEN: z
      .string()
      .min(1)
      .register(docs, { description: 'Upstash REST token', secret: true, dev: STAND_IN }),

    S3_ENDPOINT: url.optional().register(docs, {
      description: 'S3-compatible endpoint (R2: `https://<account>.r2.cloudflarestorage.com`)',
      whenUnset: 'AWS S3 in `S3_REGION`',
      dev: STAND_IN,
    }),
    S3_REGION: z
      .string()
      .min(1)
      .default('us-east-1')
      .register(docs, { description: 'Region (`auto` for R2)' }),
    S3_BUCKET: z
      .string()
      .min(3)
      .register(docs, { description: 'Bucket for all media', dev: '`media`' }),
    S3_ACCESS_KEY_ID: z
      .string()
      .min(1)
      .register(docs, { description: 'Access key id', secret: true, dev: STAND_IN }),
    S3_SECRET_ACCESS_KEY: z
      .string()
      .min(1)
      .register(docs, { description: 'Secret access key', secret: true, dev: STAND_IN }),
    S3_FORCE_PATH_STYLE: bool.default(false).register(docs, {
      description: 'Path-style URLs (needed by the emulator and MinIO)',
      dev: '`true` with the stand-in',
    }),

    SMTP_HOST: z.string().min(1).register(docs, {
      description: 'SMTP relay host (inside workerd use an IP for local hosts)',
      dev: STAND_IN,
    }),
    SMTP_PORT: port.default(587).register(docs, { description: 'SMTP port', dev: STAND_IN }),
    SMTP_SECURE: bool.default(false).register(docs, { description: 'Implicit TLS (port 465)' }),
    SMTP_USER: z.string().optional().register(docs, { description: 'SMTP user name' }),
    SMTP_PASSWORD: z
      .string()
      .optional()
      .register(docs, { description: 'SMTP password', secret: true }),
    MAIL_FROM: z
      .string()
      .min(3)
      .default('Sanora <no-reply@sanora.app>')
      .register(docs, { description: 'Sender address', dev: '`Sanora <no-reply@sanora.local>`' }),

    TWILIO_API_BASE_URL: url.optional().register(docs, {
      description: "Override of Twilio's API host (the local fake)",
      whenUnset: "Twilio's own",
      dev: STAND_IN,
    }),
    TWILIO_ACCOUNT_SID: z.string().optional().register(docs, {
      description: 'Twilio account',
      whenUnset: 'SMS and phone codes answer 503',
      dev: STAND_IN,
    }),
    TWILIO_AUTH_TOKEN: z
      .string()
      .optional()
      .register(docs, { description: 'Twilio auth token', secret: true, dev: STAND_IN }),
    TWILIO_VERIFY_SERVICE_SID: z
      .string()
      .optional()
      .register(docs, { description: 'Twilio Verify service for phone codes', dev: STAND_IN }),
    TWILIO_PHONE_NUMBER: z.string().optional().register(docs, {
      description: 'Sender number of plain SMS (meeting invites)',
      dev: STAND_IN,
    }),

    FCM_PROJECT_ID: z.string().optional().register(docs, {
      description: 'Firebase project of the push service account',
      whenUnset: 'pushes are skipped (stored notifications still work)',
      dev: STAND_IN,
    }),
    FCM_CLIENT_EMAIL: z
      .string()
      .optional()
      .register(docs, { description: 'Client email of the push service account', dev: STAND_IN }),
    FCM_PRIVATE_KEY: z.string().optional().register(docs, {
      description: 'Private key (PEM) of the push service account',
      secret: true,
      dev: STAND_IN,
    }),
    FCM_API_BASE_URL: url.optional().register(docs, {
      description: "Override of FCM's API host (the local fake)",
      whenUnset: "FCM's own",
      dev: STAND_IN,
    }),
    FCM_TOKEN_URL: url.optional().register(docs, {
      description: "Override of Google's OAuth token URL for FCM (the local fake)",
      whenUnset: "Google's own",
      dev: STAND_IN,
    }),

    DEV_CAPTURE_URL: url.optional().register(docs, {
      description:
        'Development only: where `/__dev/mail` and `/__dev/sms` read from; refused in production',
      dev: STAND_IN,
    }),

    MEDIA_MAX_IMAGE_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(15 * 1024 * 1024)
      .register(docs, {
        description: 'Largest image upload (checked before signing and on completion)',
      }),
    MEDIA_MAX_VIDEO_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(1024 * 1024 * 1024)
      .register(docs, {
        description: 'Largest video upload (checked before signing and on completion)',
      }),
    MEDIA_MULTIPART_THRESHOLD_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(64 * 1024 * 1024)
      .register(docs, {
        description: 'Uploads larger than this get one presigned URL per part (multipart)',
      }),
    MEDIA_PART_SIZE_BYTES: z.coerce
      .number()
      .int()
      .min(5 * 1024 * 1024)
      .default(16 * 1024 * 1024)
      .register(docs, { description: "Part size of multipart uploads (at least S3's 5 MiB)" }),
    MEDIA_STALE_UPLOAD_HOURS: z.coerce.number().positive().default(24).register(docs, {
      description: 'Hours after which the cron deletes an upload that was never completed',
    }),

    TRANSCODER_SECRET: z
      .string()
      .min(32, 'must be at least 32 characters')
      .optional()
      .register(docs, {
        description:
          "HS256 key of the transcoder's service tokens for the internal API, at least 32 characters; the same value as the transcoder's",
        secret: true,
        whenUnset: 'the internal API answers 503',
        dev: 'generated once into `.data/transcoder-secret`',
      }),
    TRANSCODER_LEASE_SECONDS: z.coerce.number().int().min(2).max(3600).default(120).register(docs, {
      description:
        "A transcoder's lease on a job, renewed by its progress reports, and how long a stream entry sits idle before another transcoder reclaims it (XAUTOCLAIM); the same value as the transcoder's",
    }),
    TRANSCODER_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3).register(docs, {
      description:
        'Attempts at a transcoding job before it fails and its id goes to `transcode:dead`',
    }),
    TRANSCODER_RETRY_BASE_SECONDS: z.coerce.number().min(0).max(3600).default(10).register(docs, {
      description: 'Backoff before retrying a failed job: this × 2^(attempts − 1) seconds',
    }),

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
      .default([{ urls: 'stun:stun.l.google.com:19302' }])
      .register(docs, {
        description:
          'JSON array of RTCIceServer entries handed to both meeting peers (TURN entries carry credentials)',
        secret: true,
      }),
    CONFERENCE_SHARD_CAPACITY: z.coerce
      .number()
      .int()
      .min(1)
      .max(30_000)
      // A thousand members voting within two seconds are 500 stored votes a second on their shard:
      // the top of what one Durable Object takes when each event writes storage (200–500 a second).
      .default(1000)
      .register(docs, {
        description:
          'Audience sockets per audience shard object of a live conference: a conference starts with enough shards for its `expectedAudience` and adds one while live when joins exceed this',
      }),
    CONFERENCE_CODE_CACHE_SECONDS: z.coerce.number().min(0).max(60).default(5).register(docs, {
      description:
        'How long a Worker isolate keeps the conference a join code names (a join storm reads MongoDB once per isolate per period); `0` reads it for every join',
    }),
    MEETING_LINK_TTL_HOURS: z.coerce
      .number()
      .positive()
      .max(720)
      .default(24)
      .register(docs, { description: 'How long a meeting invite link admits the guest, in hours' }),
    MEETING_LINK_URL: url.optional().register(docs, {
      description: 'Page the invite link opens (`?room=…&token=…&userId=…` are appended)',
      whenUnset: '`<request origin>/meeting.html`',
    }),
    MEETING_SMS_COUNTRY_CODES: csv
      .pipe(z.array(z.string().regex(/^\d{1,3}$/, 'must list country calling codes like 44,61')))
      .default(['44', '353', '61', '64', '1'])
      .register(docs, { description: 'Country calling codes invite links may be texted to' }),
    MEETING_TRASH_DAYS: z.coerce.number().positive().max(365).default(10).register(docs, {
      description: 'Days a trashed meeting is kept before the cron deletes it and its media',
    }),
    FEEDBACK_EMAIL: z.email().optional().register(docs, {
      description: 'Where `POST /api/v1/send-feedback` mails to',
      whenUnset: UNSET_MAILBOX,
    }),
    SUPPORT_TICKET_EMAIL: z.email().optional().register(docs, {
      description: 'Where `POST /api/v1/raise-support-ticket` mails to',
      whenUnset: UNSET_MAILBOX,
    }),
    DEMO_MEETING_EMAIL: z.email().optional().register(docs, {
      description: 'Where `POST /api/v1/book-demo-meeting` and `/request-demo` mail to',
      whenUnset: UNSET_MAILBOX,
    }),
    CALLBACK_REQUEST_EMAIL: z.email().optional().register(docs, {
      description: 'Where `POST /api/v1/request-callback` mails to',
      whenUnset: UNSET_MAILBOX,
    }),
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

/**
 * Parses raw variables (Worker bindings or process.env) with `schema`, an empty value counting as
 * unset; throws ConfigError naming each bad or missing one. The Worker's, the transcoder's and the
 * dev tooling's variables are all read through here.
 */
export function parseVariables<S extends z.ZodType>(
  schema: S,
  raw: Record<string, unknown>,
): z.output<S> {
  const strings: Record<string, string> = {}
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value === 'string' && value !== '') strings[key] = value
  }
  const result = schema.safeParse(strings)
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

/** Parses the Worker's variables; throws ConfigError naming each bad one. */
export function parseConfig(raw: Record<string, unknown>): Config {
  return parseVariables(configSchema, raw)
}

/** Every variable the configuration reads, for handing a runtime exactly these and nothing else. */
const CONFIG_VARIABLES = Object.keys(configSchema.shape) as (keyof Config)[]

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
