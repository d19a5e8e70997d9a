// Runs one fan-out run (the ConferenceRoom's or the Socket.IO baseline's) on a thread of its own.
// The main thread also serves the dev stand-ins (the MongoDB dev server, the S3 and Upstash
// emulators) and Miniflare's Node side: a heap of hundreds of MB whose collections paused the
// load generator for up to 114 ms in a vote window, and the generator timestamps acks as it reads
// them, so its pauses counted as server latency on both sides. A thread has its own V8 heap, so
// the sockets being measured share their collections with nothing else.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import type { AudienceMix } from './conference-run'
import type { Via } from './workers'
import type { Baseline, RunReport, RunSettings } from './report'

export type ThreadRun =
  | { kind: 'conference-room'; worker: { url: string; via: Via }; audience?: AudienceMix }
  | { kind: 'socket.io'; baseline?: Baseline }

type FromThread = { log: string } | { report: RunReport } | { failure: string }

/** Runs `run` at N on a new thread; its log lines reach `settings.log`. */
export function runOnThread(run: ThreadRun, n: number, settings: RunSettings): Promise<RunReport> {
  const { log, ...plain } = settings
  // The thread runs this TypeScript file: it registers tsx's loader first, as the main thread has it.
  const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
    .then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}) })`
  const thread = new Worker(boot, { eval: true, workerData: { run, n, settings: plain } })
  return new Promise((resolve, reject) => {
    thread.on('message', (message: FromThread) => {
      if ('log' in message) log(message.log)
      else if ('report' in message) resolve(message.report)
      else reject(new Error(message.failure))
    })
    thread.once('error', reject)
    thread.once('exit', (code) =>
      reject(new Error(`the benchmark thread exited (code ${code}) before it reported`)),
    )
  })
}

async function threadMain() {
  const { run, n, settings } = workerData as {
    run: ThreadRun
    n: number
    settings: Omit<RunSettings, 'log'>
  }
  const port = parentPort!
  const withLog: RunSettings = { ...settings, log: (line) => port.postMessage({ log: line }) }
  try {
    const report =
      run.kind === 'conference-room'
        ? await (
            await import('./conference-run')
          ).runConferenceRoom(run.worker, n, withLog, run.audience)
        : await (await import('./socketio-baseline/run')).runSocketIo(n, withLog, run.baseline)
    port.postMessage({ report })
  } catch (error) {
    port.postMessage({ failure: error instanceof Error ? error.message : String(error) })
  }
  // Sockets a failed run left open must not keep the thread alive.
  process.exit(0)
}

if (!isMainThread) void threadMain()
