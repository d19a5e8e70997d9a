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

export function createServices(config: Config, overrides: ServiceOverrides = {}): Services {
  const database =
    overrides.database ?? createDatabase({ uri: config.MONGODB_URI, dbName: config.MONGODB_DB })
  return {
    database,
    redis: createRedis({
      url: config.UPSTASH_REDIS_REST_URL,
      token: config.UPSTASH_REDIS_REST_TOKEN,
    }),
    storage: createStorage({
      endpoint: config.S3_ENDPOINT,
      region: config.S3_REGION,
      bucket: config.S3_BUCKET,
      accessKeyId: config.S3_ACCESS_KEY_ID,
      secretAccessKey: config.S3_SECRET_ACCESS_KEY,
      forcePathStyle: config.S3_FORCE_PATH_STYLE,
    }),
    mail: createMailer({
      host: config.SMTP_HOST,
      port: config.SMTP_PORT,
      secure: config.SMTP_SECURE,
      user: config.SMTP_USER,
      password: config.SMTP_PASSWORD,
      from: config.MAIL_FROM,
    }),
    sms:
      config.TWILIO_ACCOUNT_SID && config.TWILIO_AUTH_TOKEN
        ? createTwilioSms({
            accountSid: config.TWILIO_ACCOUNT_SID,
            authToken: config.TWILIO_AUTH_TOKEN,
            verifyServiceSid: config.TWILIO_VERIFY_SERVICE_SID,
            fromNumber: config.TWILIO_PHONE_NUMBER,
            baseUrl: config.TWILIO_API_BASE_URL,
          })
        : createUnconfiguredSms(),
    push: pushSenderFor(config),
    now: () => new Date(),
    dispose: () => (overrides.database ? Promise.resolve() : database.close()),
  }
}
