// Catalog commands: collections, databases and indexes.
import { BSON } from 'bson'
import { Query } from 'mingo'
import type { Collection } from '../collection.js'
import {
  BadValueError,
  InvalidNamespaceError,
  NamespaceNotFoundError,
  NotImplementedError,
  QueryEngineError,
  describe,
} from '../errors.js'
import { type IndexSpec, normalizeIndexSpec } from '../indexes.js'
import type { Doc } from '../values.js'
import { isPlainObject } from '../values.js'
import {
  type CommandHandler,
  collectionArg,
  cursorReply,
  docArg,
  isGenericField,
} from './context.js'

export const adminCommands: Record<string, CommandHandler> = {
  create: (cmd, ctx) => {
    const name = collectionArg(cmd, 'create')
    if (cmd.viewOn !== undefined || cmd.timeseries !== undefined) {
      throw new NotImplementedError(
        'views and time-series collections are not supported by the dev server',
      )
    }
    const options: Doc = {}
    for (const [k, v] of Object.entries(cmd))
      if (k !== 'create' && !isGenericField(k)) options[k] = v
    ctx.engine.createCollection(ctx.db, name, options)
    return { ok: 1 }
  },

  drop: (cmd, ctx) => {
    const name = collectionArg(cmd, 'drop')
    const dropped = ctx.engine.dropCollection(ctx.db, name)
    // since 7.0 dropping a missing collection succeeds
    return dropped ? { nIndexesWas: dropped.indexes.size, ns: dropped.ns, ok: 1 } : { ok: 1 }
  },

  dropDatabase: (_cmd, ctx) => {
    ctx.engine.dropDatabase(ctx.db)
    return { dropped: ctx.db, ok: 1 }
  },

  listCollections: (cmd, ctx) => {
    const filter = docArg(cmd, 'filter', 'listCollections')
    const nameOnly = cmd.nameOnly === true
    let entries = ctx.engine.collections(ctx.db).map((c) => collectionInfo(c))
    if (filter && Object.keys(filter).length > 0) {
      let q: Query
      try {
        q = new Query(filter, {})
      } catch (err) {
        throw new QueryEngineError(describe(err), err)
      }
      entries = entries.filter((e) => q.test(e))
    }
    const docs = nameOnly ? entries.map((e) => ({ name: e.name, type: e.type })) : entries
    return cursorReply(`${ctx.db}.$cmd.listCollections`, docs, BSON.Long.ZERO, true)
  },

  listDatabases: (cmd, ctx) => {
    const names = ctx.engine.databaseNames()
    const databases = names.map((name) => {
      const size = ctx.engine.collections(name).reduce((s, c) => s + approxSize(c), 0)
      return { name, sizeOnDisk: size, empty: size === 0 }
    })
    const filter = docArg(cmd, 'filter', 'listDatabases')
    const shown = filter ? databases.filter((d) => new Query(filter, {}).test(d)) : databases
    if (cmd.nameOnly === true) return { databases: shown.map((d) => ({ name: d.name })), ok: 1 }
    const totalSize = shown.reduce((s, d) => s + d.sizeOnDisk, 0)
    return { databases: shown, totalSize, totalSizeMb: Math.round(totalSize / 1048576), ok: 1 }
  },

  renameCollection: (cmd, ctx) => {
    const from = splitNs(cmd.renameCollection)
    const to = splitNs(cmd.to)
    ctx.engine.renameCollection(from.db, from.coll, to.db, to.coll, cmd.dropTarget === true)
    return { ok: 1 }
  },

  collStats: (cmd, ctx) => {
    const name = collectionArg(cmd, 'collStats')
    const coll = ctx.engine.getCollection(ctx.db, name)
    if (!coll) throw new NamespaceNotFoundError(`Collection [${ctx.db}.${name}] not found.`)
    const size = approxSize(coll)
    return {
      ns: coll.ns,
      count: coll.size,
      size,
      avgObjSize: coll.size ? Math.round(size / coll.size) : 0,
      storageSize: size,
      nindexes: coll.indexes.size,
      totalIndexSize: 0,
      ok: 1,
    }
  },

  dbStats: (_cmd, ctx) => {
    const colls = ctx.engine.collections(ctx.db)
    const objects = colls.reduce((s, c) => s + c.size, 0)
    const dataSize = colls.reduce((s, c) => s + approxSize(c), 0)
    return {
      db: ctx.db,
      collections: colls.length,
      views: 0,
      objects,
      dataSize,
      storageSize: dataSize,
      indexes: colls.reduce((s, c) => s + c.indexes.size, 0),
      ok: 1,
    }
  },

  collMod: (cmd, ctx) => {
    const name = collectionArg(cmd, 'collMod')
    const coll = ctx.engine.getCollection(ctx.db, name)
    if (!coll) throw new NamespaceNotFoundError(`ns does not exist: ${ctx.db}.${name}`)
    const reply: Doc = { ok: 1 }
    if (isPlainObject(cmd.index)) {
      const { old, now } = coll.modifyIndexTtl(cmd.index)
      if (old !== now)
        Object.assign(reply, { expireAfterSeconds_old: old, expireAfterSeconds_new: now })
    }
    // validator, validationLevel and the like are accepted and ignored (no schema validation)
    return reply
  },

  createIndexes: (cmd, ctx) => {
    const name = collectionArg(cmd, 'createIndexes')
    if (!Array.isArray(cmd.indexes) || cmd.indexes.length === 0) {
      throw new BadValueError('Must specify at least one index to create')
    }
    const specs = cmd.indexes.map(normalizeIndexSpec)
    const created = !ctx.engine.getCollection(ctx.db, name)
    const coll = ctx.engine.ensureCollection(ctx.db, name)
    const before = coll.indexes.size
    let added = 0
    for (const spec of specs) if (coll.createIndex(spec)) added++
    const reply: Doc = {
      numIndexesBefore: before,
      numIndexesAfter: coll.indexes.size,
      createdCollectionAutomatically: created,
      ok: 1,
    }
    if (added === 0) reply.note = 'all indexes already exist'
    return reply
  },

  listIndexes: (cmd, ctx) => {
    const name = collectionArg(cmd, 'listIndexes')
    const coll = ctx.engine.getCollection(ctx.db, name)
    if (!coll) throw new NamespaceNotFoundError(`ns does not exist: ${ctx.db}.${name}`)
    return cursorReply(coll.ns, coll.indexSpecs().map(publicSpec), BSON.Long.ZERO, true)
  },

  dropIndexes: (cmd, ctx) => {
    const name = collectionArg(cmd, Object.keys(cmd)[0] as string)
    return dropIndexes(cmd, ctx.engine.getCollection(ctx.db, name), `${ctx.db}.${name}`)
  },
}
adminCommands.deleteIndexes = adminCommands.dropIndexes as CommandHandler

