// Field order after update operators. mongod merges every operator's paths into one tree whose
// children it applies in field-name order (lexicographic; numeric names numerically, 5.0+), and
// a field that does not exist yet is appended to its parent when created. So existing fields keep
// their place and new ones follow in name order, whatever order the update listed them in. mingo
// applies operators in the order given; this rearranges its result's keys (never values).
import { type Doc, isPlainObject } from './values.js'

/**
 * `after` (the updated `before`) with mongod's field order. `paths` are the dotted paths the
 * update wrote ($rename contributes its source and its target).
 */
export function arrangeUpdated(before: Doc, after: Doc, paths: string[]): Doc {
  return arrangeObject(
    before,
    after,
    paths.map((p) => p.split('.')),
  )
}

function arrangeObject(before: Doc, after: Doc, paths: string[][]): Doc {
  const out: Doc = {}
  for (const key of Object.keys(before)) {
    if (Object.hasOwn(after, key))
      out[key] = arrangeValue(before[key], after[key], below(paths, key))
  }
  const created = Object.keys(after).filter((k) => !Object.hasOwn(before, k))
  for (const key of created.sort(compareFieldNames)) {
    out[key] = arrangeValue(undefined, after[key], below(paths, key))
  }
  return out
}

function arrangeValue(before: unknown, after: unknown, paths: string[][]): unknown {
  // untouched below here, or replaced as a whole: the value keeps its own order
  if (paths.length === 0) return after
  if (isPlainObject(after)) return arrangeObject(isPlainObject(before) ? before : {}, after, paths)
  if (Array.isArray(after)) {
    return after.map((el, i) =>
      arrangeValue(Array.isArray(before) ? before[i] : undefined, el, below(paths, String(i))),
    )
  }
  return after
}

/** The remainders of the paths that continue below `key`; `$`, `$[]`, `$[id]` match any index. */
function below(paths: string[][], key: string): string[][] {
  const out: string[][] = []
  for (const path of paths) {
    const head = path[0] as string
    if (path.length > 1 && (head === key || head.startsWith('$'))) out.push(path.slice(1))
  }
  return out
}

/**
 * mongod's update field order (pathsupport::cmpPathsAndArrayIndexes): names that are numbers
 * without leading zeros compare by length then digits; all others by their UTF-8 bytes.
 */
function compareFieldNames(a: string, b: string): number {
  const numeric = (s: string) => /^(0|[1-9]\d*)$/.test(s)
  if (numeric(a) && numeric(b) && a.length !== b.length) return a.length - b.length
  return Buffer.compare(Buffer.from(a), Buffer.from(b))
}
