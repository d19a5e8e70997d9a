// Executes a read over one collection: plan → candidates → filter → sort → skip/limit, lazily
// where the plan allows.
import { compareValues } from './bson-order.js'
import type { Collection } from './collection.js'
import { valuesAtPath } from './doc-paths.js'
import { CompiledFilter, type FilterOptions } from './filter.js'
import { type Plan, type ScanStats, planIds, planQuery } from './planner.js'
import { type Doc, asNumber, isPlainObject } from './values.js'

export interface ReadSpec {
  filter?: Doc
  sort?: Doc
  skip?: number
  limit?: number
  hint?: unknown
  collation?: Doc
  variables?: Doc
}

export interface ReadResult {
  docs: Iterator<Doc>
  plan: Plan
  stats: ScanStats
  filter: CompiledFilter
}

export function executeRead(coll: Collection | undefined, spec: ReadSpec): ReadResult {
  const filterDoc = spec.filter ?? {}
  const filterOpts: FilterOptions = { collation: spec.collation, variables: spec.variables }
  const filter = new CompiledFilter(filterDoc, filterOpts)
  const sort = normalizeSort(spec.sort)
  const limit = spec.limit ? (spec.skip ?? 0) + Math.abs(spec.limit) : 0
  const plan = planQuery(coll, filterDoc, {
    sort,
    limit,
    hint: spec.hint,
    collation: spec.collation,
  })
  const stats: ScanStats = { keysExamined: 0, docsExamined: 0 }
  if (!coll) return { docs: [][Symbol.iterator](), plan, stats, filter }

  let docs: Iterable<Doc> = matching(coll, plan, filter, stats)
  const presorted = plan.stage === 'IXSCAN' && plan.direction !== undefined
  if (sort && !presorted) docs = sortDocs([...docs], sort, spec.collation)
  docs = window(docs, spec.skip ?? 0, spec.limit ?? 0)
  return { docs: docs[Symbol.iterator](), plan, stats, filter }
}

function* matching(coll: Collection, plan: Plan, filter: CompiledFilter, stats: ScanStats) {
  const check = (doc: Doc): boolean => {
    stats.docsExamined++
    return coll.wideIds.size === 0 ? filter.testView(doc) : filter.test(doc)
  }
  if (plan.stage === 'COLLSCAN') {
    for (const doc of coll.docs.values()) if (check(doc)) yield doc
    return
  }
  for (const id of planIds(coll, plan, stats)) {
    const doc = coll.docs.get(id)
    if (doc && check(doc)) yield doc
  }
}

function* window(docs: Iterable<Doc>, skip: number, limit: number): Generator<Doc> {
  let skipped = 0
  let taken = 0
  for (const doc of docs) {
    if (skipped < skip) {
      skipped++
      continue
    }
    if (limit > 0 && taken >= limit) return
    taken++
    yield doc
    if (limit > 0 && taken >= limit) return
  }
}

/** Keeps only ±1 sort directions; $meta sorts (text score) have nothing to sort by here. */
export function normalizeSort(sort: unknown): Doc | undefined {
  if (!isPlainObject(sort)) return undefined
  const out: Doc = {}
  for (const [k, v] of Object.entries(sort)) {
    const n = asNumber(v)
    if (n !== undefined) out[k] = n < 0 ? -1 : 1
  }
  return Object.keys(out).length ? out : undefined
}

/** Stable sort with MongoDB array semantics: ascending uses an array's smallest element. */
function sortDocs(docs: Doc[], sort: Doc, collation?: Doc): Doc[] {
  const collator = makeCollator(collation)
  const fields = Object.entries(sort).map(([path, dir]) => ({ path, dir: dir as number }))
  const keyed = docs.map((doc) => ({
    doc,
    keys: fields.map(({ path, dir }) => sortKey(doc, path, dir, collator)),
  }))
  keyed.sort((a, b) => {
    for (let i = 0; i < fields.length; i++) {
      const c = compareValues(a.keys[i], b.keys[i], collator)
      if (c !== 0) return c * (fields[i] as { dir: number }).dir
    }
    return 0
  })
  return keyed.map((k) => k.doc)
}

function sortKey(doc: Doc, path: string, dir: number, collator?: Intl.Collator): unknown {
  const { values, missing } = valuesAtPath(doc, path)
  if (missing) return null
  let best = values[0]
  for (const v of values.slice(1)) {
    const c = compareValues(v, best, collator)
    if (dir > 0 ? c < 0 : c > 0) best = v
  }
  return best === undefined ? null : best
}

function makeCollator(collation: Doc | undefined): Intl.Collator | undefined {
  if (!collation || typeof collation.locale !== 'string' || collation.locale === 'simple') {
    return undefined
  }
  const strength = asNumber(collation.strength) ?? 3
  return new Intl.Collator(collation.locale, {
    sensitivity: strength <= 1 ? 'base' : strength === 2 ? 'accent' : 'variant',
    numeric: collation.numericOrdering === true,
    caseFirst:
      collation.caseFirst === 'upper' || collation.caseFirst === 'lower'
        ? collation.caseFirst
        : 'false',
  })
}
