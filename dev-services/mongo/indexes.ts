// A secondary (or _id) index: spec validation, key extraction (multikey, sparse, partial),
// unique-constraint checks with mongod's E11000 error, and the key structures used by queries.
import { keyOf } from './bson-order.js'
import { valuesAtPath } from './doc-paths.js'
import { DuplicateKeyError, InvalidIndexSpecError, QueryEngineError, describe } from './errors.js'
import { CompiledFilter } from './filter.js'
import { KeyTree } from './key-tree.js'
import { type Doc, formatDoc, isPlainObject, toInt } from './values.js'

export interface IndexSpec {
  v?: number
  key: Doc
  name: string
  unique?: boolean
  sparse?: boolean
  partialFilterExpression?: Doc
  expireAfterSeconds?: number
  [option: string]: unknown
}

interface KeyCombo {
  key: string
  values: unknown[]
}

const MAX_COMBOS = 10_000
const SEP = '\u0000'

function defaultIndexName(key: Doc): string {
  return Object.entries(key)
    .map(([k, v]) => `${k}_${String(v)}`)
    .join('_')
}

export function idIndexSpec(): IndexSpec {
  return { v: 2, key: { _id: 1 }, name: '_id_' }
}

/** Normalizes a createIndexes entry into the spec we store and report from listIndexes. */
export function normalizeIndexSpec(raw: unknown): IndexSpec {
  if (!isPlainObject(raw) || !isPlainObject(raw.key) || Object.keys(raw.key).length === 0) {
    throw new InvalidIndexSpecError('Index spec must have a non-empty key document')
  }
  const key: Doc = {}
  for (const [field, dir] of Object.entries(raw.key)) {
    if (typeof dir === 'string') key[field] = dir
    else {
      const n = toInt(dir, NaN)
      if (Number.isNaN(n) || n === 0) {
        throw new InvalidIndexSpecError(
          `Values in the index key pattern can't be 0 or NaN: ${field}`,
        )
      }
      key[field] = n > 0 ? 1 : -1
    }
  }
  const name = typeof raw.name === 'string' && raw.name ? raw.name : defaultIndexName(key)
  const spec: IndexSpec = { v: 2, key, name }
  if (raw.unique === true || raw.unique === 1) spec.unique = true
  if (raw.sparse === true || raw.sparse === 1) spec.sparse = true
  if (raw.partialFilterExpression !== undefined) {
    if (!isPlainObject(raw.partialFilterExpression)) {
      throw new InvalidIndexSpecError('partialFilterExpression must be an object')
    }
    spec.partialFilterExpression = raw.partialFilterExpression
  }
  if (raw.expireAfterSeconds !== undefined) {
    spec.expireAfterSeconds = toInt(raw.expireAfterSeconds, 0)
  }
  for (const [opt, value] of Object.entries(raw)) {
    if (!(opt in spec) && !['key', 'name', 'v', 'ns', 'background'].includes(opt)) {
      spec[opt] = value
    }
  }
  return spec
}

/** True when two specs describe the same index (ignoring name). */
export function sameIndexOptions(a: IndexSpec, b: IndexSpec): boolean {
  return (
    keyOf(a.key) === keyOf(b.key) &&
    Boolean(a.unique) === Boolean(b.unique) &&
    Boolean(a.sparse) === Boolean(b.sparse) &&
    keyOf(a.partialFilterExpression ?? null) === keyOf(b.partialFilterExpression ?? null) &&
    (a.expireAfterSeconds ?? null) === (b.expireAfterSeconds ?? null)
  )
}

export class Index {
  readonly fields: string[]
  readonly full: KeyTree
  /** Keys of the first field only; the same tree as `full` for single-field indexes. */
  readonly lead: KeyTree
  multikey = false
  private readonly partial: CompiledFilter | undefined

  constructor(
    readonly spec: IndexSpec,
    private readonly ns: string,
  ) {
    this.fields = Object.keys(spec.key)
    this.full = new KeyTree(this.fields.length === 1)
    this.lead = this.fields.length === 1 ? this.full : new KeyTree(true)
    if (spec.partialFilterExpression) {
      try {
        this.partial = new CompiledFilter(spec.partialFilterExpression)
      } catch (err) {
        throw new InvalidIndexSpecError(`bad partialFilterExpression: ${describe(err)}`)
      }
    }
  }

