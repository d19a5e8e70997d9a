// Storage for one collection: documents by canonical _id key (insertion order = natural order)
// and every index kept in step. Stored documents are never mutated; writes swap in new objects.
import { UUID } from 'bson'
import { keyOf } from './bson-order.js'
import {
  IndexKeySpecsConflictError,
  IndexNotFoundError,
  IndexOptionsConflictError,
  InvalidOptionsError,
} from './errors.js'
import { Index, type IndexSpec, idIndexSpec, sameIndexOptions } from './indexes.js'
import { containsWideNumber } from './numeric-view.js'
import { type Doc, isPlainObject, toInt } from './values.js'

export type ChangeListener = (coll: Collection) => void

export class Collection {
  readonly docs = new Map<string, Doc>()
  readonly indexes = new Map<string, Index>()
  readonly uuid = new UUID()
  /** Ids of documents holding Long/Decimal128 values: only those need numeric views. */
  readonly wideIds = new Set<string>()

  constructor(
    readonly db: string,
    public name: string,
    public options: Doc,
    private readonly onChange: ChangeListener,
  ) {
    this.indexes.set('_id_', new Index(idIndexSpec(), this.ns))
  }

  get ns(): string {
    return `${this.db}.${this.name}`
  }

  get size(): number {
    return this.docs.size
  }

  getById(id: unknown): Doc | undefined {
    return this.docs.get(keyOf(id))
  }

  /** Inserts atomically: either every index accepts the document or nothing changes. */
  insert(doc: Doc): void {
    const id = keyOf(doc._id)
    if (this.docs.has(id)) throw this.idIndex().duplicateError([doc._id])
    const staged: [Index, ReturnType<Index['combos']>][] = []
    for (const index of this.indexes.values()) {
      const combos = index.combos(doc)
      index.checkUnique(combos, id)
      staged.push([index, combos])
    }
    for (const [index, combos] of staged) index.add(combos, id)
    this.docs.set(id, doc)
    if (containsWideNumber(doc)) this.wideIds.add(id)
    this.onChange(this)
  }

  /** Swaps a stored document for its updated version (same _id), re-checking unique indexes. */
  replace(oldDoc: Doc, newDoc: Doc): void {
    const id = keyOf(oldDoc._id)
    const staged: [Index, ReturnType<Index['combos']>, ReturnType<Index['combos']>][] = []
    for (const index of this.indexes.values()) {
      const before = index.combos(oldDoc)
      const after = index.combos(newDoc)
      // most updates leave indexed fields alone: skip the churn (and the uniqueness check)
      if (sameKeys(before, after)) continue
      index.checkUnique(after, id)
      staged.push([index, before, after])
    }
    for (const [index, before, after] of staged) {
      index.remove(before, id)
      index.add(after, id)
    }
    this.docs.set(id, newDoc)
    if (containsWideNumber(newDoc)) this.wideIds.add(id)
    else this.wideIds.delete(id)
    this.onChange(this)
  }

  remove(doc: Doc): void {
    const id = keyOf(doc._id)
    if (!this.docs.has(id)) return
    for (const index of this.indexes.values()) index.remove(index.combos(doc), id)
    this.docs.delete(id)
    this.wideIds.delete(id)
    this.onChange(this)
  }

  clear(): void {
    this.docs.clear()
    this.wideIds.clear()
    for (const index of this.indexes.values()) index.clear()
    this.onChange(this)
  }

  idIndex(): Index {
    return this.indexes.get('_id_') as Index
  }

  indexSpecs(): IndexSpec[] {
    return [...this.indexes.values()].map((i) => i.spec)
  }

  /**
   * Adds an index, building it over existing documents first so a unique violation leaves
   * the collection untouched. Returns false when an identical index already exists.
   */
  createIndex(spec: IndexSpec): boolean {
    for (const existing of this.indexes.values()) {
      const same = sameIndexOptions(existing.spec, spec)
      if (existing.name === spec.name) {
        if (same) return false
        throw new IndexKeySpecsConflictError(
          `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${JSON.stringify(spec)}, existing index: ${JSON.stringify(existing.spec)}`,
        )
      }
      if (keyOf(existing.spec.key) === keyOf(spec.key)) {
        if (same) {
          throw new IndexOptionsConflictError(
            `Index already exists with a different name: ${existing.name}`,
          )
        }
        throw new IndexOptionsConflictError(
          `An equivalent index already exists with the same name but different options. Requested index: ${JSON.stringify(spec)}, existing index: ${JSON.stringify(existing.spec)}`,
        )
      }
    }
    const index = new Index(spec, this.ns)
    for (const [id, doc] of this.docs) {
      const combos = index.combos(doc)
      index.checkUnique(combos, id)
      index.add(combos, id)
    }
    this.indexes.set(spec.name, index)
    this.onChange(this)
    return true
  }

  dropIndex(nameOrKey: string | Doc): void {
    const index =
      typeof nameOrKey === 'string'
        ? this.indexes.get(nameOrKey)
        : [...this.indexes.values()].find((i) => keyOf(i.spec.key) === keyOf(nameOrKey))
    if (!index) {
      const label = typeof nameOrKey === 'string' ? nameOrKey : JSON.stringify(nameOrKey)
      throw new IndexNotFoundError(`index not found with name [${label}]`)
    }
    if (index.name === '_id_') throw new InvalidOptionsError('cannot drop _id index')
    this.indexes.delete(index.name)
    this.onChange(this)
  }

  /** collMod { index: { name | keyPattern, expireAfterSeconds } }. */
  modifyIndexTtl(change: Doc): { old: unknown; now: unknown } {
    const index =
      typeof change.name === 'string'
        ? this.indexes.get(change.name)
        : isPlainObject(change.keyPattern)
          ? [...this.indexes.values()].find((i) => keyOf(i.spec.key) === keyOf(change.keyPattern))
          : undefined
    if (!index)
      throw new IndexNotFoundError(
        `cannot find index ${JSON.stringify(change.name ?? change.keyPattern)}`,
      )
    const old = index.spec.expireAfterSeconds
    if (change.expireAfterSeconds !== undefined) {
      index.spec.expireAfterSeconds = toInt(change.expireAfterSeconds, 0)
      this.onChange(this)
    }
    return { old, now: index.spec.expireAfterSeconds }
  }

  dropAllIndexes(): void {
    for (const name of [...this.indexes.keys()]) if (name !== '_id_') this.indexes.delete(name)
    this.onChange(this)
  }

  /** Documents whose TTL-indexed date is older than the index's expireAfterSeconds. */
  expiredDocs(now: number): Doc[] {
    const out = new Map<string, Doc>()
    for (const index of this.indexes.values()) {
      const ttl = index.spec.expireAfterSeconds
      if (typeof ttl !== 'number' || index.fields.length !== 1) continue
      const cutoff = new Date(now - ttl * 1000)
      for (const entry of index.lead.range(undefined, { value: cutoff, inclusive: true })) {
        for (const id of index.lead.ids(entry.key)) {
          const doc = this.docs.get(id)
          if (doc) out.set(id, doc)
        }
      }
    }
    return [...out.values()]
  }
}

function sameKeys(a: { key: string }[], b: { key: string }[]): boolean {
  return a.length === b.length && a.every((c, i) => c.key === b[i]?.key)
}
