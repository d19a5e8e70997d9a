// How the stack starts each stand-in for a profile (ports, data folders) and which variables each
// one hands to the Worker.
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { startCaptureServer } from './capture/index.js'
import { devVariable } from './dev-variables.js'
import { generateFcmCredentials } from './fcm-credentials.js'
import { freePortPreferring } from './ports.js'
import { ensureRedis } from './redis.js'
import { startS3Emulator } from './s3.js'
import { startUpstashEmulator } from './upstash.js'

export interface StackService {
  name: string
  url: string
}

export interface StartedService {
  env: Record<string, string>
  services: StackService[]
  stop(): Promise<void>
}

export interface ServiceContext {
  dev: boolean
  /** Absolute; only used in dev (tests use temp dirs). */
  dataDir: string
  given: Record<string, string>
  log: (line: string) => void
  /** Something the developer must know (a default port was taken): said loudly, again at the end. */
  notice: (line: string) => void
}

/** In dev, says so when a stand-in could not have its usual port (another checkout may hold it). */
function noticeMoved(ctx: ServiceContext, name: string, preferred: number, url: string) {
  const actual = Number(new URL(url.replace(/^mongodb:/, 'http:')).port)
  if (ctx.dev && actual !== preferred)
    ctx.notice(`${name}: port ${preferred} is taken (another checkout?); using ${actual}`)
}

const HOST = '127.0.0.1'

/** Stable ports a developer can bookmark; tests always take free ones. */
export const DEV_PORTS = {
  mongo: 27017,
  redis: 6379,
  upstash: 8079,
  s3: 4569,
  smtp: 2525,
  capture: 8025,
}

export async function startMongo(ctx: ServiceContext): Promise<StartedService> {
  const { startMongoDevServer } = await import('./mongo/index.js')
  const dataDir = ctx.dev
    ? path.join(ctx.dataDir, 'mongo')
    : await mkdtemp(path.join(os.tmpdir(), 'sanora-mongo-'))
  await mkdir(dataDir, { recursive: true })
  const port = ctx.dev ? await freePortPreferring(HOST, DEV_PORTS.mongo) : 0
  const removeTemp = () =>
    ctx.dev ? Promise.resolve() : rm(dataDir, { recursive: true, force: true })
  let server
  try {
    server = await startMongoDevServer({ host: HOST, port, dataDir, log: ctx.log })
  } catch (error) {
    await removeTemp()
    throw error
  }
  noticeMoved(ctx, 'mongo', DEV_PORTS.mongo, server.uri)
  return {
    env: { MONGODB_URI: server.uri },
    services: [{ name: 'mongo', url: server.uri }],
    stop: () => server.close().finally(removeTemp),
  }
}

/**
 * Redis of this stack's own: a `redis-server` it spawns (its data under the stack's data folder in
 * dev), never one that merely answers on 6379. Two checkouts sharing one Redis shared the job
 * stream's consumer group, OTP codes and rate-limit counters, and stole each other's jobs.
 * DEV_REDIS_URL reuses a server on purpose (and is then the developer's to keep apart).
 */
export async function startUpstash(ctx: ServiceContext): Promise<StartedService> {
  const devRedisUrl = devVariable('DEV_REDIS_URL', ctx.given)
  const reuseAt = devRedisUrl ? new URL(devRedisUrl) : undefined
  const redis = await ensureRedis({
    host: reuseAt?.hostname ?? HOST,
    port: reuseAt ? Number(reuseAt.port || 6379) : ctx.dev ? DEV_PORTS.redis : 0,
    reuse: Boolean(reuseAt),
    dataDir: ctx.dev ? path.join(ctx.dataDir, 'redis') : undefined,
    bin: devVariable('REDIS_SERVER_BIN', ctx.given),
    log: ctx.log,
  })
  if (!reuseAt) noticeMoved(ctx, 'redis', DEV_PORTS.redis, redis.url.replace(/^redis:/, 'http:'))
  let emulator
  try {
    emulator = await startUpstashEmulator({
      redisUrl: redis.url,
      host: HOST,
      port: ctx.dev ? DEV_PORTS.upstash : 0,
      fallbackToFreePort: ctx.dev,
      log: ctx.log,
    })
  } catch (error) {
    await redis.close()
    throw error
  }
  noticeMoved(ctx, 'upstash', DEV_PORTS.upstash, emulator.url)
  return {
    env: { UPSTASH_REDIS_REST_URL: emulator.url, UPSTASH_REDIS_REST_TOKEN: emulator.token },
    services: [
      { name: 'redis', url: `${redis.url}${redis.spawned ? '' : ' (already running, reused)'}` },
      { name: 'upstash', url: emulator.url },
    ],
    stop: () => emulator.close().finally(() => redis.close()),
  }
}

