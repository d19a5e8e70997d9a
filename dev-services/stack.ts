// Starts the local stand-ins for every external service the Worker needs (skipping any whose
// configuration is already given) — the one entry point for `npm run dev` and the test harness.
import path from 'node:path'
import {
  startCapture,
  startMongo,
  startS3,
  startUpstash,
  type ServiceContext,
  type StackService,
  type StartedService,
} from './stack-services.js'

export type { StackService } from './stack-services.js'

export interface StackOptions {
  /** dev: stable default ports + persistence under dataDir; test: free ports, temp dirs */
  profile: 'dev' | 'test'
  /** dev default '.data' (git-ignored) */
  dataDir?: string
  /** Configuration already given (process.env); a stand-in starts ONLY when its variable is not set */
  env?: Record<string, string | undefined>
  log?: (line: string) => void
}

export interface Stack {
  /** The given variables with the stand-ins' variables and defaults merged over them */
  env: Record<string, string>
  /** The capture read API (undefined when no capture started) */
  captureUrl?: string
  /** What this stack started, in start order (the same lines dev logs) */
  services: StackService[]
  /** Warnings the developer must see (default ports that were taken), to repeat at the end */
  notices: string[]
  /** Stops everything this stack started, in reverse order; only the first call can throw */
  stop(): Promise<void>
}

/** Every variable the stack may produce; a caller that must not pass all of process.env can pick these. */
export const STACK_VARIABLES = [
  'MONGODB_URI',
  'UPSTASH_REDIS_REST_URL',
  'UPSTASH_REDIS_REST_TOKEN',
  'S3_ENDPOINT',
  'S3_REGION',
  'S3_BUCKET',
  'S3_ACCESS_KEY_ID',
  'S3_SECRET_ACCESS_KEY',
  'S3_FORCE_PATH_STYLE',
  'SMTP_HOST',
  'SMTP_PORT',
  'MAIL_FROM',
  'TWILIO_API_BASE_URL',
  'TWILIO_ACCOUNT_SID',
  'TWILIO_AUTH_TOKEN',
  'TWILIO_VERIFY_SERVICE_SID',
  'TWILIO_PHONE_NUMBER',
  'FCM_API_BASE_URL',
  'FCM_TOKEN_URL',
  'FCM_PROJECT_ID',
  'FCM_CLIENT_EMAIL',
  'FCM_PRIVATE_KEY',
  'GOOGLE_CLIENT_ID',
  'GOOGLE_CLIENT_SECRET',
  'GOOGLE_ANDROID_CLIENT_ID',
  'GOOGLE_IOS_CLIENT_ID',
  'GOOGLE_AUTH_URL',
  'GOOGLE_TOKEN_URL',
  'GOOGLE_JWKS_URL',
  'DEV_CAPTURE_URL',
] as const

const DEFAULTS = {
  S3_REGION: 'us-east-1',
  S3_BUCKET: 'media',
  MAIL_FROM: 'Sanora <no-reply@sanora.local>',
}

export class StackStartError extends Error {
  override name = 'StackStartError'
  constructor(
    readonly failed: string[],
    message: string,
    options: { cause: unknown },
  ) {
    super(message, options)
  }
}

class StackStopError extends Error {
  override name = 'StackStopError'
}

interface Task {
  name: string
  start(ctx: ServiceContext): Promise<StartedService>
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const dev = opts.profile === 'dev'
  const given = definedOnly(opts.env ?? {})
  const log = opts.log ?? (dev ? (line: string) => console.log(line) : () => {})
  const notices: string[] = []
  const ctx: ServiceContext = {
    dev,
    dataDir: path.resolve(opts.dataDir ?? '.data'),
    given,
    log,
    notice: (line) => {
      notices.push(line)
      log(`! ${line}`)
    },
  }
  const tasks = plan(given)

  const results = await Promise.allSettled(tasks.map((task) => task.start(ctx)))
  const started = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
  const failures = results.flatMap((result, i) =>
    result.status === 'rejected' ? [{ name: tasks[i]!.name, error: result.reason as unknown }] : [],
  )
  if (failures.length > 0) {
    await stopAll(started).catch(() => {})
    const why = failures.map((f) => `${f.name}: ${(f.error as Error)?.message ?? String(f.error)}`)
    throw new StackStartError(
      failures.map((f) => f.name),
      `dev stack: could not start ${why.join('; ')}`,
      { cause: failures[0]!.error },
    )
  }

  const services = started.flatMap((service) => service.services)
  for (const service of services) log(`${service.name.padEnd(8)} ${service.url}`)
  const env = {
    ...DEFAULTS,
    ...given,
    ...Object.assign({}, ...started.map((s) => s.env)),
  } as Record<string, string>
  let stopping: Promise<void> | undefined
  return {
    env,
    captureUrl: started.find((service) => service.env.DEV_CAPTURE_URL)?.env.DEV_CAPTURE_URL,
    services,
    notices,
    stop() {
      if (stopping) return stopping.catch(() => {})
      stopping = stopAll(started)
      return stopping
    },
  }
}

/** Which stand-ins to start: exactly those whose variable the caller did not give. */
function plan(given: Record<string, string>): Task[] {
  const tasks: Task[] = []
  if (!given.MONGODB_URI) tasks.push({ name: 'mongo', start: startMongo })
  if (!given.UPSTASH_REDIS_REST_URL) tasks.push({ name: 'redis/upstash', start: startUpstash })
  if (!given.S3_ENDPOINT) tasks.push({ name: 's3', start: startS3 })
  const needs = {
    smtp: !given.SMTP_HOST,
    twilio: !given.TWILIO_ACCOUNT_SID,
    fcm: !given.FCM_PROJECT_ID,
    google: !given.GOOGLE_CLIENT_ID,
  }
  if (needs.smtp || needs.twilio || needs.fcm || needs.google) {
    tasks.push({ name: 'capture', start: (ctx) => startCapture(ctx, needs) })
  }
  return tasks
}

async function stopAll(started: StartedService[]): Promise<void> {
  const errors: unknown[] = []
  for (const service of [...started].reverse()) {
    try {
      await service.stop()
    } catch (error) {
      errors.push(error)
    }
  }
  if (errors.length > 0) {
    throw new StackStopError(`dev stack: ${errors.length} stand-in(s) did not stop cleanly`, {
      cause: errors.length === 1 ? errors[0] : new AggregateError(errors),
    })
  }
}

function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  // An empty value (`FOO=` in a .env file) means "not configured" as much as a missing one does.
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => Boolean(entry[1])),
  )
}
