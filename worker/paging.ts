// Cursor pages over MongoDB finds: one document read past the page tells whether another follows,
// and the last item of the page is where the next one starts (its `nextCursor`).
import { ObjectId, type Collection, type Filter, type FindCursor, type WithId } from 'mongodb'

export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

export const hexId = (last: { _id: ObjectId }) => last._id.toHexString()

/**
 * A page of a find already filtered to start after the cursor and sorted; `encode` turns the last
 * item into the cursor the client sends back.
 *
 * @example
 * readPage(conversations(db).find(filter).sort({ lastActivityAt: -1, _id: -1 }), 20, encode)
 */
export async function readPage<T>(
  find: FindCursor<T>,
  limit: number,
  encode: (last: T) => string,
): Promise<Page<T>> {
  const page = await find.limit(limit + 1).toArray()
  const items = page.slice(0, limit)
  return { items, nextCursor: page.length > limit ? encode(items.at(-1)!) : null }
}

/**
 * A page of `filter`'s documents newest first, strictly older than `before`. Ids only grow, so the
 * cursor never repeats or skips a document however many are inserted meanwhile. The cursor is the
 * last id in hex unless `encode` says otherwise.
 */
export function newestFirst<T extends { _id: ObjectId }>(
  collection: Collection<T>,
  filter: Filter<T>,
  page: { before?: ObjectId | string; limit: number },
  encode: (last: WithId<T>) => string = hexId,
): Promise<Page<WithId<T>>> {
  const older: Filter<T> = page.before
    ? { ...filter, _id: { $lt: new ObjectId(page.before) } }
    : filter
  return readPage(collection.find(older).sort({ _id: -1 }), page.limit, encode)
}
