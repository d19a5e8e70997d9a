// What a step of the legacy import is: one legacy collection read in `_id` order and turned, one
// document at a time, into writes to this system's collections.
import type { Db, ObjectId } from 'mongodb'
import type { LegacySource } from './legacy-source'

export type LegacyDbName = 'sanora' | 'videodesk'

export type Fields = Record<string, unknown>

/** A document as Mongoose stored it: any fields, an ObjectId `_id` (Mongoose's default). */
export type LegacyDoc = Fields & { _id: ObjectId }

/** A document to write: `_id` kept from the legacy one, unmapped fields under `legacy`. */
export type OutputDocument = Fields & { _id: unknown; legacy?: Fields }

/**
 * How an output is written. `replace`: the whole document, by `_id`, only when its content hash
 * differs from the stored one. `insert-once`: inserted when no document has the same `key` value,
 * never touched afterwards (sessions: a rotated or revoked one must stay so on a re-run).
 * `update-matching`: `update` applied to the documents `filter` matches now, if any (sessions whose
 * legacy token the old system has since dropped). A filter must stop matching once updated.
 */
export type Output =
  | { collection: string; mode?: 'replace'; document: OutputDocument }
  | { collection: string; mode: 'insert-once'; key: string; document: OutputDocument }
  | { collection: string; mode: 'update-matching'; filter: Fields; update: Fields }

/** A reference to a legacy document, checked for existence in its source after each batch. */
export interface Ref {
  field: string
  db: LegacyDbName
  collection: string
  id: ObjectId
}

/** Something the report lists for the operator (a pair of accounts not merged, a role lowered). */
export interface Note {
  kind: string
  detail: Record<string, unknown>
}

export interface Transformed {
  /** Set when the document itself is not imported; its side outputs (an id map entry) still are. */
  skip?: string
  outputs: Output[]
  refs?: Ref[]
  notes?: Note[]
}

export interface StepContext {
  /** The time of this run: sessions imported now expire from it. */
  now: Date
  refreshTtlDays: number
}

export interface Step<Prepared = unknown> {
  /** `<db>.<collection>`: the checkpoint's and the report's key. */
  name: string
  /** The `--only` selector this step belongs to (`users`, `conferences`, …). */
  group: string
  db: LegacyDbName
  collection: string
  /**
   * Bulk look-ups for one batch (counterparts in the other database, the id map an earlier step
   * wrote to `target`), made before transforms. Only reads: writes are the engine's.
   */
  prepare?(batch: LegacyDoc[], source: LegacySource, target: Db): Promise<Prepared>
  transform(
    doc: LegacyDoc,
    ctx: StepContext,
    prepared: Prepared,
  ): Promise<Transformed> | Transformed
}
