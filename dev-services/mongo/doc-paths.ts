// Dotted-path access with MongoDB's array semantics, for index keys, sorts, distinct and
// building upsert documents.
import { type Doc, isPlainObject } from './values.js'

/**
 * Values found at a dotted path, descending into arrays the way index keys and equality
 * matching do. An array at the end of the path contributes its elements (multikey).
 */
export function valuesAtPath(doc: unknown, path: string): { values: unknown[]; missing: boolean } {
  const out: unknown[] = []
  const parts = path.split('.')
  // returns false when the path does not exist below v
  const walk = (v: unknown, i: number): boolean => {
    if (i === parts.length) {
      if (Array.isArray(v)) {
        if (v.length === 0) out.push(undefined)
        else out.push(...v)
      } else out.push(v)
      return true
    }
    const part = parts[i] as string
    if (Array.isArray(v)) {
      let found = false
      if (/^\d+$/.test(part) && Number(part) < v.length) found = walk(v[Number(part)], i + 1)
      for (const el of v) {
        if (!isPlainObject(el)) continue
        if (walk(el, i)) found = true
        else out.push(null)
      }
      return found
    }
    if (isPlainObject(v) && part in v) return walk(v[part], i + 1)
    return false
  }
  const found = walk(doc, 0)
  return { values: out.length ? out : [null], missing: !found }
}

/** Single (non-fanned-out) value at a dotted path, for keyValue reporting and upserts. */
export function getPath(doc: unknown, path: string): unknown {
  let v: unknown = doc
  for (const part of path.split('.')) {
    if (Array.isArray(v) && /^\d+$/.test(part)) v = v[Number(part)]
    else if (isPlainObject(v)) v = v[part]
    else return undefined
  }
  return v
}

export function setPath(doc: Doc, path: string, value: unknown): void {
  const parts = path.split('.')
  let cur: Doc = doc
  for (let i = 0; i < parts.length - 1; i++) {
    const p = parts[i] as string
    const next = cur[p]
    if (!isPlainObject(next)) cur[p] = {}
    cur = cur[p] as Doc
  }
  cur[parts[parts.length - 1] as string] = value
}
