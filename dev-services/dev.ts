// `npm run dev`: starts every local stand-in whose URL is not configured, checks the resulting
// configuration, runs `wrangler dev` against it, waits for /api/health and prints the URLs.
// Ctrl-C stops everything; data stays in .data/ (git-ignored) across restarts.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { MongoClient } from 'mongodb'
import { ConfigError, parseConfig, pickConfigVariables } from '../shared/config'
import { JOB_STREAM } from '../shared/jobs'
import { ensureIndexes } from '../worker/db/indexes'
import { copyApiDocsAssets } from './api-docs-assets'
import { loadDevVariables } from './dev-variables'
import { freePortPreferring } from './ports'
import { startStack, type Stack } from './stack'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const HOST = '127.0.0.1'

async function main() {
  if (existsSync(path.join(ROOT, '.env'))) process.loadEnvFile(path.join(ROOT, '.env'))
  const dev = loadDevVariables(process.env)
  const dataDir = path.resolve(ROOT, dev.DEV_DATA_DIR)
  await mkdir(dataDir, { recursive: true })

  const stack = await startStack({ profile: 'dev', dataDir, env: process.env })
  const children: ChildProcess[] = []
  const stopping: (() => void)[] = []
  const stop = onceAsync(async (code: number) => {
    for (const halt of stopping) halt()
    for (const child of children) child.kill('SIGTERM')
    await Promise.all(
      children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null)),
    )
    await stack.stop().catch((error) => console.error(String(error)))
    process.exit(code)
  })
  process.on('SIGINT', () => void stop(0))
  process.on('SIGTERM', () => void stop(0))

  try {
    const wanted = dev.PORT
    const port = await freePortPreferring(HOST, wanted)
    if (port !== wanted) {
      stack.notices.push(
        `API: port ${wanted} is taken (another checkout's \`npm run dev\`?); using ${port}. ` +
          `The README's examples read $API: export API=http://${HOST}:${port}`,
      )
    }
    const baseUrl = `http://${HOST}:${port}`
    const vars = await workerVars(stack, baseUrl, dataDir)
    const config = parseConfig(vars)
    await createIndexes(config.MONGODB_URI, config.MONGODB_DB)
    await copyApiDocsAssets()
    const varsFile = path.join(dataDir, 'dev.vars')
    await writeFile(
      varsFile,
      Object.entries(vars)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join('\n'),
      {
        mode: 0o600,
      },
    )

    const wrangler = spawn(
      process.execPath,
      [
        path.join(ROOT, 'node_modules/wrangler/bin/wrangler.js'),
        'dev',
        '--ip',
        HOST,
        '--port',
        String(port),
        '--env-file',
        varsFile,
        '--persist-to',
        path.join(dataDir, 'wrangler'),
        '--test-scheduled',
        '--show-interactive-dev-session=false',
      ],
      {
        cwd: ROOT,
        stdio: ['ignore', 'inherit', 'inherit'],
        env: {
          ...process.env,
          CLOUDFLARE_CF_FETCH_ENABLED: 'false',
          WRANGLER_SEND_METRICS: 'false',
          // The banner's "update available" names the newest wrangler, which needs a newer Node
          // than we support; package.json pins the one we run.
          WRANGLER_HIDE_BANNER: 'true',
        },
      },
    )
    children.push(wrangler)
    wrangler.once('exit', (code) => void stop(code ?? 1))

    await waitForHealth(baseUrl)
    children.push(startTranscoder(vars, baseUrl))
    const cron = fireCron(baseUrl, dev.DEV_CRON_INTERVAL_SECONDS)
    stopping.push(() => cron.stop())
    // Last, so they are what stays on screen: the ports that moved, then the URLs.
    if (stack.notices.length > 0) {
      console.log(
        ['', '  Ports that were taken:', ...stack.notices.map((n) => `  ! ${n}`)].join('\n'),
      )
    }
    console.log(
      [
        '',
        `  API            ${baseUrl}`,
        `  Health         ${baseUrl}/api/health`,
        `  API reference  ${baseUrl}/api/docs`,
        `  Captured mail  ${baseUrl}/__dev/mail`,
        `  Captured SMS   ${baseUrl}/__dev/sms`,
        `  Transcoder     transcoder/main.ts on the ${JOB_STREAM} stream (needs ffmpeg, ffprobe)`,
        `  Cron           ${baseUrl}/__scheduled fired ${cron.schedule}`,
        '',
        '  Ctrl-C stops everything; data is kept in ' + path.relative(ROOT, dataDir) + '/',
        '',
      ].join('\n'),
    )
  } catch (error) {
    console.error(error instanceof ConfigError ? error.message : error)
    await stop(1)
  }
}

