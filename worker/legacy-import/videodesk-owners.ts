// Where a Videodesk user's records belong here: the same id, or the Sanora account a proven
// Videodesk account was merged into (`import_id_map`, written by the users step).
import type { Db, ObjectId } from 'mongodb'
import type { LegacySource } from './legacy-source'
import type { Transformed } from './step'

interface IdMapEntry {
  _id: string
  targetId: ObjectId
}

/**
 * For one batch: each owner id that exists in Videodesk's `users`, keyed by its hex, with the
 * account it is now. An id missing from the answer names no Videodesk user (deleted there).
 */
export async function resolveVideodeskOwners(
  ownerIds: ObjectId[],
  source: LegacySource,
  target: Db,
): Promise<Map<string, ObjectId>> {
  const unique = [...new Map(ownerIds.map((id) => [id.toHexString(), id])).values()]
  const resolved = new Map<string, ObjectId>()
  if (unique.length === 0) return resolved
  const existing = await source.existing('videodesk', 'users', unique)
  const merged = await target
    .collection<IdMapEntry>('import_id_map')
    .find({ _id: { $in: unique.map((id) => `videodesk.users:${id.toHexString()}`) } })
    .toArray()
  const mergedInto = new Map(
    merged.map((m) => [m._id.slice('videodesk.users:'.length), m.targetId]),
  )
  for (const id of unique) {
    const hex = id.toHexString()
    if (existing.has(hex)) resolved.set(hex, mergedInto.get(hex) ?? id)
  }
  return resolved
}

/**
 * The account here of a record's Videodesk user (`legacy`, read from the record's `field`), or the
 * record's skip: without a user, or with one Videodesk no longer has (reported as a dangling
 * reference, never invented).
 */
export function videodeskOwnerHere(
  legacy: ObjectId | undefined,
  owners: Map<string, ObjectId>,
  field: 'owner' | 'user',
): { legacy: ObjectId; here: ObjectId } | (Transformed & { skip: string }) {
  if (!legacy) return { skip: `no ${field}`, outputs: [] }
  const here = owners.get(legacy.toHexString())
  if (here) return { legacy, here }
  return {
    skip: `${field} does not exist`,
    outputs: [],
    refs: [{ field, db: 'videodesk', collection: 'users', id: legacy }],
  }
}
