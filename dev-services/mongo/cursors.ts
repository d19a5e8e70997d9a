// Server-side cursors: batches over a lazy document iterator, getMore/killCursors by Int64 id,
// and an idle sweep so abandoned cursors (10 min, like mongod) don't hold memory forever.
import { BSON, Long } from 'bson'
import { CursorNotFoundError } from './errors.js'
import type { Doc } from './values.js'

const MAX_BATCH_BYTES = 16 * 1024 * 1024
const DEFAULT_FIRST_BATCH = 101

export interface CursorOptions {
  batchSize?: number
  singleBatch?: boolean
  noTimeout?: boolean
  /** Applied to each batch before it is sent (find projection). */
  transform?: (docs: Doc[]) => Doc[]
}

interface OpenCursor {
  id: Long
  ns: string
  iter: Iterator<Doc>
  peeked: IteratorResult<Doc> | undefined
  transform?: (docs: Doc[]) => Doc[]
  lastUsed: number
  noTimeout: boolean
}

export interface Batch {
  docs: Doc[]
  id: Long
}

export class CursorRegistry {
  private readonly cursors = new Map<string, OpenCursor>()
  private readonly timer: NodeJS.Timeout

  constructor(
    private readonly idleMs = 10 * 60 * 1000,
    sweepMs = 60 * 1000,
  ) {
    this.timer = setInterval(() => this.sweep(Date.now()), sweepMs)
    this.timer.unref()
  }

  get size(): number {
    return this.cursors.size
  }

  /** Produces the first batch; the cursor is registered only if documents remain. */
  open(ns: string, iter: Iterator<Doc>, opts: CursorOptions = {}): Batch {
    const cursor: OpenCursor = {
      id: Long.ZERO,
      ns,
      iter,
      peeked: undefined,
      transform: opts.transform,
      lastUsed: Date.now(),
      noTimeout: opts.noTimeout === true,
    }
    const docs = this.fill(cursor, opts.batchSize ?? DEFAULT_FIRST_BATCH)
    if (opts.singleBatch || this.exhausted(cursor)) return { docs, id: Long.ZERO }
    cursor.id = this.newId()
    this.cursors.set(cursor.id.toString(), cursor)
    return { docs, id: cursor.id }
  }

  getMore(id: Long, batchSize: number | undefined): Batch & { ns: string } {
    const key = id.toString()
    const cursor = this.cursors.get(key)
    if (!cursor) throw new CursorNotFoundError(key)
    cursor.lastUsed = Date.now()
    let docs: Doc[]
    try {
      docs = this.fill(cursor, batchSize && batchSize > 0 ? batchSize : Infinity)
    } catch (err) {
      this.cursors.delete(key)
      throw err
    }
    if (this.exhausted(cursor)) {
      this.cursors.delete(key)
      return { docs, id: Long.ZERO, ns: cursor.ns }
    }
    return { docs, id: cursor.id, ns: cursor.ns }
  }

  kill(ids: Long[]): { killed: Long[]; notFound: Long[] } {
    const killed: Long[] = []
    const notFound: Long[] = []
    for (const id of ids) {
      if (this.cursors.delete(id.toString())) killed.push(id)
      else notFound.push(id)
    }
    return { killed, notFound }
  }

  sweep(now: number): void {
    for (const [key, cursor] of this.cursors) {
      if (!cursor.noTimeout && now - cursor.lastUsed > this.idleMs) this.cursors.delete(key)
    }
  }

  close(): void {
    clearInterval(this.timer)
    this.cursors.clear()
  }

  private fill(cursor: OpenCursor, max: number): Doc[] {
    const out: Doc[] = []
    let bytes = 0
    while (out.length < max) {
      const next = cursor.peeked ?? cursor.iter.next()
      cursor.peeked = undefined
      if (next.done) {
        cursor.peeked = next
        break
      }
      const size = BSON.calculateObjectSize(next.value)
      if (out.length > 0 && bytes + size > MAX_BATCH_BYTES) {
        cursor.peeked = next
        break
      }
      bytes += size
      out.push(next.value)
    }
    return cursor.transform && out.length ? cursor.transform(out) : out
  }

  private exhausted(cursor: OpenCursor): boolean {
    if (!cursor.peeked) cursor.peeked = cursor.iter.next()
    return cursor.peeked.done === true
  }

  private newId(): Long {
    for (;;) {
      // The high word is at least 2^21, so every id is above 2^53: a driver that promotes int64s
      // to numbers when they fit (the default) hands back a Long every time, instead of a number
      // for about one cursor in a thousand, which made the conformance test's int64 check flaky.
      const id = Long.fromBits(
        (Math.random() * 0x100000000) >>> 0,
        (0x200000 + Math.random() * (0x7fffffff - 0x200000)) >>> 0,
      )
      if (!id.isZero() && !this.cursors.has(id.toString())) return id
    }
  }
}
