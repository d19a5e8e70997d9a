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
  }
}
