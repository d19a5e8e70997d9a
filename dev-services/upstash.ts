// The Upstash-REST-compatible HTTP endpoint in front of a local Redis: @humanwhocodes/upstash-redis-server
// plus the parts of Upstash's protocol it lacks (auth on every path, base64 responses, multi-exec).
import { createHash, randomBytes } from 'node:crypto'
import { createApp } from '@humanwhocodes/upstash-redis-server'
// The emulator's own dependency; imported only to reach (and later close) the client it creates.
import { Redis as IORedis } from 'ioredis'
import { serveFetch } from './fetch-server.js'

class UpstashEmulatorStartError extends Error {
  override name = 'UpstashEmulatorStartError'
}

export interface UpstashEmulatorOptions {
  /** The Redis behind the emulator, e.g. `redis://127.0.0.1:6379`. */
  redisUrl: string
  host?: string
  /** 0 or absent = a free port. */
  port?: number
  /** When `port` is taken, use a free one instead of failing (dev). */
  fallbackToFreePort?: boolean
  /** Bearer token clients must send; default a random one. */
  token?: string
  log?: (line: string) => void
}

export interface UpstashEmulator {
  /** UPSTASH_REDIS_REST_URL */
  url: string
  /** UPSTASH_REDIS_REST_TOKEN */
  token: string
  port: number
  close(): Promise<void>
}

export async function startUpstashEmulator(opts: UpstashEmulatorOptions): Promise<UpstashEmulator> {
  const host = opts.host ?? '127.0.0.1'
  const token = opts.token ?? `dev-${randomBytes(16).toString('hex')}`
  const log = opts.log ?? (() => {})
  const { app, client } = createAppKeepingClient(token, opts.redisUrl)
  const scripts = new Map<string, string>()
  quietClientErrors(client, log)
  try {
    await waitUntilReady(client, opts.redisUrl)
  } catch (error) {
    client.disconnect()
    throw error
  }

  const handle = async (request: Request): Promise<Response> => {
    // The emulator only guards `/`; Upstash rejects a wrong token on every path.
    if (request.headers.get('authorization') !== `Bearer ${token}`) {
      return Response.json({ error: 'Unauthorized' }, { status: 401 })
    }
    const path = new URL(request.url).pathname
    const base64 = request.headers.get('upstash-encoding')?.toLowerCase() === 'base64'
    request = await withPortableScripts(request, scripts)
    const response =
      request.method === 'POST' && path === '/multi-exec'
        ? await multiExec(client, request)
        : await app.fetch(request)
    return toUpstashShape(response, base64)
  }

  let server
  try {
    server = await serveFetch(handle, {
      host,
      port: opts.port ?? 0,
      fallbackToFreePort: opts.fallbackToFreePort ?? false,
    })
  } catch (error) {
    client.disconnect()
    throw new UpstashEmulatorStartError(`cannot listen on ${host}:${opts.port ?? 0}`, {
      cause: error,
    })
  }
  const { port } = server
  let closing: Promise<void> | undefined
  return {
    url: `http://${host}:${port}`,
    token,
    port,
    close() {
      closing ??= server.close().finally(() => client.disconnect())
      return closing
    },
  }
}

/**
 * createApp() makes an ioredis client it never closes; catch it as it connects (synchronously,
 * inside the constructor) so close() can disconnect it instead of leaving it reconnecting forever.
 */
function createAppKeepingClient(token: string, redisUrl: string) {
  const proto = IORedis.prototype as unknown as { connect: (...args: unknown[]) => Promise<void> }
  const connect = proto.connect
  let client: IORedis | undefined
  proto.connect = function (this: IORedis, ...args: unknown[]) {
    client ??= this
    return connect.apply(this, args)
  }
  try {
    const app = createApp({ token, redisUrl })
    if (!client) {
      throw new UpstashEmulatorStartError(
        'the Upstash emulator no longer creates its ioredis client as expected; update upstash.ts',
      )
    }
    return { app, client }
  } finally {
    proto.connect = connect
  }
}

function quietClientErrors(client: IORedis, log: (line: string) => void): void {
  // The emulator logs every reconnect attempt with console.error; one line per outage is enough.
  client.removeAllListeners('error')
  let reported = false
  client.on('error', (error: Error) => {
    if (reported) return
    reported = true
    log(`upstash emulator: Redis connection error: ${error.message}`)
  })
  client.on('ready', () => {
    reported = false
  })
}

