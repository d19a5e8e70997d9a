// MongoDB access through the official driver. In the stateless Worker a client lives for one
// request (workerd forbids reusing I/O across requests); it is opened lazily and closed after.
// Durable Objects own their I/O, so there one long-lived client serves every request (`pool`).
import { MongoClient, type Db } from 'mongodb'
import { fixWorkerdSocketTimers } from './workerd-socket-timers'

export interface Database {
  /** The application database, connecting on first use. */
  db(): Promise<Db>
  /** Round-trip check used by the health route. */
  ping(): Promise<void>
  close(): Promise<void>
}

export interface DatabaseOptions {
  uri: string
  dbName: string
  /** How long to wait for a reachable server before failing the request with 503. */
  serverSelectionTimeoutMS?: number
  /** Connections to keep; the default suits a client that lives for one request. */
  pool?: { maxPoolSize: number; minPoolSize: number }
  appName?: string
}

export function createDatabase(opts: DatabaseOptions): Database {
  let client: MongoClient | undefined
  let connecting: Promise<MongoClient> | undefined

  const connect = () => {
    connecting ??= (async () => {
      // Before the first socket opens (workerd forbids timers at module scope, so not at import).
      fixWorkerdSocketTimers()
      client = new MongoClient(opts.uri, {
        // One request needs one connection; a pool would only hold sockets workerd will kill.
        maxPoolSize: opts.pool?.maxPoolSize ?? 1,
        minPoolSize: opts.pool?.minPoolSize ?? 0,
        serverSelectionTimeoutMS: opts.serverSelectionTimeoutMS ?? 3000,
        connectTimeoutMS: 3000,
        // Nothing waits forever: an operation stuck on a dead socket or on a busy pool fails, so
        // the caller answers 503 (or a room an error frame) instead of never answering at all.
        socketTimeoutMS: 15_000,
        waitQueueTimeoutMS: 5_000,
        appName: opts.appName ?? 'sanora-worker',
      })
      try {
        return await client.connect()
      } catch (error) {
        connecting = undefined
        throw error
      }
    })()
    return connecting
  }

  return {
    async db() {
      return (await connect()).db(opts.dbName)
    },
    async ping() {
      await (await connect()).db(opts.dbName).command({ ping: 1 })
    },
    async close() {
      const c = client
      client = undefined
      connecting = undefined
      await c?.close()
    },
  }
}
