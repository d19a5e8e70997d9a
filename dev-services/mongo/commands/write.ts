// Write commands: insert, update, delete (batched statements with ordered/unordered
// writeErrors) and findAndModify. Each single-document change runs without yielding.
import { ObjectId } from 'bson'
import type { Collection } from '../collection.js'
import { BadValueError, FailedToParseError, toCommandError } from '../errors.js'
import { makeProjector } from '../projection.js'
import { executeRead, normalizeSort } from '../query.js'
import { UpdateSpec } from '../update.js'
import { type Doc, isPlainObject, toInt, truthy, withIdFirst } from '../values.js'
import { type CommandContext, type CommandHandler, collectionArg, docArg } from './context.js'
import { docsOf } from './read.js'

interface StatementResult {
  n: number
  nModified?: number
  upserted?: unknown
}

/** Runs statements in order, turning per-statement failures into writeErrors. */
function runBatch(
  statements: unknown[],
  ordered: boolean,
  run: (stmt: unknown, index: number) => StatementResult,
): Doc {
  let n = 0
  let nModified = 0
  const upserted: Doc[] = []
  const writeErrors: Doc[] = []
  for (let i = 0; i < statements.length; i++) {
    try {
      const r = run(statements[i], i)
      n += r.n
      nModified += r.nModified ?? 0
      if (r.upserted !== undefined) upserted.push({ index: i, _id: r.upserted })
    } catch (err) {
      writeErrors.push(toCommandError(err).toWriteError(i))
      if (ordered) break
    }
  }
  const reply: Doc = { n, nModified, ok: 1 }
  if (upserted.length) reply.upserted = upserted
  if (writeErrors.length) reply.writeErrors = writeErrors
  return reply
}

function statementsArg(cmd: Doc, field: string, command: string): unknown[] {
  const v = cmd[field]
  if (!Array.isArray(v))
    throw new FailedToParseError(`BSON field '${command}.${field}' is missing but a required field`)
  return v
}

export const writeCommands: Record<string, CommandHandler> = {
  insert: (cmd, ctx) => {
    const name = collectionArg(cmd, 'insert')
    const docs = statementsArg(cmd, 'documents', 'insert')
    const coll = ctx.engine.ensureCollection(ctx.db, name)
    const reply = runBatch(docs, cmd.ordered !== false, (doc) => {
      if (!isPlainObject(doc)) throw new BadValueError('document to insert must be an object')
      if (Array.isArray(doc._id)) throw new BadValueError("can't use an array for _id")
      coll.insert(doc._id === undefined ? { _id: new ObjectId(), ...doc } : withIdFirst(doc))
      return { n: 1 }
    })
    delete reply.nModified
    return reply
  },

  update: (cmd, ctx) => {
    const name = collectionArg(cmd, 'update')
    const updates = statementsArg(cmd, 'updates', 'update')
    const variables = docArg(cmd, 'let', 'update')
    return runBatch(updates, cmd.ordered !== false, (stmt) => {
      if (!isPlainObject(stmt)) throw new BadValueError('update statement must be an object')
      return updateStatement(ctx, name, stmt, variables)
    })
  },

  delete: (cmd, ctx) => {
    const name = collectionArg(cmd, 'delete')
    const deletes = statementsArg(cmd, 'deletes', 'delete')
    const coll = ctx.engine.getCollection(ctx.db, name)
    const variables = docArg(cmd, 'let', 'delete')
    const reply = runBatch(deletes, cmd.ordered !== false, (stmt) => {
      if (!isPlainObject(stmt) || !isPlainObject(stmt.q))
        throw new BadValueError('delete statement needs a q document')
      const limit = toInt(stmt.limit, 0)
      if (limit !== 0 && limit !== 1)
        throw new BadValueError(`The limit field in delete objects must be 0 or 1. Got ${limit}`)
      if (!coll) return { n: 0 }
      const matched = docsOf(
        executeRead(coll, {
          filter: stmt.q,
          limit,
          hint: stmt.hint,
          collation: isPlainObject(stmt.collation) ? stmt.collation : undefined,
          variables,
        }).docs,
      )
      for (const doc of matched) coll.remove(doc)
      return { n: matched.length }
    })
    delete reply.nModified
    return reply
  },

  findAndModify: (cmd, ctx) => findAndModify(cmd, ctx),
  findandmodify: (cmd, ctx) => findAndModify(cmd, ctx),
}

