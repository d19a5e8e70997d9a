// Entry point of the transcoder service (`npm run transcoder`): reads its configuration, checks
// that ffmpeg and ffprobe run, and consumes transcoding jobs until SIGTERM or SIGINT.
import { ConfigError } from '../shared/config'
import { loadTranscoderConfig, type TranscoderConfig } from './config'
import { Consumer } from './consumer'
import { createLog, describeError, type Log } from './log'
import { runTool } from './process'
import { Storage } from './storage'
import { JobStream } from './stream'
import { WorkerApi } from './worker-api'

async function main() {
  let config: TranscoderConfig
  try {
    config = loadTranscoderConfig(process.env)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    process.stderr.write(`transcoder: ${error.message}\n`)
    process.exit(1)
  }
  const log = createLog(config.LOG_LEVEL, {
    service: 'transcoder',
    consumer: config.TRANSCODER_CONSUMER,
  })
  await checkTools(config, log)

  const storage = new Storage(config)
  const consumer = new Consumer(config, {
    config,
    log,
    storage,
    api: new WorkerApi(config.WORKER_URL, config.TRANSCODER_SECRET, config.TRANSCODER_CONSUMER),
    stream: new JobStream({
      url: config.UPSTASH_REDIS_REST_URL,
      token: config.UPSTASH_REDIS_REST_TOKEN,
      consumer: config.TRANSCODER_CONSUMER,
      minIdleMs: config.TRANSCODER_LEASE_SECONDS * 1000,
    }),
  })

  let signals = 0
  const onSignal = (signal: NodeJS.Signals) => {
    signals++
    log('info', signals === 1 ? 'stopping' : 'stopping now', { signal })
    // A second signal (Ctrl-C twice) skips the grace period.
    void consumer.stop(signals > 1)
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)

  log('info', 'transcoder started', {
    worker: config.WORKER_URL,
    concurrency: config.TRANSCODER_CONCURRENCY,
    leaseSeconds: config.TRANSCODER_LEASE_SECONDS,
  })
  await consumer.run()
  await consumer.stop()
  storage.destroy()
  log('info', 'transcoder stopped')
  process.exit(0)
}

/** Fails start-up, not every job, when ffmpeg or ffprobe is missing. */
async function checkTools(config: TranscoderConfig, log: Log) {
  for (const [name, bin] of [
    ['FFMPEG_PATH', config.FFMPEG_PATH],
    ['FFPROBE_PATH', config.FFPROBE_PATH],
  ] as const) {
    try {
      await runTool(bin, ['-version'], { signal: AbortSignal.timeout(10_000) })
    } catch (error) {
      log('error', `cannot run ${bin} (set ${name})`, { error: describeError(error) })
      process.exit(1)
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`transcoder: ${describeError(error)}\n`)
  process.exit(1)
})
