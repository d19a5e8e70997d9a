// Builds the per-request service set from configuration. Handlers reach it through
// c.get('services'), never through module-level singletons, so tests can swap configuration.
import type { Config } from '../../shared/config'
import { createDatabase, type Database } from './db'
import { createMailer, type Mailer } from './mail'
import { pushSenderFor, type PushSender } from './push'
import { createRedis } from './redis'
import { createTwilioSms, createUnconfiguredSms, type SmsSender } from './sms'
import { createStorage, type Storage } from './storage'
import type { Redis } from '@upstash/redis/cloudflare'

export interface Services {
  database: Database
  redis: Redis
  storage: Storage
  mail: Mailer
  sms: SmsSender
  push: PushSender
  now: () => Date
  /** Releases what this request opened (the MongoDB client); safe to call twice. */
  dispose(): Promise<void>
}

export interface ServiceOverrides {
  /** A database that outlives the request (the warm pool's); dispose then leaves it open. */
  database?: Database
}

/**
 * Each service is built the first time a handler reaches for it: most requests use one or two of
 * them, and building all six per request (a MongoDB client, an S3 client, a Redis client with a
 * closure per command) was most of the garbage a request left behind — 500 KB per conference join,
 * measured with the inspector's sampling heap profiler.
 */
export function createServices(config: Config, overrides: ServiceOverrides = {}): Services {
  let database = overrides.database
  const redis = once(() =>
    createRedis({ url: config.UPSTASH_REDIS_REST_URL, token: config.UPSTASH_REDIS_REST_TOKEN }),
  )
  const storage = once(() =>
    createStorage({
      endpoint: config.S3_ENDPOINT,
      region: config.S3_REGION,
      bucket: config.S3_BUCKET,
      accessKeyId: config.S3_ACCESS_KEY_ID,
      secretAccessKey: config.S3_SECRET_ACCESS_KEY,
      forcePathStyle: config.S3_FORCE_PATH_STYLE,
    }),
  )
  const mail = once(() =>
    createMailer({
      host: config.SMTP_HOST,
      port: config.SMTP_PORT,
      secure: config.SMTP_SECURE,
      user: config.SMTP_USER,
      password: config.SMTP_PASSWORD,
      from: config.MAIL_FROM,
    }),
  )
  const sms = once(() =>
    config.TWILIO_ACCOUNT_SID && config.TWILIO_AUTH_TOKEN
      ? createTwilioSms({
          accountSid: config.TWILIO_ACCOUNT_SID,
          authToken: config.TWILIO_AUTH_TOKEN,
          verifyServiceSid: config.TWILIO_VERIFY_SERVICE_SID,
          fromNumber: config.TWILIO_PHONE_NUMBER,
          baseUrl: config.TWILIO_API_BASE_URL,
        })
      : createUnconfiguredSms(),
  )
  const push = once(() => pushSenderFor(config))
  return {
    get database() {
      database ??= createDatabase({ uri: config.MONGODB_URI, dbName: config.MONGODB_DB })
      return database
    },
    get redis() {
      return redis()
    },
    get storage() {
      return storage()
    },
    get mail() {
      return mail()
    },
    get sms() {
      return sms()
    },
    get push() {
      return push()
    },
    now: () => new Date(),
    // A client this request never opened has nothing to close.
    dispose: () =>
      overrides.database || database === undefined ? Promise.resolve() : database.close(),
  }
}

/** `make`'s value, made on the first call and answered again after. */
function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined
  return () => (made ??= { value: make() }).value
}