function dropIndexes(cmd: Doc, coll: Collection | undefined, ns: string): Doc {
  if (!coll) throw new NamespaceNotFoundError(`ns not found ${ns}`)
  const was = coll.indexes.size
  const target = cmd.index
  if (target === '*') coll.dropAllIndexes()
  else if (Array.isArray(target)) for (const n of target) coll.dropIndex(String(n))
  else if (typeof target === 'string' || isPlainObject(target)) coll.dropIndex(target)
  else
    throw new BadValueError('dropIndexes requires an index name, key pattern, list of names or "*"')
  return { nIndexesWas: was, ok: 1 }
}

function publicSpec(spec: IndexSpec): Doc {
  return { ...spec }
}

function collectionInfo(c: Collection): Doc & { name: string; type: string } {
  return {
    name: c.name,
    type: 'collection',
    options: c.options,
    info: { readOnly: false, uuid: c.uuid },
    idIndex: { v: 2, key: { _id: 1 }, name: '_id_' },
  }
}

function approxSize(c: Collection): number {
  // a cheap estimate: exact BSON sizes would cost a full serialization per call
  let size = 0
  let sampled = 0
  for (const doc of c.docs.values()) {
    if (sampled === 100) break
    size += BSON.calculateObjectSize(doc)
    sampled++
  }
  return sampled === 0 ? 0 : Math.round((size / sampled) * c.size)
}

function splitNs(ns: unknown): { db: string; coll: string } {
  if (typeof ns !== 'string' || !ns.includes('.'))
    throw new InvalidNamespaceError(`Invalid namespace specified '${String(ns)}'`)
  const dot = ns.indexOf('.')
  return { db: ns.slice(0, dot), coll: ns.slice(dot + 1) }
}
