// One-line JSON logs on stdout (stderr for warnings and errors), filtered by LOG_LEVEL, so the
// transcoder's output can be shipped and searched like the Worker's.
const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const
export type LogLevel = keyof typeof LEVELS

export type Log = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void

export function createLog(minimum: LogLevel, base: Record<string, unknown> = {}): Log {
  return (level, message, fields = {}) => {
    if (LEVELS[level] < LEVELS[minimum]) return
    const line = JSON.stringify({
      time: new Date().toISOString(),
      level,
      message,
      ...base,
      ...fields,
    })
    if (LEVELS[level] >= LEVELS.warn) process.stderr.write(line + '\n')
    else process.stdout.write(line + '\n')
  }
}

/** A readable, bounded description of anything thrown, following `cause` chains. */
export function describeError(error: unknown, max = 1500): string {
  const parts: string[] = []
  let current: unknown = error
  for (let depth = 0; current !== undefined && depth < 4; depth++) {
    if (current instanceof Error) {
      parts.push(current.message)
      current = current.cause
    } else {
      parts.push(String(current))
      break
    }
  }
  const text = [...new Set(parts.filter(Boolean))].join(': ')
  return text.length > max ? text.slice(0, max - 1) + '…' : text || 'unknown error'
}
