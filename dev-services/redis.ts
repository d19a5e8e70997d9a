// Makes a Redis available to the Upstash emulator: reuse one that already answers PING, otherwise
// spawn `redis-server` from PATH (private and throw-away in tests, persisted under .data in dev).
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { devVariable } from './dev-variables.js'
import { freePortPreferring } from './ports.js'
import { pingRedis } from './resp-ping.js'

const REDIS_INSTALL_HINT =
  'install it with `sudo apt-get install redis-server` (Debian/Ubuntu) or `brew install redis` ' +
  '(macOS), or point REDIS_SERVER_BIN at the binary'

export class RedisNotInstalledError extends Error {
  override name = 'RedisNotInstalledError'
}

class RedisStartError extends Error {
  override name = 'RedisStartError'
}

export interface RedisOptions {
  host?: string
  /** Preferred port; 0 or absent spawns on a free one. A taken port falls back to a free one. */
  port?: number
  /** Reuse a Redis that already answers PING at host:port instead of spawning a private one. */
  reuse?: boolean
  /** Persist into this folder (RDB snapshot every 60 s after a change); absent = no persistence. */
  dataDir?: string
  /** The redis-server binary; default REDIS_SERVER_BIN or `redis-server` on PATH. */
  bin?: string
  startTimeoutMs?: number
  log?: (line: string) => void
}

export interface LocalRedis {
  url: string
  host: string
  port: number
  /** False when an already running Redis was reused (close() then leaves it alone). */
  spawned: boolean
  /** The spawned redis-server's process id (undefined when reused). */
  pid?: number
  close(): Promise<void>
}

export async function ensureRedis(opts: RedisOptions = {}): Promise<LocalRedis> {
  const host = opts.host ?? '127.0.0.1'
  const preferred = opts.port ?? 0
  if (opts.reuse && preferred > 0 && (await pingRedis(host, preferred)) === '+PONG') {
    return {
      url: `redis://${host}:${preferred}`,
      host,
      port: preferred,
      spawned: false,
      close: async () => {},
    }
  }
  // A taken port is the caller's to report (the dev stack says so among its port notices).
  const port = await freePortPreferring(host, preferred)
  return spawnRedis({ ...opts, host, port })
}

async function spawnRedis(
  opts: RedisOptions & { host: string; port: number },
): Promise<LocalRedis> {
  const bin = opts.bin ?? devVariable('REDIS_SERVER_BIN')
  const args = ['--port', String(opts.port), '--bind', opts.host, '--appendonly', 'no']
  args.push('--daemonize', 'no', '--loglevel', 'warning')
  if (opts.dataDir) {
    const dir = path.resolve(opts.dataDir)
    await mkdir(dir, { recursive: true })
    args.push('--dir', dir, '--save', '60 1')
  } else {
    args.push('--save', '')
  }

  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const output = keepTail(child)
  // A test or dev session that dies without stop() must not leave a redis-server behind.
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))

  try {
    await waitUntilReady(child, bin, opts, output)
  } catch (error) {
    process.off('exit', killOnExit)
    child.kill('SIGKILL')
    throw error
  }

  let closing: Promise<void> | undefined
  return {
    url: `redis://${opts.host}:${opts.port}`,
    host: opts.host,
    port: opts.port,
    spawned: true,
    pid: child.pid,
    close() {
      closing ??= (async () => {
        process.off('exit', killOnExit)
        if (child.exitCode !== null || child.signalCode !== null) return
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
        await exited
        clearTimeout(timer)
      })()
      return closing
    },
  }
}

function waitUntilReady(
  child: ChildProcess,
  bin: string,
  opts: RedisOptions & { host: string; port: number },
  output: () => string,
): Promise<void> {
  const timeoutMs = opts.startTimeoutMs ?? 10_000
  return new Promise((resolve, reject) => {
    let done = false
    const fail = (error: Error) => {
      if (done) return
      done = true
      reject(error)
    }
    child.once('error', (error: NodeJS.ErrnoException) => {
      const missing = error.code === 'ENOENT' || error.code === 'EACCES'
      fail(
        missing
          ? new RedisNotInstalledError(`redis-server not found (${bin}): ${REDIS_INSTALL_HINT}`, {
              cause: error,
            })
          : new RedisStartError(`cannot spawn ${bin}: ${error.message}`, { cause: error }),
      )
    })
    child.once('exit', (code, signal) => {
      const detail = output().trim() || 'no output'
      fail(
        new RedisStartError(
          `${bin} exited (${signal ?? `code ${code}`}) before answering PING: ${detail}`,
        ),
      )
    })
    const deadline = Date.now() + timeoutMs
    const poll = async () => {
      while (!done) {
        if ((await pingRedis(opts.host, opts.port, 200)) === '+PONG') {
          done = true
          return resolve()
        }
        if (Date.now() > deadline) {
          return fail(
            new RedisStartError(
              `${bin} did not answer PING on ${opts.host}:${opts.port} within ${timeoutMs} ms`,
            ),
          )
        }
        await new Promise((r) => setTimeout(r, 20))
      }
    }
    void poll()
  })
}

/** Drains the child's output (a full pipe would stall redis) and keeps the tail for error messages. */
function keepTail(child: ChildProcess, maxChars = 2_000): () => string {
  let tail = ''
  const append = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-maxChars)
  }
  child.stdout?.on('data', append)
  child.stderr?.on('data', append)
  return () => tail
}
