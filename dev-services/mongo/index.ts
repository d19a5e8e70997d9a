// Public entry of the MongoDB-wire-compatible development server: starts a TCP listener that
// the official driver can use unchanged (development and tests only, never production data).
import { type Server, type Socket, createServer } from 'node:net'
import { Connection } from './connection.js'
import { CursorRegistry } from './cursors.js'
import { Engine } from './engine.js'
import { Persistence } from './persistence.js'
import { TtlMonitor } from './ttl.js'

export interface MongoDevServerOptions {
  host?: string // default '127.0.0.1'
  port?: number // default 0 = a free port
  dataDir?: string // when set, persist databases here and load them at start
  latencyMs?: number // added delay before every reply, to simulate a remote cluster
  log?: (line: string) => void
}

export interface MongoDevServer {
  uri: string
  host: string
  port: number
  close(): Promise<void>
}

export async function startMongoDevServer(
  opts: MongoDevServerOptions = {},
): Promise<MongoDevServer> {
  const host = opts.host ?? '127.0.0.1'
  const log = opts.log ?? (() => {})
  const engine = new Engine()
  const persistence = opts.dataDir ? new Persistence(opts.dataDir, engine, log) : undefined
  await persistence?.load()

  const cursors = new CursorRegistry()
  const ttl = new TtlMonitor(engine, log)
  const connections = new Set<Connection>()
  const startedAt = Date.now()
  let nextConnectionId = 1
  const server: Server = createServer((socket: Socket) => {
    const conn = new Connection(socket, nextConnectionId++, {
      engine,
      cursors,
      latencyMs: Math.max(0, opts.latencyMs ?? 0),
      startedAt,
      connections: { current: () => connections.size, totalCreated: () => nextConnectionId - 1 },
      log,
    })
    connections.add(conn)
    socket.on('close', () => connections.delete(conn))
  })

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', reject)
        resolve()
      })
    })
  } catch (err) {
    ttl.stop()
    cursors.close()
    throw err
  }
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : (opts.port ?? 0)
  const uriHost = host.includes(':') ? `[${host}]` : host
  const uri = `mongodb://${uriHost}:${port}/?directConnection=true`
  log(`[mongo-dev] listening on ${uri}${opts.dataDir ? ` (data in ${opts.dataDir})` : ''}`)

  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= (async () => {
      ttl.stop()
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const conn of connections) conn.close()
      await stopped
      cursors.close()
      await persistence?.flush()
    })()
    return closing
  }
  return { uri, host, port, close }
}
