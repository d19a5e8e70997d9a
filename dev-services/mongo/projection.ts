// Find-style projection through mingo, except that a lone `$slice` keeps the other fields as
// in mongod (mingo would treat it as an inclusion), and that inclusions come back in mongod's
// field order (projection-order.ts).
import { Query } from 'mingo'
import { QueryEngineError, describe } from './errors.js'
import { type FilterOptions, mingoOptions } from './filter.js'
import { docView } from './numeric-view.js'
import { arrangeProjected, inclusionTree } from './projection-order.js'
import { type Doc, asNumber, cloneValue, isPlainObject, truthy } from './values.js'

export type Projector = (docs: Doc[]) => Doc[]

/**
 * Positional `field.$` needs the filter, so those projections run mingo over numeric views
 * (Long/Decimal128 then come back as numbers).
 */
export function makeProjector(
  projection: unknown,
  filter: Doc,
  opts: FilterOptions,
): Projector | undefined {
  if (!isPlainObject(projection) || Object.keys(projection).length === 0) return undefined
  const slices: [string, unknown][] = []
  const rest: Doc = {}
  for (const [path, spec] of Object.entries(projection)) {
    if (isPlainObject(spec) && Object.keys(spec).length === 1 && '$slice' in spec)
      slices.push([path, spec.$slice])
    else rest[path] = spec
  }
  const inclusive = Object.entries(rest).some(([path, spec]) => path !== '_id' && includes(spec))
  const mingoProjection = inclusive ? projection : rest
  const sliceAfter = inclusive ? [] : slices
  const positional = Object.keys(projection).some((k) => k.endsWith('.$'))
  const tree = inclusive ? inclusionTree(projection, true) : undefined
  let query: Query | undefined
  if (Object.keys(mingoProjection).length > 0) {
    try {
      query = new Query(positional ? docView(filter) : {}, mingoOptions(opts))
    } catch (err) {
      throw new QueryEngineError(describe(err), err)
    }
  }
  return (docs) => {
    // mingo's exclusion handlers delete nested fields in place: project copies, not the store
    let out = docs.map((d) => cloneValue(positional ? docView(d) : d))
    try {
      if (query) out = query.find<Doc>(out, mingoProjection).all()
    } catch (err) {
      throw new QueryEngineError(describe(err), err)
    }
    // the documents were filtered already, so the projection maps them one to one
    if (tree && out.length === docs.length) {
      out = out.map((doc, i) => arrangeProjected(tree, docs[i], doc))
    }
    for (const doc of out) for (const [path, spec] of sliceAfter) sliceAt(doc, path, spec)
    return out
  }
}

function includes(spec: unknown): boolean {
  if (isPlainObject(spec)) return true // $elemMatch, $meta and expressions include
  return typeof spec === 'boolean' || asNumber(spec) !== undefined ? truthy(spec) : true
}

function sliceAt(doc: Doc, path: string, spec: unknown): void {
  const parts = path.split('.')
  let parent: unknown = doc
  for (const part of parts.slice(0, -1)) {
    parent = isPlainObject(parent) ? parent[part] : undefined
  }
  const field = parts[parts.length - 1] as string
  if (!isPlainObject(parent) || !Array.isArray(parent[field])) return
  const arr = parent[field] as unknown[]
  if (Array.isArray(spec)) {
    const skip = asNumber(spec[0]) ?? 0
    const limit = Math.max(0, asNumber(spec[1]) ?? arr.length)
    const start = skip < 0 ? Math.max(0, arr.length + skip) : Math.min(skip, arr.length)
    parent[field] = arr.slice(start, start + limit)
  } else {
    const n = asNumber(spec) ?? arr.length
    parent[field] = n >= 0 ? arr.slice(0, n) : arr.slice(Math.max(0, arr.length + n))
  }
}