  get name(): string {
    return this.spec.name
  }

  get unique(): boolean {
    return this.spec.unique === true
  }

  get sparse(): boolean {
    return this.spec.sparse === true
  }

  get isPartial(): boolean {
    return this.partial !== undefined
  }

  /** 'btree' for ±1 keys; hashed indexes answer equality only; text/geo ones are not used. */
  get kind(): 'btree' | 'hashed' | 'special' {
    const dirs = Object.values(this.spec.key)
    if (dirs.every((d) => d === 1 || d === -1)) return 'btree'
    return dirs.every((d) => d === 1 || d === -1 || d === 'hashed') ? 'hashed' : 'special'
  }

  /** Whether a document would be admitted by the partial filter (true without one). */
  admits(doc: Doc): boolean {
    return !this.partial || this.partial.test(doc)
  }

  /** Index keys of a document, or [] when the document is not in this index. */
  combos(doc: Doc): KeyCombo[] {
    if (this.partial && !this.partial.test(doc)) return []
    if (this.fields.length === 1) {
      // the common single-field case without the cartesian-product machinery
      const { values, missing } = valuesAtPath(doc, this.fields[0] as string)
      if (this.sparse && missing) return []
      if (values.length === 1) return [{ key: keyOf(values[0]), values }]
      this.multikey = true
      const byKey = new Map<string, KeyCombo>()
      for (const v of values) {
        const key = keyOf(v)
        if (!byKey.has(key)) byKey.set(key, { key, values: [v] })
      }
      return [...byKey.values()]
    }
    const perField: unknown[][] = []
    let anyPresent = false
    for (const field of this.fields) {
      const { values, missing } = valuesAtPath(doc, field)
      if (!missing) anyPresent = true
      perField.push(values)
      if (values.length > 1) this.multikey = true
    }
    if (this.sparse && !anyPresent) return []
    let combos: KeyCombo[] = [{ key: '', values: [] }]
    for (const values of perField) {
      const next: KeyCombo[] = []
      const seen = new Set<string>()
      for (const c of combos) {
        for (const v of values) {
          const key = c.values.length ? c.key + SEP + keyOf(v) : keyOf(v)
          if (seen.has(key)) continue
          seen.add(key)
          next.push({ key, values: [...c.values, v] })
          if (next.length > MAX_COMBOS) {
            throw new QueryEngineError(`too many index keys for index ${this.name}`)
          }
        }
      }
      combos = next
    }
    return combos
  }

  /** Throws the E11000 error when inserting `doc` (with id `id`) would violate uniqueness. */
  checkUnique(combos: KeyCombo[], id: string): void {
    if (!this.unique) return
    for (const c of combos) {
      for (const holder of this.full.ids(c.key)) {
        if (holder !== id) throw this.duplicateError(c.values)
      }
    }
  }

  duplicateError(values: unknown[]): DuplicateKeyError {
    const keyValue: Doc = {}
    this.fields.forEach((f, i) => {
      keyValue[f] = values[i] === undefined ? null : values[i]
    })
    return new DuplicateKeyError(
      `E11000 duplicate key error collection: ${this.ns} index: ${this.name} dup key: ${formatDoc(keyValue)}`,
      { ...this.spec.key },
      keyValue,
    )
  }

  add(combos: KeyCombo[], id: string): void {
    for (const c of combos) {
      this.full.add(c.key, c.values[0], id)
      if (this.lead !== this.full) this.lead.add(keyOf(c.values[0]), c.values[0], id)
    }
  }

  remove(combos: KeyCombo[], id: string): void {
    for (const c of combos) this.full.remove(c.key, id)
    if (this.lead === this.full) return
    for (const leadKey of new Set(combos.map((c) => keyOf(c.values[0])))) {
      this.lead.remove(leadKey, id)
    }
  }

  clear(): void {
    this.full.clear()
    if (this.lead !== this.full) this.lead.clear()
    this.multikey = false
  }

  /** Full-key lookup key for equality values given per field (in index field order). */
  static composite(values: unknown[]): string {
    return values.map(keyOf).join(SEP)
  }
}