/**
 * The transcoder (transcoder/main.ts) against this Worker, with the Worker's variables. Started
 * once the Worker answers; its exit (ffmpeg missing, say) is reported but stops nothing else.
 */
function startTranscoder(vars: Record<string, string>, baseUrl: string): ChildProcess {
  const transcoder = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'transcoder/main.ts')],
    {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: {
        ...process.env,
        ...vars,
        WORKER_URL: baseUrl,
        // Its warning that SDK releases after January 2027 need Node 22 asks nothing of a developer
        // today: the lockfile holds the SDK we run (README, "Start-up messages").
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED:
          process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ?? 'true',
        // Ctrl-C should not wait half a minute for a job in flight; it is given back instead.
        TRANSCODER_SHUTDOWN_GRACE_SECONDS: process.env.TRANSCODER_SHUTDOWN_GRACE_SECONDS ?? '5',
      },
    },
  )
  transcoder.once('exit', (code, signal) => {
    if (code !== 0 && signal === null) console.error(`transcoder exited with code ${code}`)
  })
  return transcoder
}

/** The Worker's variables: configured ones, the stand-ins' addresses, and development defaults. */
async function workerVars(
  stack: Stack,
  baseUrl: string,
  dataDir: string,
): Promise<Record<string, string>> {
  return {
    APP_ENV: 'development',
    PUBLIC_BASE_URL: baseUrl,
    CORS_ORIGINS: `${baseUrl},http://localhost:${new URL(baseUrl).port},http://localhost:3000`,
    JWT_SECRET: await persistentSecret(dataDir, 'jwt-secret'),
    TRANSCODER_SECRET: await persistentSecret(dataDir, 'transcoder-secret'),
    ...pickConfigVariables(stack.env),
  }
}

async function createIndexes(uri: string, dbName: string) {
  const client = await new MongoClient(uri, { serverSelectionTimeoutMS: 5000 }).connect()
  try {
    await ensureIndexes(client.db(dbName))
  } finally {
    await client.close()
  }
}

/** A random secret kept in the data folder, so sessions survive a restart of `npm run dev`. */
async function persistentSecret(dataDir: string, name: string): Promise<string> {
  const file = path.join(dataDir, name)
  try {
    return (await readFile(file, 'utf8')).trim()
  } catch {
    const secret = randomBytes(32).toString('hex')
    await writeFile(file, secret, { mode: 0o600 })
    return secret
  }
}

/**
 * The cron `wrangler dev` never fires by itself (it only exposes /__scheduled): fired here at the
 * start of every minute, as Cloudflare does (`DEV_CRON_INTERVAL_SECONDS` fires it more often, for
 * tests). The Worker logs each task's result; a failed firing is logged here.
 */
function fireCron(baseUrl: string, every: number) {
  const schedule = every > 0 ? `every ${every} s (DEV_CRON_INTERVAL_SECONDS)` : 'every minute'
  let timer: NodeJS.Timeout | undefined
  const next = () => {
    const wait = every > 0 ? every * 1000 : 60_000 - (Date.now() % 60_000)
    timer = setTimeout(() => void fire().finally(next), wait)
  }
  const fire = async () => {
    try {
      const res = await fetch(`${baseUrl}/__scheduled?cron=${encodeURIComponent('* * * * *')}`)
      if (!res.ok) console.error(`cron: /__scheduled answered ${res.status}`)
    } catch (error) {
      console.error(`cron: could not reach the Worker: ${String(error)}`)
    }
  }
  next()
  return { schedule, stop: () => clearTimeout(timer) }
}

async function waitForHealth(baseUrl: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs
  let last = 'no answer'
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${baseUrl}/api/health`)
      if (res.ok) return
      last = JSON.stringify(await res.json())
    } catch (error) {
      last = String(error)
    }
    await new Promise((r) => setTimeout(r, 300))
  }
  throw new Error(`the Worker did not become healthy within ${timeoutMs} ms: ${last}`)
}

function onceAsync<A extends unknown[]>(fn: (...args: A) => Promise<void>) {
  let running: Promise<void> | undefined
  return (...args: A) => (running ??= fn(...args))
}

// Failures before the stack is up (a bad PORT, a stand-in that cannot start) end the process here.
main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error)
  process.exit(1)
})