export async function startS3(ctx: ServiceContext): Promise<StartedService> {
  const s3 = await startS3Emulator({
    host: HOST,
    port: ctx.dev ? DEV_PORTS.s3 : 0,
    fallbackToFreePort: ctx.dev,
    directory: ctx.dev ? path.join(ctx.dataDir, 's3') : undefined,
    bucket: ctx.given.S3_BUCKET ?? 'media',
    region: ctx.given.S3_REGION ?? 'us-east-1',
  })
  noticeMoved(ctx, 's3', DEV_PORTS.s3, s3.endpoint)
  return {
    env: {
      S3_ENDPOINT: s3.endpoint,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
    },
    services: [{ name: 's3', url: `${s3.endpoint}/${s3.bucket}` }],
    stop: () => s3.close(),
  }
}

export interface CaptureNeeds {
  smtp: boolean
  twilio: boolean
  fcm: boolean
  google: boolean
}

/** Placeholder Twilio credentials: well-formed, so code validating sid shapes accepts them. */
const TWILIO_PLACEHOLDERS = {
  TWILIO_ACCOUNT_SID: `AC${'0'.repeat(31)}1`,
  TWILIO_AUTH_TOKEN: 'dev-twilio-auth-token',
  TWILIO_VERIFY_SERVICE_SID: `VA${'0'.repeat(31)}1`,
  // Twilio's documented "valid sender" magic test number
  TWILIO_PHONE_NUMBER: '+15005550006',
}

/** The dev OAuth clients the Google fake registers: one web (confidential) and two app clients. */
function googleDevClients() {
  return {
    GOOGLE_CLIENT_ID: 'sanora-dev-web.apps.googleusercontent.com',
    GOOGLE_ANDROID_CLIENT_ID: 'sanora-dev-android.apps.googleusercontent.com',
    GOOGLE_IOS_CLIENT_ID: 'sanora-dev-ios.apps.googleusercontent.com',
    // Shaped like Google's secrets; new at every start, like the FCM key.
    GOOGLE_CLIENT_SECRET: `GOCSPX-${randomBytes(21).toString('base64url')}`,
  }
}

export async function startCapture(
  ctx: ServiceContext,
  needs: CaptureNeeds,
): Promise<StartedService> {
  const fcm = needs.fcm ? await generateFcmCredentials() : undefined
  const google = needs.google ? googleDevClients() : undefined
  const capture = await startCaptureServer({
    host: HOST,
    httpPort: ctx.dev ? DEV_PORTS.capture : 0,
    smtpPort: ctx.dev ? DEV_PORTS.smtp : 0,
    fallbackToFreePort: ctx.dev,
    fcmPublicKeyPem: fcm?.publicKeyPem,
    googleClients: google && [
      { id: google.GOOGLE_CLIENT_ID, secret: google.GOOGLE_CLIENT_SECRET },
      { id: google.GOOGLE_ANDROID_CLIENT_ID },
      { id: google.GOOGLE_IOS_CLIENT_ID },
    ],
    log: ctx.log,
  })
  const url = capture.httpUrl
  noticeMoved(ctx, 'capture', DEV_PORTS.capture, url)
  noticeMoved(ctx, 'smtp', DEV_PORTS.smtp, `http://${capture.smtpHost}:${capture.smtpPort}`)
  const env: Record<string, string> = { DEV_CAPTURE_URL: url }
  const services: StackService[] = [{ name: 'capture', url: `${url} (read /mail /sms /push)` }]
  if (needs.smtp) {
    env.SMTP_HOST = capture.smtpHost
    env.SMTP_PORT = String(capture.smtpPort)
    services.push({ name: 'smtp', url: `smtp://${capture.smtpHost}:${capture.smtpPort}` })
  }
  if (needs.twilio) {
    Object.assign(env, TWILIO_PLACEHOLDERS, { TWILIO_API_BASE_URL: url })
    services.push({ name: 'twilio', url })
  }
  if (fcm) {
    Object.assign(env, {
      FCM_API_BASE_URL: url,
      FCM_TOKEN_URL: `${url}/token`,
      FCM_PROJECT_ID: fcm.projectId,
      FCM_CLIENT_EMAIL: fcm.clientEmail,
      FCM_PRIVATE_KEY: fcm.privateKeyPem,
    })
    services.push({ name: 'fcm', url })
  }
  if (google) {
    // GOOGLE_CALLBACK_URL stays unset: the Worker derives it from the request's origin.
    Object.assign(env, google, {
      GOOGLE_AUTH_URL: `${url}/google/authorize`,
      GOOGLE_TOKEN_URL: `${url}/google/token`,
      GOOGLE_JWKS_URL: `${url}/google/jwks`,
    })
    services.push({ name: 'google', url: `${url}/google` })
  }
  return { env, services, stop: () => capture.close() }
}
