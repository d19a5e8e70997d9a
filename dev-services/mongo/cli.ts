// CLI for the MongoDB dev server; prints the URI, flushes persistence on SIGINT/SIGTERM. Usage:
// npx tsx dev-services/mongo/cli.ts --port 27017 --data .data/mongo [--latency-ms 20] [--host H]
import { parseArgs } from 'node:util'
import { startMongoDevServer } from './index.js'

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '27017' },
    host: { type: 'string', default: '127.0.0.1' },
    data: { type: 'string' },
    'latency-ms': { type: 'string', default: '0' },
    quiet: { type: 'boolean', default: false },
  },
})

const port = Number(values.port)
const latencyMs = Number(values['latency-ms'])
if (!Number.isInteger(port) || port < 0 || !Number.isFinite(latencyMs) || latencyMs < 0) {
  console.error('usage: cli.ts [--port 27017] [--host 127.0.0.1] [--data DIR] [--latency-ms N]')
  process.exit(2)
}

const server = await startMongoDevServer({
  host: values.host,
  port,
  dataDir: values.data,
  latencyMs,
  log: values.quiet ? undefined : (line) => console.error(line),
})
console.log(server.uri)

let stopping = false
const stop = (signal: string): void => {
  if (stopping) return
  stopping = true
  console.error(`[mongo-dev] ${signal}: flushing and stopping`)
  server.close().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err)
      process.exit(1)
    },
  )
}
process.on('SIGINT', () => stop('SIGINT'))
process.on('SIGTERM', () => stop('SIGTERM'))
