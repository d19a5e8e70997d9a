// One index key structure: a Map from canonical key to the ids of the documents holding it,
// plus a lazily merged sorted list of distinct keys for range scans, ordered scans and TTL.
import { compareValues, typeRank } from './bson-order.js'

export interface KeyEntry {
  key: string
  value: unknown
}

export interface Bound {
  value: unknown
  inclusive: boolean
}

const byValue = (a: KeyEntry, b: KeyEntry): number => compareValues(a.value, b.value)

export class KeyTree {
  // a key held by one document maps to that id directly: unique and high-cardinality indexes
  // then cost no Set allocation per key
  private readonly map = new Map<string, string | Set<string>>()
  private sorted: KeyEntry[] = []
  // new distinct keys wait here and are merged in on the next ordered read, so bulk inserts
  // stay O(1) each instead of splicing into the sorted array
  private pending: KeyEntry[] = []
  private stale = 0

  constructor(private readonly sortable: boolean) {}

  get size(): number {
    return this.map.size
  }

  add(key: string, value: unknown, id: string): void {
    const held = this.map.get(key)
    if (held === undefined) {
      this.map.set(key, id)
      if (this.sortable) {
        this.pending.push({ key, value })
        this.compactIfLarge()
      }
    } else if (typeof held === 'string') {
      if (held !== id) this.map.set(key, new Set([held, id]))
    } else {
      held.add(id)
    }
  }

  remove(key: string, id: string): void {
    const held = this.map.get(key)
    if (held === undefined) return
    if (typeof held === 'string') {
      if (held !== id) return
    } else {
      held.delete(id)
      if (held.size === 1) this.map.set(key, held.values().next().value as string)
      if (held.size > 0) return
    }
    this.map.delete(key)
    if (this.sortable) {
      this.stale++
      this.compactIfLarge()
    }
  }

  /** Ids of the documents holding `key`. */
  ids(key: string): Iterable<string> {
    const held = this.map.get(key)
    if (held === undefined) return []
    return typeof held === 'string' ? [held] : held
  }

  count(key: string): number {
    const held = this.map.get(key)
    return held === undefined ? 0 : typeof held === 'string' ? 1 : held.size
  }

  clear(): void {
    this.map.clear()
    this.sorted = []
    this.pending = []
    this.stale = 0
  }

  // keys that churn (removed, re-added) leave dead entries behind; once they outnumber the
  // live keys, merge so memory stays bounded even if nobody reads the order
  private compactIfLarge(): void {
    if (this.pending.length + this.sorted.length > 2 * this.map.size + 1024) this.ordered()
  }

  /** Distinct keys in BSON order. */
  ordered(): KeyEntry[] {
    if (this.pending.length === 0 && this.stale === 0) return this.sorted
    this.pending.sort(byValue)
    const merged: KeyEntry[] = []
    const seen = new Set<string>()
    let i = 0
    let j = 0
    const take = (e: KeyEntry): void => {
      if (!this.map.has(e.key) || seen.has(e.key)) return
      seen.add(e.key)
      merged.push(e)
    }
    while (i < this.sorted.length || j < this.pending.length) {
      const a = this.sorted[i]
      const b = this.pending[j]
      if (b === undefined || (a !== undefined && byValue(a, b) <= 0)) {
        take(a as KeyEntry)
        i++
      } else {
        take(b)
        j++
      }
    }
    this.sorted = merged
    this.pending = []
    this.stale = 0
    return merged
  }

  /**
   * Keys within the bounds, restricted to the bound's BSON type bracket the way MongoDB
   * range predicates are ({ $gt: 5 } never matches strings).
   */
  range(lower: Bound | undefined, upper: Bound | undefined): KeyEntry[] {
    const probe = lower ?? upper
    if (!probe) return this.ordered()
    const rank = typeRank(probe.value)
    const entries = this.ordered()
    let lo = 0
    let hi = entries.length
    // first entry that is not below the lower bound (or not below the bracket start)
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const e = entries[mid] as KeyEntry
      const below = lower
        ? lower.inclusive
          ? compareValues(e.value, lower.value) < 0
          : compareValues(e.value, lower.value) <= 0
        : typeRank(e.value) < rank
      if (below) lo = mid + 1
      else hi = mid
    }
    const out: KeyEntry[] = []
    for (let i = lo; i < entries.length; i++) {
      const e = entries[i] as KeyEntry
      if (typeRank(e.value) !== rank) break
      if (upper) {
        const c = compareValues(e.value, upper.value)
        if (c > 0 || (c === 0 && !upper.inclusive)) break
      }
      out.push(e)
    }
    return out
  }
}