function waitUntilReady(client: IORedis, redisUrl: string, timeoutMs = 5_000): Promise<void> {
  if (client.status === 'ready') return Promise.resolve()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady)
      reject(new UpstashEmulatorStartError(`the emulator could not connect to ${redisUrl}`))
    }, timeoutMs)
    const onReady = () => {
      clearTimeout(timer)
      resolve()
    }
    client.once('ready', onReady)
  })
}

async function multiExec(client: IORedis, request: Request): Promise<Response> {
  let commands: unknown
  try {
    commands = await request.json()
  } catch {
    return Response.json({ error: 'Invalid JSON body' }, { status: 400 })
  }
  const valid =
    Array.isArray(commands) &&
    commands.length > 0 &&
    commands.every((command) => Array.isArray(command) && command.length > 0)
  if (!valid) {
    return Response.json({ error: 'Request body must be an array of commands' }, { status: 400 })
  }
  try {
    const batch = (commands as unknown[][]).map((command) => ['call', ...command.map(String)])
    const results = await client.multi(batch).exec()
    if (!results) return Response.json({ error: 'Transaction discarded' }, { status: 400 })
    return Response.json(
      results.map(([error, result]) => (error ? { error: error.message } : { result })),
    )
  } catch (error) {
    return Response.json({ error: (error as Error).message }, { status: 400 })
  }
}

// Upstash accepts `#!lua flags=allow-key-locking` (used by @upstash/ratelimit); Redis 7.0 refuses
// the flag. It only matters for Upstash's own scheduling, so it is dropped here, and EVALSHA of the
// original script is mapped to the SHA of the script Redis actually stored.
const UPSTASH_ONLY_FLAG = /^#!lua flags=allow-key-locking\b/

async function withPortableScripts(
  request: Request,
  scripts: Map<string, string>,
): Promise<Request> {
  if (request.method !== 'POST') return request
  const text = await request.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return new Request(request, { body: text })
  }
  const rewrite = (command: unknown): unknown => {
    if (!Array.isArray(command) || typeof command[0] !== 'string') return command
    const name = command[0].toLowerCase()
    const scriptAt = name === 'eval' || name === 'eval_ro' ? 1 : name === 'script' ? 2 : -1
    const script = command[scriptAt]
    if (scriptAt > 0 && typeof script === 'string' && UPSTASH_ONLY_FLAG.test(script)) {
      const portable = script.replace(UPSTASH_ONLY_FLAG, '#!lua')
      scripts.set(sha1(script), sha1(portable))
      return command.map((part, i) => (i === scriptAt ? portable : part))
    }
    if ((name === 'evalsha' || name === 'evalsha_ro') && typeof command[1] === 'string') {
      const mapped = scripts.get(command[1].toLowerCase())
      if (mapped) return command.map((part, i) => (i === 1 ? mapped : part))
    }
    return command
  }
  const rewritten =
    Array.isArray(body) && Array.isArray(body[0]) ? body.map(rewrite) : rewrite(body)
  return new Request(request, { body: JSON.stringify(rewritten) })
}

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex')

const COMMAND_FAILED_PREFIX = 'Failed to execute Redis command: '

/**
 * Upstash answers command errors with 400 and the bare Redis message, HGETALL as a flat array (ioredis
 * turns it into an object), and base64-encoded strings when asked to.
 */
async function toUpstashShape(response: Response, base64: boolean): Promise<Response> {
  if (!(response.headers.get('content-type') ?? '').includes('application/json')) return response
  const body = (await response.json()) as unknown
  if (!response.ok) {
    const message = (body as { error?: unknown }).error
    if (response.status === 500 && typeof message === 'string') {
      if (message.startsWith(COMMAND_FAILED_PREFIX)) {
        return Response.json(
          { error: message.slice(COMMAND_FAILED_PREFIX.length) },
          { status: 400 },
        )
      }
    }
    return Response.json(body, { status: response.status })
  }
  const fix = (value: unknown) => {
    const flat = flattenObjects(value)
    return base64 ? encodeStrings(flat) : flat
  }
  const fixEntry = (entry: { result?: unknown }) =>
    'result' in entry ? { ...entry, result: fix(entry.result) } : entry
  const fixed = Array.isArray(body) ? body.map(fixEntry) : fixEntry(body as { result?: unknown })
  return Response.json(fixed, { status: response.status })
}

function flattenObjects(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(flattenObjects)
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([field, item]) => [field, flattenObjects(item)])
  }
  return value
}

function encodeStrings(value: unknown): unknown {
  if (typeof value === 'string') return Buffer.from(value, 'utf8').toString('base64')
  if (Array.isArray(value)) return value.map(encodeStrings)
  return value
}
