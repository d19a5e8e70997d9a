// Read commands: find, getMore, killCursors, count, distinct and aggregate.
import { Long } from 'bson'
import { runAggregate } from '../aggregate.js'
import { compareValues, keyOf } from '../bson-order.js'
import { valuesAtPath } from '../doc-paths.js'
import { BadValueError, FailedToParseError, NotImplementedError } from '../errors.js'
import { makeProjector } from '../projection.js'
import { executeRead } from '../query.js'
import { type Doc, isPlainObject, toInt } from '../values.js'
import { type CommandHandler, collectionArg, cursorReply, docArg } from './context.js'
import { explainAggregate } from './explain.js'

export const readCommands: Record<string, CommandHandler> = {
  find: (cmd, ctx) => {
    const name = collectionArg(cmd, 'find')
    const ns = `${ctx.db}.${name}`
    if (cmd.tailable || cmd.awaitData) {
      throw new NotImplementedError('tailable cursors are not supported by the dev server')
    }
    const filter = docArg(cmd, 'filter', 'find') ?? {}
    let limit = toInt(cmd.limit, 0)
    let singleBatch = cmd.singleBatch === true
    if (limit < 0) {
      limit = -limit
      singleBatch = true
    }
    const batchSize = optionalBatchSize(cmd.batchSize)
    const skip = toInt(cmd.skip, 0)
    if (skip < 0) throw new BadValueError('skip value must be non-negative')
    const variables = docArg(cmd, 'let', 'find')
    const collation = docArg(cmd, 'collation', 'find')
    const result = executeRead(ctx.engine.getCollection(ctx.db, name), {
      filter,
      sort: docArg(cmd, 'sort', 'find'),
      skip,
      limit,
      hint: cmd.hint,
      collation,
      variables,
    })
    const transform = makeProjector(cmd.projection, filter, { collation, variables })
    const batch = ctx.cursors.open(ns, result.docs, {
      batchSize: batchSize ?? (limit > 0 ? Math.min(limit, 101) : undefined),
      singleBatch,
      transform,
      noTimeout: cmd.noCursorTimeout === true,
    })
    return cursorReply(ns, batch.docs, batch.id, true)
  },

  getMore: (cmd, ctx) => {
    const raw = cmd.getMore
    const id = Long.isLong(raw) ? raw : Long.fromNumber(toInt(raw, 0))
    const batch = ctx.cursors.getMore(id, optionalBatchSize(cmd.batchSize))
    return cursorReply(batch.ns, batch.docs, batch.id, false)
  },

  killCursors: (cmd, ctx) => {
    const ids = Array.isArray(cmd.cursors) ? cmd.cursors : []
    const { killed, notFound } = ctx.cursors.kill(
      ids.map((v) => (Long.isLong(v) ? v : Long.fromNumber(toInt(v, 0)))),
    )
    return {
      cursorsKilled: killed,
      cursorsNotFound: notFound,
      cursorsAlive: [],
      cursorsUnknown: [],
      ok: 1,
    }
  },

  count: (cmd, ctx) => {
    const name = collectionArg(cmd, 'count')
    const coll = ctx.engine.getCollection(ctx.db, name)
    const query = docArg(cmd, 'query', 'count') ?? {}
    const skip = Math.max(0, toInt(cmd.skip, 0))
    const limit = Math.abs(toInt(cmd.limit, 0))
    if (!coll) return { n: 0, ok: 1 }
    if (Object.keys(query).length === 0) {
      const n = Math.max(0, coll.size - skip)
      return { n: limit > 0 ? Math.min(n, limit) : n, ok: 1 }
    }
    const { docs } = executeRead(coll, {
      filter: query,
      skip,
      limit,
      hint: cmd.hint,
      collation: docArg(cmd, 'collation', 'count'),
    })
    let n = 0
    for (let r = docs.next(); !r.done; r = docs.next()) n++
    return { n, ok: 1 }
  },

  distinct: (cmd, ctx) => {
    const name = collectionArg(cmd, 'distinct')
    if (typeof cmd.key !== 'string')
      throw new FailedToParseError("BSON field 'distinct.key' is missing but a required field")
    const key = cmd.key
    const { docs } = executeRead(ctx.engine.getCollection(ctx.db, name), {
      filter: docArg(cmd, 'query', 'distinct') ?? {},
      hint: cmd.hint,
      collation: docArg(cmd, 'collation', 'distinct'),
    })
    const seen = new Map<string, unknown>()
    for (let r = docs.next(); !r.done; r = docs.next()) {
      const { values, missing } = valuesAtPath(r.value, key)
      if (missing) continue
      for (const v of values) {
        if (v === undefined) continue
        const k = keyOf(v)
        if (!seen.has(k)) seen.set(k, v)
      }
    }
    return { values: [...seen.values()].sort((a, b) => compareValues(a, b)), ok: 1 }
  },

  aggregate: (cmd, ctx) => {
    const target = cmd.aggregate
    const collName = typeof target === 'string' ? target : undefined
    if (collName === undefined && toInt(target, 0) !== 1) {
      throw new BadValueError(
        "Invalid aggregate namespace: 'aggregate' must be a collection name or 1",
      )
    }
    if (cmd.explain) return explainAggregate(cmd, ctx, 'queryPlanner')
    const cursorOpt = cmd.cursor
    if (!isPlainObject(cursorOpt)) {
      throw new FailedToParseError(
        "The 'cursor' option is required, except for aggregate with the explain argument",
      )
    }
    const ns = collName === undefined ? `${ctx.db}.$cmd.aggregate` : `${ctx.db}.${collName}`
    const result = runAggregate(ctx.engine, ctx.db, collName, {
      pipeline: cmd.pipeline,
      collation: docArg(cmd, 'collation', 'aggregate'),
      variables: docArg(cmd, 'let', 'aggregate'),
      hint: cmd.hint,
    })
    const batch = ctx.cursors.open(ns, result.docs, {
      batchSize: optionalBatchSize(cursorOpt.batchSize),
    })
    return cursorReply(ns, batch.docs, batch.id, true)
  },
}

function optionalBatchSize(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined
  const n = toInt(v, 0)
  if (n < 0) throw new BadValueError(`BatchSize value must be non-negative, but received: ${n}`)
  return n
}

export function docsOf(iter: Iterator<Doc>): Doc[] {
  const out: Doc[] = []
  for (let r = iter.next(); !r.done; r = iter.next()) out.push(r.value)
  return out
}
