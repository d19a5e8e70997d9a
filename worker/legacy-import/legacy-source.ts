// Read-only access to the two legacy databases. Steps and the engine get this object, never a Db,
// so no code path of the importer can write to the old systems.
import type { Db, Document, Filter, FindCursor, ObjectId } from 'mongodb'
import type { LegacyDbName, LegacyDoc } from './step'

export interface LegacySource {
  /** The collection in `_id` order, after `afterId` when resuming. */
  stream(db: LegacyDbName, collection: string, afterId?: unknown): FindCursor<LegacyDoc>
  count(db: LegacyDbName, collection: string): Promise<number>
  find(db: LegacyDbName, collection: string, filter: Filter<Document>): Promise<LegacyDoc[]>
  /** Which of `ids` exist in the collection. */
  existing(db: LegacyDbName, collection: string, ids: ObjectId[]): Promise<Set<string>>
  /**
   * How many documents of the collection reference each of `ids` in `field` (a ref or an array of
   * refs), optionally only those `filter` matches: the true value of a counter the old system
   * stored beside the document (likes, comments, enrollments), keyed by the id's hex.
   */
  countBy(
    db: LegacyDbName,
    collection: string,
    field: string,
    ids: ObjectId[],
    filter?: Filter<Document>,
  ): Promise<Map<string, number>>
}

export function legacySource(dbs: Record<LegacyDbName, Db>): LegacySource {
  return {
    stream: (db, collection, afterId) =>
      dbs[db]
        .collection<LegacyDoc>(collection)
        .find((afterId === undefined ? {} : { _id: { $gt: afterId } }) as Filter<Document>)
        .sort({ _id: 1 }),
    count: (db, collection) => dbs[db].collection(collection).estimatedDocumentCount(),
    find: (db, collection, filter) =>
      dbs[db]
        .collection<LegacyDoc>(collection)
        .find(filter as Filter<LegacyDoc>)
        .toArray(),
    async existing(db, collection, ids) {
      if (ids.length === 0) return new Set()
      const found = await dbs[db]
        .collection(collection)
        .find({ _id: { $in: ids } }, { projection: { _id: 1 } })
        .toArray()
      return new Set(found.map((d) => String(d._id)))
    },
    async countBy(db, collection, field, ids, filter = {}) {
      const counts = new Map<string, number>()
      if (ids.length === 0) return counts
      const rows = await dbs[db]
        .collection(collection)
        .aggregate<{ _id: unknown; n: number }>([
          { $match: { ...filter, [field]: { $in: ids } } },
          { $unwind: `$${field}` },
          { $match: { [field]: { $in: ids } } },
          { $group: { _id: `$${field}`, n: { $sum: 1 } } },
        ])
        .toArray()
      for (const row of rows) counts.set(String(row._id), row.n)
      return counts
    },
  }
}
