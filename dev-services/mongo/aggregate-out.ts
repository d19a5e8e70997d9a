// $out and $merge: aggregation results written back through the storage engine, so the target
// collection's indexes and unique keys hold as they would in mongod.
import { ObjectId } from 'bson'
import { Aggregator } from './pipeline-stages.js'
import type { Collection } from './collection.js'
import type { Engine } from './engine.js'
import { BadValueError, MergeMatchFailedError, toPipelineError } from './errors.js'
import { type FilterOptions, mingoOptions } from './filter.js'
import { viewCopy } from './numeric-view.js'
import { executeRead } from './query.js'
import { type Doc, cloneValue, isPlainObject, sameValue, withIdFirst } from './values.js'

export interface OutTarget {
  kind: '$out' | '$merge'
  spec: unknown
}

function target(db: string, spec: unknown): { db: string; coll: string } {
  if (typeof spec === 'string') return { db, coll: spec }
  if (isPlainObject(spec) && typeof spec.coll === 'string') {
    return { db: typeof spec.db === 'string' ? spec.db : db, coll: spec.coll }
  }
  throw new BadValueError('$out/$merge target must be a collection name or { db, coll }')
}

export function writeOut(
  engine: Engine,
  db: string,
  out: OutTarget,
  results: Doc[],
  opts: FilterOptions,
): void {
  if (out.kind === '$out') {
    const t = target(db, out.spec)
    engine.replaceContents(t.db, t.coll, results.map(withId))
    return
  }
  const spec = isPlainObject(out.spec) ? out.spec : { into: out.spec }
  const t = target(db, spec.into)
  const coll = engine.ensureCollection(t.db, t.coll)
  const on =
    spec.on === undefined
      ? ['_id']
      : Array.isArray(spec.on)
        ? (spec.on as string[])
        : [String(spec.on)]
  const whenMatched = spec.whenMatched ?? 'merge'
  const whenNotMatched = spec.whenNotMatched ?? 'insert'
  for (const doc of results) mergeOne(coll, doc, on, whenMatched, whenNotMatched, spec.let, opts)
}

function mergeOne(
  coll: Collection,
  doc: Doc,
  on: string[],
  whenMatched: unknown,
  whenNotMatched: unknown,
  letVars: unknown,
  opts: FilterOptions,
): void {
  const filter: Doc = {}
  for (const f of on) filter[f] = doc[f] ?? null
  const existing = executeRead(coll, { filter, limit: 1, collation: opts.collation }).docs.next()
  if (existing.done) {
    if (whenNotMatched === 'discard') return
    if (whenNotMatched === 'fail') {
      throw new MergeMatchFailedError(
        '$merge could not find a matching document in the target collection for at least one document in the source collection',
      )
    }
    coll.insert(withId(doc))
    return
  }
  const current = existing.value
  let next: Doc
  if (Array.isArray(whenMatched)) {
    const vars = isPlainObject(letVars) ? letVars : { new: '$$ROOT' }
    const variables: Doc = {}
    for (const [k, v] of Object.entries(vars)) variables[k] = v === '$$ROOT' ? cloneValue(doc) : v
    try {
      const agg = new Aggregator(whenMatched as Doc[], { ...mingoOptions(opts), variables })
      next = agg.run([viewCopy(current)])[0] as Doc
    } catch (err) {
      throw toPipelineError(err)
    }
  } else {
    switch (whenMatched) {
      case 'keepExisting':
        return
      case 'fail':
        throw coll.idIndex().duplicateError([current._id])
      case 'replace':
        next = { ...doc }
        break
      default:
        next = { ...current, ...doc }
    }
  }
  // the stored document keeps its _id, first as in every write
  next = withIdFirst({ ...next, _id: current._id })
  if (!sameValue(next, current)) coll.replace(current, next)
}

function withId(doc: Doc): Doc {
  return doc._id === undefined ? { _id: new ObjectId(), ...doc } : withIdFirst(doc)
}
