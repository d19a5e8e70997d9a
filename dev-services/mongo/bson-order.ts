// MongoDB value semantics that indexes and sorts depend on: the equality key (1 == 1.0 ==
// Long(1), sub-documents order-sensitive) and the cross-type BSON comparison order.
import type { Long, ObjectId } from 'bson'
import { type Doc, asNumber, bsonType, isPlainObject } from './values.js'

/**
 * Key under which MongoDB considers two values equal (1 == 1.0 == Long(1), order-sensitive
 * sub-documents). Strings are JSON-quoted so composite keys can be joined unambiguously.
 */
export function keyOf(v: unknown): string {
  if (v === undefined || v === null) return 'z'
  switch (typeof v) {
    case 'number':
      return numberKey(v)
    case 'string':
      return 's' + JSON.stringify(v)
    case 'boolean':
      return v ? 'b1' : 'b0'
    case 'bigint':
      return 'n' + v.toString()
  }
  if (v instanceof Date) return 'd' + v.getTime()
  if (v instanceof RegExp) return 'r' + JSON.stringify(v.source + '/' + v.flags)
  if (Array.isArray(v)) return '[' + v.map(keyOf).join(',') + ']'
  switch (bsonType(v)) {
    case 'ObjectId':
      return 'o' + (v as ObjectId).toHexString()
    case 'Long': {
      const l = v as Long
      const n = l.toNumber()
      return Number.isSafeInteger(n) ? numberKey(n) : 'n' + l.toString()
    }
    case 'Decimal128':
    case 'Int32':
    case 'Double':
      return numberKey(asNumber(v) as number)
    case 'Binary': {
      const b = v as { sub_type: number; toString(enc: string): string }
      return 'x' + b.sub_type + ':' + b.toString('base64')
    }
    case 'Timestamp':
      return 't' + String(v)
    case 'MinKey':
      return 'm-'
    case 'MaxKey':
      return 'm+'
    case 'BSONRegExp': {
      const r = v as { pattern: string; options: string }
      return 'r' + JSON.stringify(r.pattern + '/' + r.options)
    }
  }
  if (isPlainObject(v)) {
    return (
      '{' +
      Object.keys(v)
        .map((k) => JSON.stringify(k) + ':' + keyOf(v[k]))
        .join(',') +
      '}'
    )
  }
  return 'u' + JSON.stringify(String(v))
}

function numberKey(n: number): string {
  return 'n' + (Object.is(n, -0) ? '0' : String(n))
}

/** Rank in MongoDB's cross-type comparison order (MinKey < null < numbers < strings < ...). */
export function typeRank(v: unknown): number {
  if (v === undefined || v === null) return 1
  switch (typeof v) {
    case 'number':
    case 'bigint':
      return 2
    case 'string':
      return 3
    case 'boolean':
      return 8
  }
  if (v instanceof Date) return 9
  if (v instanceof RegExp) return 11
  if (Array.isArray(v)) return 5
  switch (bsonType(v)) {
    case 'MinKey':
      return 0
    case 'Long':
    case 'Decimal128':
    case 'Int32':
    case 'Double':
      return 2
    case 'BSONSymbol':
      return 3
    case 'Binary':
      return 6
    case 'ObjectId':
      return 7
    case 'Timestamp':
      return 10
    case 'BSONRegExp':
      return 11
    case 'MaxKey':
      return 12
  }
  return 4
}

/** Total order over BSON values following MongoDB's comparison rules closely enough for sorts. */
export function compareValues(a: unknown, b: unknown, collator?: Intl.Collator): number {
  const ra = typeRank(a)
  const rb = typeRank(b)
  if (ra !== rb) return ra < rb ? -1 : 1
  switch (ra) {
    case 2: {
      const x = typeof a === 'bigint' ? Number(a) : (asNumber(a) as number)
      const y = typeof b === 'bigint' ? Number(b) : (asNumber(b) as number)
      if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : -1
      if (Number.isNaN(y)) return 1
      return x < y ? -1 : x > y ? 1 : 0
    }
    case 3: {
      const x = String(a)
      const y = String(b)
      if (collator) return Math.sign(collator.compare(x, y))
      return x < y ? -1 : x > y ? 1 : 0
    }
    case 4:
      return compareObjects(a as Doc, b as Doc, collator)
    case 5: {
      const xs = a as unknown[]
      const ys = b as unknown[]
      for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
        const c = compareValues(xs[i], ys[i], collator)
        if (c !== 0) return c
      }
      return Math.sign(xs.length - ys.length)
    }
    case 6: {
      const x = (a as { buffer: Uint8Array; sub_type: number }).buffer
      const y = (b as { buffer: Uint8Array; sub_type: number }).buffer
      if (x.length !== y.length) return x.length < y.length ? -1 : 1
      const st = (a as { sub_type: number }).sub_type - (b as { sub_type: number }).sub_type
      if (st !== 0) return Math.sign(st)
      for (let i = 0; i < x.length; i++) {
        if (x[i] !== y[i]) return (x[i] as number) < (y[i] as number) ? -1 : 1
      }
      return 0
    }
    case 7: {
      const x = (a as ObjectId).toHexString()
      const y = (b as ObjectId).toHexString()
      return x < y ? -1 : x > y ? 1 : 0
    }
    case 8:
      return a === b ? 0 : a ? 1 : -1
    case 9:
      return Math.sign((a as Date).getTime() - (b as Date).getTime())
    case 10: {
      const x = a as Long
      const y = b as Long
      return x.compare(y)
    }
    case 11: {
      const x = String(a)
      const y = String(b)
      return x < y ? -1 : x > y ? 1 : 0
    }
  }
  return 0
}

function compareObjects(a: Doc, b: Doc, collator?: Intl.Collator): number {
  if (!isPlainObject(a) || !isPlainObject(b)) return 0
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    const x = ka[i] as string
    const y = kb[i] as string
    const tc = typeRank(a[x]) - typeRank(b[y])
    if (tc !== 0) return Math.sign(tc)
    if (x !== y) return x < y ? -1 : 1
    const c = compareValues(a[x], b[y], collator)
    if (c !== 0) return c
  }
  return Math.sign(ka.length - kb.length)
}
