// Chooses how a filter reads a collection (IDHACK, IXSCAN, OR, COLLSCAN). A plan only narrows
// the candidates; every candidate is still tested against the full filter.
import { keyOf } from './bson-order.js'
import type { Collection } from './collection.js'
import { setPath } from './doc-paths.js'
import { BadValueError } from './errors.js'
import { Index } from './indexes.js'
import type { Bound, KeyEntry } from './key-tree.js'
import { type Doc, asNumber, isPlainObject } from './values.js'

interface FieldPredicate {
  eq?: unknown[]
  lower?: Bound
  upper?: Bound
}

export type Plan =
  | { stage: 'IDHACK'; ids: string[] }
  | {
      stage: 'IXSCAN'
      index: Index
      keys: () => string[]
      tree: 'full' | 'lead'
      bounds: Doc
      /** Set when the walk yields documents already in the requested sort order. */
      direction?: 1 | -1
    }
  | { stage: 'COLLSCAN' }
  | { stage: 'OR'; plans: Plan[] }

export interface PlanOptions {
  sort?: Doc
  /** How many documents the read wants at most (skip + limit); 0 or absent: all. */
  limit?: number
  hint?: unknown
  collation?: Doc
}

export interface ScanStats {
  keysExamined: number
  docsExamined: number
}

const MAX_EQ_KEYS = 1000

export function planQuery(coll: Collection | undefined, filter: Doc, opts: PlanOptions = {}): Plan {
  if (!coll) return { stage: 'COLLSCAN' }
  if (isNaturalHint(opts.hint)) return { stage: 'COLLSCAN' }
  // non-simple collations change string equality; the index keys are binary
  const indexable = !hasCollation(opts.collation)
  const preds = new Map<string, FieldPredicate>()
  collectPredicates(filter, preds)

  const idPred = preds.get('_id')
  if (indexable && idPred?.eq) return { stage: 'IDHACK', ids: unique(idPred.eq.map(keyOf)) }

  const hinted = hintedIndex(coll, opts.hint)
  let best: { plan: Plan; cost: number } | undefined
  if (indexable) {
    for (const index of coll.indexes.values()) {
      if (hinted && index !== hinted) continue
      const candidate = indexPlan(index, preds)
      if (candidate && (!best || candidate.cost < best.cost)) best = candidate
    }
  }
  if (best) {
    // mongod races candidate plans; the race's usual winner for "first page of a broad query,
    // sorted": walk the sort's index in order and stop at the limit, instead of sorting every
    // candidate an equality index yields (a feed: thousands of posts, 21 wanted).
    if (opts.limit && opts.limit <= 1000 && best.cost > 4 * opts.limit) {
      const ordered = orderedPlan(coll, opts.sort, hinted)
      if (ordered) return ordered
    }
    return best.plan
  }

  if (indexable && Array.isArray(filter.$or) && filter.$or.length > 0) {
    const plans = filter.$or.map((branch) =>
      isPlainObject(branch) ? planQuery(coll, branch, { collation: opts.collation }) : undefined,
    )
    if (plans.every((p) => p !== undefined && p.stage !== 'COLLSCAN')) {
      return { stage: 'OR', plans: plans as Plan[] }
    }
  }

  const ordered = indexable ? orderedPlan(coll, opts.sort, hinted) : undefined
  return ordered ?? { stage: 'COLLSCAN' }
}

/** Document ids in candidate order, deduplicated, counting index keys examined. */
export function* planIds(coll: Collection, plan: Plan, stats: ScanStats): Generator<string> {
  switch (plan.stage) {
    case 'IDHACK':
      for (const id of plan.ids) {
        stats.keysExamined++
        yield id
      }
      return
    case 'IXSCAN': {
      const tree = plan.tree === 'full' ? plan.index.full : plan.index.lead
      const seen = new Set<string>()
      for (const key of plan.keys()) {
        stats.keysExamined++
        for (const id of tree.ids(key)) {
          if (seen.has(id)) continue
          seen.add(id)
          yield id
        }
      }
      return
    }
    case 'OR': {
      const seen = new Set<string>()
      for (const sub of plan.plans) {
        for (const id of planIds(coll, sub, stats)) {
          if (seen.has(id)) continue
          seen.add(id)
          yield id
        }
      }
      return
    }
    case 'COLLSCAN':
      yield* coll.docs.keys()
  }
}

