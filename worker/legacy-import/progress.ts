// Progress per step: a redrawn bar on a terminal, a plain line per batch otherwise (logs, CI).
export interface Progress {
  start(step: string, total: number): void
  update(step: string, done: number): void
  finish(step: string, done: number): void
}

const WIDTH = 30

export function consoleProgress(out: NodeJS.WriteStream = process.stdout): Progress {
  let total = 0
  const bar = (step: string, done: number) => {
    const ratio = total > 0 ? Math.min(1, done / total) : 1
    const full = Math.round(ratio * WIDTH)
    return `${step.padEnd(24)} [${'#'.repeat(full)}${'-'.repeat(WIDTH - full)}] ${done}/${total}`
  }
  return {
    start(step, n) {
      total = n
      if (!out.isTTY) out.write(`${step}: ${n} documents (estimated)\n`)
    },
    update(step, done) {
      if (out.isTTY) out.write(`\r${bar(step, done)}`)
      else out.write(`${step}: ${done}/${total}\n`)
    },
    finish(step, done) {
      if (out.isTTY) out.write(`\r${bar(step, done)}\n`)
      else out.write(`${step}: done, ${done} read\n`)
    },
  }
}

export const silentProgress: Progress = { start() {}, update() {}, finish() {} }
