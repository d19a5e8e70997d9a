// Integration-test global setup: starts the local stand-ins (the same module `npm run dev` uses)
// and one Worker in workerd, and hands their addresses to the tests through `inject`.
import { randomBytes } from 'node:crypto'
import type { TestProject } from 'vitest/node'
import { MongoClient } from 'mongodb'
import { pickConfigVariables } from '../../shared/config'
import { ensureIndexes } from '../../worker/db/indexes'
import { startStack, type Stack } from '../../dev-services/stack'
import { startWorker, type RunningWorker } from './worker'
import { clearSecurityCounts, writeSecurityReport } from '../integration/security/lib/report'

declare module 'vitest' {
  export interface ProvidedContext {
    workerUrl: string
    captureUrl: string
    workerVars: Record<string, string>
  }
}

let stack: Stack | undefined
let worker: RunningWorker | undefined

export async function setup(project: TestProject) {
  clearSecurityCounts()
  stack = await startStack({ profile: 'test', env: process.env })
  const workerVars = testWorkerVars(stack.env)
  const client = await new MongoClient(workerVars.MONGODB_URI!).connect()
  try {
    await ensureIndexes(client.db(workerVars.MONGODB_DB))
  } finally {
    await client.close()
  }
  worker = await startWorker({ vars: workerVars })
  await warmUp(worker.url)
  project.provide('workerUrl', worker.url)
  project.provide('captureUrl', stack.captureUrl ?? '')
  project.provide('workerVars', workerVars)
}

export async function teardown() {
  await worker?.dispose()
  await stack?.stop()
  writeSecurityReport()
}

/** The Worker's variables in tests: the stand-ins' addresses plus per-run secrets. */
export function testWorkerVars(stackEnv: Record<string, string>): Record<string, string> {
  return {
    ...pickConfigVariables(stackEnv),
    APP_ENV: 'test',
    LOG_LEVEL: 'warn',
    MONGODB_DB: `test_${Date.now().toString(36)}`,
    JWT_SECRET: randomBytes(32).toString('hex'),
    // The old systems' secret during a cut-over: test/integration/legacy-tokens.test.ts signs with it.
    LEGACY_JWT_SECRET: randomBytes(32).toString('hex'),
    TRANSCODER_SECRET: randomBytes(32).toString('hex'),
    // Short leases and backoff so reclaim and retry happen within a test.
    TRANSCODER_LEASE_SECONDS: '4',
    TRANSCODER_RETRY_BASE_SECONDS: '0',
    // Small thresholds so multipart paths run with small test files.
    MEDIA_MULTIPART_THRESHOLD_BYTES: String(6 * 1024 * 1024),
    MEDIA_PART_SIZE_BYTES: String(5 * 1024 * 1024),
    MEDIA_MAX_IMAGE_BYTES: String(2 * 1024 * 1024),
    MEDIA_MAX_VIDEO_BYTES: String(50 * 1024 * 1024),
    CORS_ORIGINS: 'http://app.test,http://other.test',
    // A short heartbeat so that Socket.IO pings (and a silent client's close) happen within a test.
    SOCKET_IO_PING_INTERVAL_MS: '400',
    SOCKET_IO_PING_TIMEOUT_MS: '400',
    FEEDBACK_EMAIL: 'feedback@videodesk.test',
    SUPPORT_TICKET_EMAIL: 'support@videodesk.test',
    DEMO_MEETING_EMAIL: 'demo@videodesk.test',
    CALLBACK_REQUEST_EMAIL: 'callback@videodesk.test',
  }
}

/** The first request pays for loading the bundle; make it before any test's timeout is running. */
async function warmUp(url: string) {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    const res = await fetch(`${url}/api/health`).catch(() => undefined)
    if (res?.ok) return
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error('the Worker did not become healthy within 60 s')
}