export function describePlan(plan: Plan, filter: Doc): Doc {
  switch (plan.stage) {
    case 'IDHACK':
      return { stage: 'IDHACK' }
    case 'IXSCAN':
      return {
        stage: 'IXSCAN',
        keyPattern: plan.index.spec.key,
        indexName: plan.index.name,
        isMultiKey: plan.index.multikey,
        isUnique: plan.index.unique,
        isSparse: plan.index.sparse,
        isPartial: plan.index.isPartial,
        direction: plan.direction === -1 ? 'backward' : 'forward',
        indexBounds: plan.bounds,
        filter,
      }
    case 'OR':
      return { stage: 'OR', inputStages: plan.plans.map((p) => describePlan(p, filter)) }
    case 'COLLSCAN':
      return { stage: 'COLLSCAN', filter, direction: 'forward' }
  }
}

function indexPlan(
  index: Index,
  preds: Map<string, FieldPredicate>,
): { plan: Plan; cost: number } | undefined {
  if (index.kind === 'special') return undefined
  if (index.isPartial && !partialFilterImplied(index, preds)) return undefined
  const lead = preds.get(index.fields[0] as string)
  if (!lead) return undefined
  if (lead.eq) {
    if (index.sparse && lead.eq.some((v) => v === null || v === undefined)) return undefined
    const perField = index.fields.map((f) => preds.get(f)?.eq)
    const full = perField.every((eq) => eq !== undefined) && product(perField) <= MAX_EQ_KEYS
    const keys = full ? combine(perField as unknown[][]) : unique(lead.eq.map(keyOf))
    const tree = full ? index.full : index.lead
    const cost = keys.reduce((sum, k) => sum + tree.count(k), 0)
    const bounds: Doc = {}
    index.fields.forEach((f, i) => {
      bounds[f] = full || i === 0 ? (perField[i] ?? []).map(String) : ['[MinKey, MaxKey]']
    })
    return {
      plan: { stage: 'IXSCAN', index, keys: () => keys, tree: full ? 'full' : 'lead', bounds },
      // prefer an index that pins more fields when candidate counts tie
      cost: cost + (full ? 0 : 0.5),
    }
  }
  if ((lead.lower || lead.upper) && index.kind === 'btree') {
    // on a multikey field both bounds may be met by different elements; one bound is safe
    const upper = index.multikey && lead.lower ? undefined : lead.upper
    const entries = index.lead.range(lead.lower, upper)
    const cost = entries.reduce((sum, e) => sum + index.lead.count(e.key), 0)
    const bounds: Doc = {
      [index.fields[0] as string]: [
        `${lead.lower?.inclusive ? '[' : '('}${String(lead.lower?.value ?? '-inf')}, ${String(upper?.value ?? 'inf')}${upper?.inclusive ? ']' : ')'}`,
      ],
    }
    return {
      plan: {
        stage: 'IXSCAN',
        index,
        keys: () => entries.map((e) => e.key),
        tree: 'lead',
        bounds,
      },
      cost: cost + 1,
    }
  }
  return undefined
}

/**
 * A partial index may serve a query only if every document the query matches is in the index.
 * Sound for the common cases: each field the partial filter mentions must be pinned by a
 * non-null equality in the query, and those values must pass the partial filter.
 */
function partialFilterImplied(index: Index, preds: Map<string, FieldPredicate>): boolean {
  const fields = filterFields(index.spec.partialFilterExpression ?? {})
  if (!fields) return false
  const pinned = new Map<string, unknown[]>()
  for (const f of fields) {
    const eq = preds.get(f)?.eq
    if (!eq || eq.some((v) => v === null || v === undefined)) return false
    pinned.set(f, eq)
  }
  for (const [field, values] of pinned) {
    for (const v of values) {
      const probe: Doc = {}
      for (const [f, vs] of pinned) setPath(probe, f, f === field ? v : vs[0])
      if (!index.admits(probe)) return false
    }
  }
  return true
}

/** Top-level fields of a partial filter, or undefined when it uses $or/$nor/$expr and such. */
function filterFields(filter: Doc): string[] | undefined {
  const out: string[] = []
  for (const [k, v] of Object.entries(filter)) {
    if (k === '$and' && Array.isArray(v)) {
      for (const sub of v) {
        const inner = isPlainObject(sub) ? filterFields(sub) : undefined
        if (!inner) return undefined
        out.push(...inner)
      }
    } else if (k.startsWith('$')) return undefined
    else out.push(k)
  }
  return out
}

