// Basic BSON value helpers shared by every module: the document type, plain-object and
// numeric-wrapper detection, deep copies, mongod-style value printing and argument coercion.
import type { Long, ObjectId } from 'bson'

export type Doc = Record<string, unknown>

type BsonTagged = { _bsontype?: string }

export function bsonType(v: unknown): string | undefined {
  return typeof v === 'object' && v !== null ? (v as BsonTagged)._bsontype : undefined
}

export function isPlainObject(v: unknown): v is Doc {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false
  const proto = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

/** Long, Decimal128, Int32 and Double wrappers as a JS number (undefined when not numeric). */
export function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v
  switch (bsonType(v)) {
    case 'Long':
      return (v as Long).toNumber()
    case 'Decimal128':
      return Number((v as { toString(): string }).toString())
    case 'Int32':
    case 'Double':
      return (v as { value: number }).value
  }
  return undefined
}

export function isWideNumber(v: unknown): boolean {
  const t = bsonType(v)
  return t === 'Long' || t === 'Decimal128' || t === 'Int32' || t === 'Double'
}

/** Deep copy of documents and arrays; BSON value objects are immutable and shared. */
export function cloneValue<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v
  if (Array.isArray(v)) return v.map(cloneValue) as T
  if (v instanceof Date) return new Date(v.getTime()) as T
  if (isPlainObject(v)) {
    const out: Doc = {}
    for (const k of Object.keys(v)) out[k] = cloneValue(v[k])
    return out as T
  }
  return v
}

/** Type-strict deep equality (Long(5) is not 5): decides whether a write changed anything. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return Number.isNaN(a) && Number.isNaN(b)
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((v, i) => sameValue(v, b[i]))
    )
  }
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime()
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a)
    const kb = Object.keys(b)
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameValue(a[k], b[k]))
  }
  const ta = bsonType(a)
  if (!ta || ta !== bsonType(b)) return false
  if (ta === 'Binary') {
    const x = a as { sub_type: number; buffer: Uint8Array }
    const y = b as { sub_type: number; buffer: Uint8Array }
    return x.sub_type === y.sub_type && Buffer.from(x.buffer).equals(Buffer.from(y.buffer))
  }
  return String(a) === String(b)
}

/** Renders a value the way mongod prints keys in E11000 messages. */
export function formatValue(v: unknown): string {
  if (v === undefined || v === null) return 'null'
  if (typeof v === 'string') return JSON.stringify(v)
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  if (v instanceof Date) return `new Date(${v.getTime()})`
  if (Array.isArray(v)) return '[ ' + v.map(formatValue).join(', ') + ' ]'
  switch (bsonType(v)) {
    case 'ObjectId':
      return `ObjectId('${(v as ObjectId).toHexString()}')`
    case 'Long':
    case 'Int32':
    case 'Double':
      return String(asNumber(v))
    case 'Decimal128':
      return `NumberDecimal("${String(v)}")`
  }
  if (isPlainObject(v)) return formatDoc(v)
  return String(v)
}

export function formatDoc(doc: Doc): string {
  const keys = Object.keys(doc)
  if (keys.length === 0) return '{}'
  return '{ ' + keys.map((k) => `${k}: ${formatValue(doc[k])}`).join(', ') + ' }'
}

/** mongod stores _id as the first field whatever order the client sent. */
export function withIdFirst(doc: Doc): Doc {
  if (doc._id === undefined || Object.keys(doc)[0] === '_id') return doc
  const { _id, ...rest } = doc
  return { _id, ...rest }
}

/** Coerces a numeric command argument (int32, double or Long) to a JS integer. */
export function toInt(v: unknown, fallback: number): number {
  const n = asNumber(v)
  return n === undefined || Number.isNaN(n) ? fallback : Math.trunc(n)
}

export function truthy(v: unknown): boolean {
  const n = asNumber(v)
  return n !== undefined ? n !== 0 : Boolean(v)
}
