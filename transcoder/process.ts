// Runs ffmpeg/ffprobe: bounded stderr kept for error messages, stdout handed over line by line,
// killed at once when the job is aborted (shutdown past its grace, or a lost lease).
import { spawn } from 'node:child_process'
import path from 'node:path'

export interface RunResult {
  stdout: string
  stderrTail: string
}

/** The tool could not run at all (missing binary, no permission): the machine's fault. */
class ToolStartError extends Error {
  override readonly name = 'ToolStartError'
}

/** The tool ran and exited unsuccessfully; `stderrTail` holds the last lines of its stderr. */
export class ToolExitError extends Error {
  override readonly name = 'ToolExitError'
  constructor(
    readonly tool: string,
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly stderrTail: string,
  ) {
    super(
      `${tool} ${exitCode === null ? `was killed by ${signal}` : `exited with code ${exitCode}`}`,
    )
  }
}

const STDERR_KEEP = 16 * 1024

export interface RunOptions {
  cwd?: string
  signal: AbortSignal
  /** Called with each complete stdout line; stdout is then not collected. */
  onLine?: (line: string) => void
  /** Paths shown as `as` in stderr: error messages should not carry temp directories. */
  redact?: { path: string; as: string }
}

export function runTool(bin: string, args: string[], opts: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    if (opts.signal.aborted) return reject(opts.signal.reason)
    const child = spawn(bin, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let partial = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (!opts.onLine) return void (stdout += chunk)
      const lines = (partial + chunk).split('\n')
      partial = lines.pop() ?? ''
      for (const line of lines) opts.onLine(line.trim())
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEEP)
    })
    const onAbort = () => child.kill('SIGKILL')
    opts.signal.addEventListener('abort', onAbort, { once: true })
    child.once('error', (error) => {
      opts.signal.removeEventListener('abort', onAbort)
      reject(new ToolStartError(`could not run ${bin}`, { cause: error }))
    })
    child.once('close', (code, signal) => {
      opts.signal.removeEventListener('abort', onAbort)
      if (opts.signal.aborted) return reject(opts.signal.reason)
      if (opts.redact) stderr = stderr.split(opts.redact.path).join(opts.redact.as)
      if (code === 0) return resolve({ stdout, stderrTail: tail(stderr) })
      reject(new ToolExitError(path.basename(bin), code, signal, tail(stderr)))
    })
  })
}

/** The last few meaningful lines of a tool's stderr, bounded for an error message. */
function tail(text: string, lines = 6, max = 1200): string {
  const kept = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-lines)
    .join(' | ')
  return kept.length > max ? '…' + kept.slice(-max) : kept
}