/** Walks a single-field index in order when the sort is on that field alone. */
function orderedPlan(
  coll: Collection,
  sort: Doc | undefined,
  hinted: Index | undefined,
): Plan | undefined {
  if (!sort) return undefined
  const keys = Object.keys(sort)
  if (keys.length !== 1) return undefined
  const field = keys[0] as string
  const dir = asNumber(sort[field])
  if (dir !== 1 && dir !== -1) return undefined
  for (const index of coll.indexes.values()) {
    if (hinted && index !== hinted) continue
    if (index.fields[0] !== field || index.kind !== 'btree') continue
    if (index.sparse || index.isPartial || index.multikey) continue
    const tree = index.lead
    const keysInOrder = (): string[] => {
      const entries: KeyEntry[] = tree.ordered()
      const list = entries.map((e) => e.key)
      return dir === 1 ? list : list.reverse()
    }
    return {
      stage: 'IXSCAN',
      index,
      keys: keysInOrder,
      tree: 'lead',
      bounds: { [field]: ['[MinKey, MaxKey]'] },
      direction: dir,
    }
  }
  return undefined
}

function collectPredicates(filter: Doc, out: Map<string, FieldPredicate>): void {
  for (const [field, cond] of Object.entries(filter)) {
    if (field === '$and' && Array.isArray(cond)) {
      for (const sub of cond) if (isPlainObject(sub)) collectPredicates(sub, out)
      continue
    }
    if (field.startsWith('$')) continue
    const pred = analyse(cond)
    if (pred && !out.has(field)) out.set(field, pred)
  }
}

function analyse(cond: unknown): FieldPredicate | undefined {
  if (!isPlainObject(cond)) return isEqualityValue(cond) ? { eq: [cond] } : undefined
  const ops = Object.keys(cond)
  if (!ops.some((k) => k.startsWith('$'))) return { eq: [cond] }
  const pred: FieldPredicate = {}
  if ('$eq' in cond && isEqualityValue(cond.$eq)) pred.eq = [cond.$eq]
  else if (
    Array.isArray(cond.$in) &&
    cond.$in.every(isEqualityValue) &&
    cond.$in.length <= MAX_EQ_KEYS
  ) {
    pred.eq = cond.$in
  }
  if (isRangeValue(cond.$gt)) pred.lower = { value: cond.$gt, inclusive: false }
  else if (isRangeValue(cond.$gte)) pred.lower = { value: cond.$gte, inclusive: true }
  if (isRangeValue(cond.$lt)) pred.upper = { value: cond.$lt, inclusive: false }
  else if (isRangeValue(cond.$lte)) pred.upper = { value: cond.$lte, inclusive: true }
  return pred.eq || pred.lower || pred.upper ? pred : undefined
}

function isEqualityValue(v: unknown): boolean {
  // arrays match both whole-array equality and element equality; regexes are not equalities
  if (Array.isArray(v) || v instanceof RegExp) return false
  if ((v as { _bsontype?: string } | null)?._bsontype === 'BSONRegExp') return false
  if (isPlainObject(v)) return !Object.keys(v).some((k) => k.startsWith('$'))
  return true
}

function isRangeValue(v: unknown): boolean {
  if (v === undefined || v === null) return false
  if (typeof v === 'number' || typeof v === 'string' || v instanceof Date) return true
  const t = (v as { _bsontype?: string })._bsontype
  return t === 'ObjectId' || t === 'Long' || t === 'Decimal128' || t === 'Int32' || t === 'Double'
}

function hasCollation(c: Doc | undefined): boolean {
  return !!c && typeof c.locale === 'string' && c.locale !== 'simple'
}

function isNaturalHint(hint: unknown): boolean {
  return isPlainObject(hint) && '$natural' in hint
}

function hintedIndex(coll: Collection, hint: unknown): Index | undefined {
  let index: Index | undefined
  if (typeof hint === 'string') index = coll.indexes.get(hint)
  else if (isPlainObject(hint) && Object.keys(hint).length > 0) {
    const k = keyOf(hint)
    index = [...coll.indexes.values()].find((i) => keyOf(i.spec.key) === k)
  } else return undefined
  if (!index) throw new BadValueError('hint provided does not correspond to an existing index')
  return index
}

function product(lists: (unknown[] | undefined)[]): number {
  return lists.reduce<number>((n, l) => n * (l?.length ?? 1), 1)
}

function combine(perField: unknown[][]): string[] {
  let combos: unknown[][] = [[]]
  for (const values of perField) {
    combos = combos.flatMap((c) => values.map((v) => [...c, v]))
  }
  return unique(combos.map((c) => Index.composite(c)))
}

function unique(keys: string[]): string[] {
  return [...new Set(keys)]
}
