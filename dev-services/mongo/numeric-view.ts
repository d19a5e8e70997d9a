// Numeric views: copies with Long/Decimal128 as JS numbers so mingo compares and computes on
// them as mongod would, and the step that restores the stored types after an update.
import { Decimal128, Long } from 'bson'
import { type Doc, asNumber, bsonType, isPlainObject, isWideNumber } from './values.js'

export function containsWideNumber(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false
  if (isWideNumber(v)) return true
  if (Array.isArray(v)) return v.some(containsWideNumber)
  if (isPlainObject(v)) {
    for (const k in v) if (containsWideNumber(v[k])) return true
  }
  return false
}

/** A copy where Long/Decimal128 are JS numbers, or the value itself when there are none. */
export function numericView<T>(v: T): T {
  return containsWideNumber(v) ? (toNumbers(v) as T) : v
}

function toNumbers(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v
  if (isWideNumber(v)) return asNumber(v)
  if (Array.isArray(v)) return v.map(toNumbers)
  if (isPlainObject(v)) {
    const out: Doc = {}
    for (const k of Object.keys(v)) out[k] = toNumbers(v[k])
    return out
  }
  return v
}

/** A private deep copy with Long/Decimal128 as numbers, for engines that mutate their input. */
export function viewCopy<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v
  if (isWideNumber(v)) return asNumber(v) as T
  if (Array.isArray(v)) return v.map(viewCopy) as T
  if (v instanceof Date) return new Date(v.getTime()) as T
  if (isPlainObject(v)) {
    const out: Doc = {}
    for (const k of Object.keys(v)) out[k] = viewCopy(v[k])
    return out as T
  }
  return v
}

const viewCache = new WeakMap<object, Doc>()

/** Numeric view of a stored (immutable) document, cached per document object. */
export function docView(doc: Doc): Doc {
  let view = viewCache.get(doc)
  if (!view) {
    view = numericView(doc)
    viewCache.set(doc, view)
  }
  return view
}

/**
 * After an update ran on a numeric view, put back Long/Decimal128 where the original document
 * held one: unchanged values get the original object back (exact, even beyond 2^53), changed
 * ones keep the original's type as mongod's arithmetic would.
 */
export function restoreNumericTypes(original: unknown, updated: unknown): unknown {
  if (typeof updated === 'number') {
    if (!isWideNumber(original)) return updated
    if (asNumber(original) === updated) return original
    switch (bsonType(original)) {
      case 'Long':
        return Number.isInteger(updated) ? Long.fromNumber(updated) : updated
      case 'Decimal128':
        return Decimal128.fromString(String(updated))
    }
    return updated
  }
  if (Array.isArray(updated) && Array.isArray(original)) {
    if (updated.length === original.length) {
      return updated.map((v, i) => restoreNumericTypes(original[i], v))
    }
    // elements moved ($push $position, $pull...): match wide numbers back by value instead
    const byValue = new Map<number, unknown>()
    for (const o of original) if (isWideNumber(o)) byValue.set(asNumber(o) as number, o)
    return updated.map((v) => (typeof v === 'number' && byValue.has(v) ? byValue.get(v) : v))
  }
  if (isPlainObject(updated) && isPlainObject(original)) {
    const out: Doc = {}
    for (const k of Object.keys(updated)) out[k] = restoreNumericTypes(original[k], updated[k])
    return out
  }
  return updated
}
