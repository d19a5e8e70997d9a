// Aggregation glue: leading $match/$sort/$skip/$limit run through the index-aware reader and
// the rest of the pipeline through mingo (with $lookup & co. resolving sibling collections).
import { Aggregator } from './pipeline-stages.js'
import { type OutTarget, writeOut } from './aggregate-out.js'
import type { Engine } from './engine.js'
import { BadValueError, MongoCommandError, toPipelineError } from './errors.js'
import { type FilterOptions, mingoOptions } from './filter.js'
import { viewCopy } from './numeric-view.js'
import type { Plan, ScanStats } from './planner.js'
import { type ReadSpec, executeRead } from './query.js'
import { type Doc, asNumber, isPlainObject, toInt } from './values.js'

export interface AggregateSpec {
  pipeline: unknown
  collation?: Doc
  variables?: Doc
  hint?: unknown
}

export interface AggregateResult {
  docs: Iterator<Doc>
  plan: Plan
  stats: ScanStats
  pushedDown: Doc
}

export function runAggregate(
  engine: Engine,
  db: string,
  collName: string | undefined,
  spec: AggregateSpec,
): AggregateResult {
  const { read, rest } = pushDown(validatePipeline(spec.pipeline))
  const out = takeOutStage(rest)
  const result = readSource(engine, db, collName, read, spec)
  const filterOpts: FilterOptions = { collation: spec.collation, variables: spec.variables }
  if (rest.length > 0) result.docs = runMingo(engine, db, rest, result.docs, filterOpts)
  if (out) {
    writeOut(engine, db, out, drain(result.docs), filterOpts)
    result.docs = [][Symbol.iterator]()
  }
  return result
}

/** The index-aware part of a pipeline only (for explain): nothing is written, mingo not run. */
export function planAggregate(
  engine: Engine,
  db: string,
  collName: string | undefined,
  spec: AggregateSpec,
): AggregateResult {
  const { read } = pushDown(validatePipeline(spec.pipeline))
  return readSource(engine, db, collName, read, spec)
}

function readSource(
  engine: Engine,
  db: string,
  collName: string | undefined,
  read: ReadSpec,
  spec: AggregateSpec,
): AggregateResult {
  const pushedDown = read as Doc
  if (collName === undefined) {
    // db-level aggregate ({ aggregate: 1 }): documents come from a $documents stage
    const stats = { keysExamined: 0, docsExamined: 0 }
    return { docs: [][Symbol.iterator](), plan: { stage: 'COLLSCAN' }, stats, pushedDown }
  }
  const { docs, plan, stats } = executeRead(engine.getCollection(db, collName), {
    ...read,
    collation: spec.collation,
    variables: spec.variables,
    hint: spec.hint,
  })
  return { docs, plan, stats, pushedDown }
}

function validatePipeline(pipeline: unknown): Doc[] {
  if (!Array.isArray(pipeline))
    throw new BadValueError("'pipeline' option must be specified as an array")
  return pipeline.map((stage) => {
    if (!isPlainObject(stage) || Object.keys(stage).length !== 1) {
      throw new BadValueError(
        'A pipeline stage specification object must contain exactly one field.',
      )
    }
    const name = Object.keys(stage)[0] as string
    if (name === '$changeStream') {
      throw new MongoCommandError(
        40573,
        'Location40573',
        'The $changeStream stage is only supported on replica sets',
      )
    }
    return stage
  })
}

/** Leading $match, $sort, $skip, $limit stages that the index-aware reader can run. */
function pushDown(pipeline: Doc[]): { read: ReadSpec; rest: Doc[] } {
  const read: ReadSpec = {}
  let i = 0
  const stage = (name: string): unknown => {
    const s = pipeline[i]
    return s && name in s ? s[name] : undefined
  }
  if (isPlainObject(stage('$match'))) {
    read.filter = stage('$match') as Doc
    i++
  }
  const sort = stage('$sort')
  if (isPlainObject(sort) && Object.values(sort).every((d) => asNumber(d) !== undefined)) {
    read.sort = stage('$sort') as Doc
    i++
  }
  if (stage('$skip') !== undefined) {
    read.skip = toInt(stage('$skip'), 0)
    i++
  }
  if (stage('$limit') !== undefined) {
    read.limit = toInt(stage('$limit'), 0)
    if (read.limit <= 0) throw new BadValueError('the limit must be positive')
    i++
  }
  return { read, rest: pipeline.slice(i) }
}

function takeOutStage(rest: Doc[]): OutTarget | undefined {
  const last = rest[rest.length - 1]
  if (!last) return undefined
  for (const kind of ['$out', '$merge'] as const) {
    if (kind in last) {
      rest.pop()
      return { kind, spec: last[kind] }
    }
  }
  for (const stage of rest) {
    if ('$out' in stage || '$merge' in stage) {
      throw new BadValueError(
        `${Object.keys(stage)[0]} can only be the final stage in the pipeline`,
      )
    }
  }
  return undefined
}

function runMingo(
  engine: Engine,
  db: string,
  stages: Doc[],
  source: Iterator<Doc>,
  opts: FilterOptions,
): Iterator<Doc> {
  const resolved = new Map<string, Doc[]>()
  const collectionResolver = (name: string): Doc[] => {
    let docs = resolved.get(name)
    if (!docs) {
      const coll = engine.getCollection(db, name)
      docs = coll ? [...coll.docs.values()].map((d) => viewCopy(d)) : []
      resolved.set(name, docs)
    }
    return docs
  }
  // mingo stages may modify their input in place, so the pipeline gets private copies
  const input = mapIterator(source, (d) => viewCopy(d))
  try {
    const agg = new Aggregator(stages, { ...mingoOptions(opts), collectionResolver })
    return guard(agg.stream({ [Symbol.iterator]: () => input }) as unknown as Iterator<Doc>)
  } catch (err) {
    throw toPipelineError(err)
  }
}

function guard(iter: Iterator<Doc>): Iterator<Doc> {
  return {
    next: () => {
      try {
        return iter.next()
      } catch (err) {
        throw toPipelineError(err)
      }
    },
  }
}

function mapIterator(iter: Iterator<Doc>, f: (d: Doc) => Doc): Iterator<Doc> {
  return {
    next: () => {
      const r = iter.next()
      return r.done ? r : { value: f(r.value), done: false }
    },
  }
}

function drain(iter: Iterator<Doc>): Doc[] {
  const out: Doc[] = []
  for (let r = iter.next(); !r.done; r = iter.next()) out.push(r.value)
  return out
}
