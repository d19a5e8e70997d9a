// Opaque page cursors for marketplace listings: the sort position of the last item of a page, so
// the next page starts right after it however many documents were inserted meanwhile.
import { z } from '@hono/zod-openapi'
import { ObjectId } from 'mongodb'
import { AppError } from '../errors'

export const SORTS = ['newest', 'price_asc', 'price_desc'] as const
export type Sort = (typeof SORTS)[number]

const CursorSchema = z.strictObject({
  s: z.enum(SORTS),
  i: z.string().regex(/^[0-9a-f]{24}$/),
  p: z.number().int().optional(),
})

export interface Position {
  id: ObjectId
  price?: number
}

export function encodeCursor(sort: Sort, last: { _id: ObjectId; priceMinor?: number }): string {
  const json = JSON.stringify({
    s: sort,
    i: last._id.toHexString(),
    ...(sort === 'newest' ? {} : { p: last.priceMinor }),
  })
  return btoa(json).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** The position a cursor points at; a cursor from another sort order is refused, not misread. */
export function decodeCursor(raw: string, sort: Sort): Position {
  let parsed: z.infer<typeof CursorSchema> | undefined
  try {
    parsed = CursorSchema.parse(JSON.parse(atob(raw.replace(/-/g, '+').replace(/_/g, '/'))))
  } catch {
    parsed = undefined
  }
  if (!parsed || parsed.s !== sort || (sort !== 'newest') !== (parsed.p !== undefined))
    throw new AppError('VALIDATION_ERROR', 'Invalid cursor', [
      { path: 'query.cursor', message: 'not a cursor of this listing and sort order' },
    ])
  return { id: new ObjectId(parsed.i), ...(parsed.p === undefined ? {} : { price: parsed.p }) }
}
