// Shared types and argument helpers for command handlers.
import type { Long } from 'bson'
import type { CursorRegistry } from '../cursors.js'
import type { Engine } from '../engine.js'
import { BadValueError, InvalidNamespaceError } from '../errors.js'
import { type Doc, isPlainObject } from '../values.js'

/** Live connection counters, reported by serverStatus as MongoDB does. */
export interface ConnectionCounts {
  current(): number
  totalCreated(): number
}

export interface CommandContext {
  engine: Engine
  cursors: CursorRegistry
  db: string
  connectionId: number
  startedAt: number
  connections: ConnectionCounts
  log: (line: string) => void
}

export type CommandHandler = (cmd: Doc, ctx: CommandContext) => Doc

export function collectionArg(cmd: Doc, field: string): string {
  const name = cmd[field]
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidNamespaceError(`collection name has invalid type ${typeof name}`)
  }
  return name
}

export function docArg(cmd: Doc, field: string, command: string): Doc | undefined {
  const v = cmd[field]
  if (v === undefined || v === null) return undefined
  if (!isPlainObject(v)) {
    throw new BadValueError(
      `BSON field '${command}.${field}' is the wrong type '${typeof v}', expected type 'object'`,
    )
  }
  return v
}

export function cursorReply(ns: string, docs: Doc[], id: Long, first: boolean): Doc {
  return { cursor: first ? { firstBatch: docs, id, ns } : { nextBatch: docs, id, ns }, ok: 1 }
}

/** Fields the driver adds to every command that carry no meaning for this server. */
const GENERIC_FIELDS = new Set([
  '$db',
  'lsid',
  '$clusterTime',
  '$readPreference',
  'readConcern',
  'writeConcern',
  'apiVersion',
  'apiStrict',
  'apiDeprecationErrors',
  'comment',
  'maxTimeMS',
])

export function isGenericField(name: string): boolean {
  return GENERIC_FIELDS.has(name)
}
