// Handshake, monitoring and session housekeeping commands: answers that make the driver treat
// this process as a MongoDB 7.0 standalone with session support.
import { UUID } from 'bson'
import type { Doc } from '../values.js'
import type { CommandContext, CommandHandler } from './context.js'

export const SERVER_VERSION = '7.0.0'
const MAX_WIRE_VERSION = 21
const MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024

function hello(cmd: Doc, ctx: CommandContext, legacy: boolean): Doc {
  return {
    ...(cmd.helloOk ? { helloOk: true } : {}),
    ...(legacy ? { ismaster: true } : { isWritablePrimary: true }),
    maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
    maxMessageSizeBytes: 48_000_000,
    maxWriteBatchSize: 100_000,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId: ctx.connectionId,
    minWireVersion: 0,
    maxWireVersion: MAX_WIRE_VERSION,
    readOnly: false,
    ok: 1,
  }
}

const ok = (): Doc => ({ ok: 1 })

export const handshakeCommands: Record<string, CommandHandler> = {
  hello: (cmd, ctx) => hello(cmd, ctx, false),
  isMaster: (cmd, ctx) => hello(cmd, ctx, true),
  ismaster: (cmd, ctx) => hello(cmd, ctx, true),
  ping: ok,
  buildInfo: () => buildInfo(),
  buildinfo: () => buildInfo(),
  getParameter: (cmd) => ({
    ...(cmd.featureCompatibilityVersion ? { featureCompatibilityVersion: { version: '7.0' } } : {}),
    ok: 1,
  }),
  serverStatus: (_cmd, ctx) => ({
    host: 'mongo-dev-server',
    version: SERVER_VERSION,
    process: 'mongod',
    pid: process.pid,
    uptime: Math.floor((Date.now() - ctx.startedAt) / 1000),
    uptimeMillis: Date.now() - ctx.startedAt,
    localTime: new Date(),
    connections: {
      current: ctx.connections.current(),
      available: 1000,
      totalCreated: ctx.connections.totalCreated(),
    },
    metrics: { cursor: { open: { total: ctx.cursors.size } } },
    ok: 1,
  }),
  hostInfo: () => ({
    system: { hostname: 'mongo-dev-server' },
    os: { type: process.platform },
    ok: 1,
  }),
  getCmdLineOpts: () => ({ argv: ['mongod'], parsed: {}, ok: 1 }),
  connectionStatus: () => ({
    authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] },
    ok: 1,
  }),
  whatsmyuri: () => ({ you: '127.0.0.1:0', ok: 1 }),
  getLog: () => ({ totalLinesWritten: 0, log: [], ok: 1 }),
  getLastError: () => ({ n: 0, err: null, ok: 1 }),
  getlasterror: () => ({ n: 0, err: null, ok: 1 }),
  startSession: () => ({ id: { id: new UUID() }, timeoutMinutes: 30, ok: 1 }),
  endSessions: ok,
  refreshSessions: ok,
  killSessions: ok,
  killAllSessions: ok,
  logout: ok,
  getFreeMonitoringStatus: () => ({ state: 'disabled', ok: 1 }),
}

function buildInfo(): Doc {
  return {
    version: SERVER_VERSION,
    gitVersion: 'mongo-dev-server',
    versionArray: [7, 0, 0, 0],
    bits: 64,
    debug: false,
    maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
    storageEngines: ['memory'],
    modules: [],
    ok: 1,
  }
}