function updateStatement(
  ctx: CommandContext,
  name: string,
  stmt: Doc,
  variables: Doc | undefined,
): StatementResult {
  const filter = isPlainObject(stmt.q) ? stmt.q : {}
  const collation = isPlainObject(stmt.collation) ? stmt.collation : undefined
  const spec = new UpdateSpec(stmt.u, arrayFiltersArg(stmt.arrayFilters), { collation, variables })
  const multi = truthy(stmt.multi)
  if (multi && spec.kind === 'replacement') {
    throw new FailedToParseError('multi update is not supported for replacement-style update')
  }
  const upsert = truthy(stmt.upsert)
  const existing = ctx.engine.getCollection(ctx.db, name)
  const matched = existing
    ? docsOf(
        executeRead(existing, {
          filter,
          sort: normalizeSort(stmt.sort),
          limit: multi ? 0 : 1,
          hint: stmt.hint,
          collation,
          variables,
        }).docs,
      )
    : []
  if (matched.length === 0) {
    if (!upsert) return { n: 0, nModified: 0 }
    const doc = spec.upsertDoc(filter)
    ctx.engine.ensureCollection(ctx.db, name).insert(doc)
    return { n: 1, nModified: 0, upserted: doc._id }
  }
  const coll = existing as Collection
  let nModified = 0
  for (const doc of matched) {
    const current = coll.getById(doc._id)
    if (!current) continue
    const outcome = spec.apply(current, filter)
    if (!outcome.modified) continue
    coll.replace(current, outcome.doc)
    nModified++
  }
  return { n: matched.length, nModified }
}

function arrayFiltersArg(v: unknown): Doc[] | undefined {
  if (v === undefined || v === null) return undefined
  if (!Array.isArray(v) || !v.every(isPlainObject))
    throw new FailedToParseError('arrayFilters must be an array of objects')
  return v as Doc[]
}

function findAndModify(cmd: Doc, ctx: CommandContext): Doc {
  const name = collectionArg(cmd, Object.keys(cmd)[0] as string)
  const query = docArg(cmd, 'query', 'findAndModify') ?? {}
  const remove = truthy(cmd.remove)
  const returnNew = truthy(cmd.new)
  const upsert = truthy(cmd.upsert)
  const collation = docArg(cmd, 'collation', 'findAndModify')
  const variables = docArg(cmd, 'let', 'findAndModify')
  if (remove && cmd.update !== undefined)
    throw new FailedToParseError('Cannot specify both an update and remove=true')
  if (!remove && cmd.update === undefined)
    throw new FailedToParseError('Either an update or remove=true must be specified')
  if (remove && (upsert || returnNew))
    throw new FailedToParseError('Cannot specify both upsert=true and remove=true')
  const project = makeProjector(cmd.fields, query, { collation, variables })
  const shape = (doc: Doc | undefined): Doc | null =>
    doc ? (project ? (project([doc])[0] ?? null) : doc) : null

  const existing = ctx.engine.getCollection(ctx.db, name)
  const found = existing
    ? executeRead(existing, {
        filter: query,
        sort: normalizeSort(cmd.sort),
        limit: 1,
        hint: cmd.hint,
        collation,
        variables,
      }).docs.next()
    : undefined
  const current = found && !found.done ? found.value : undefined

  if (remove) {
    if (current) (existing as Collection).remove(current)
    return { lastErrorObject: { n: current ? 1 : 0 }, value: shape(current), ok: 1 }
  }
  const spec = new UpdateSpec(cmd.update, arrayFiltersArg(cmd.arrayFilters), {
    collation,
    variables,
  })
  if (!current) {
    if (!upsert) return { lastErrorObject: { n: 0, updatedExisting: false }, value: null, ok: 1 }
    const doc = spec.upsertDoc(query)
    ctx.engine.ensureCollection(ctx.db, name).insert(doc)
    return {
      lastErrorObject: { n: 1, updatedExisting: false, upserted: doc._id },
      value: returnNew ? shape(doc) : null,
      ok: 1,
    }
  }
  const outcome = spec.apply(current, query)
  if (outcome.modified) (existing as Collection).replace(current, outcome.doc)
  return {
    lastErrorObject: { n: 1, updatedExisting: true },
    value: shape(returnNew ? outcome.doc : current),
    ok: 1,
  }
}
