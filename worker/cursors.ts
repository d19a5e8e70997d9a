// Every opaque page cursor the API hands out that is more than a bare id: the encoder a route uses
// for `nextCursor`, and the query schema that decodes it at the edge (decoded-param.ts), so a
// cursor that was not made by the encoder is a 400 VALIDATION_ERROR before any handler runs.
// Cursors of plain ids (posts, notifications, courses, …) are ObjectIdSchema.
import { z } from '@hono/zod-openapi'
import { ObjectId } from 'mongodb'
import { decodedString } from './decoded-param'

const HEX_ID = /^[0-9a-f]{24}$/i
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/
const BASE64URL = /^[A-Za-z0-9_-]*$/
const NOT_A_CURSOR = 'must be the nextCursor of a previous page'
const ISO_INSTANT = z.iso.datetime()

/** Standard base64 (the alphabet only: atob also takes whitespace and stray padding) → text. */
function fromBase64(text: string): string | undefined {
  return BASE64.test(text) && text.length % 4 === 0 ? atob(text) : undefined
}

// Conversations (/api/chat/conversations): base64 of `<lastActivityAt ISO>|<id>`, as the old
// clients already hold them.

export interface ConversationPosition {
  at: Date
  id: ObjectId
}

export const encodeConversationCursor = (last: { lastActivityAt: Date; _id: ObjectId }) =>
  btoa(`${last.lastActivityAt.toISOString()}|${last._id.toHexString()}`)

function decodeConversationCursor(text: string): ConversationPosition | undefined {
  // A client that put the cursor in a URL unencoded had its `+` read as a space.
  const parts = fromBase64(text.replace(/ /g, '+'))?.split('|')
  if (parts?.length !== 2) return undefined
  const [at, id] = parts as [string, string]
  if (!ISO_INSTANT.safeParse(at).success || !HEX_ID.test(id)) return undefined
  return { at: new Date(at), id: new ObjectId(id) }
}

export const ConversationCursorSchema = decodedString({
  max: 200,
  decode: decodeConversationCursor,
  message: NOT_A_CURSOR,
  description: 'The nextCursor of the previous page',
})

// Marketplace listings: base64url of JSON `{ s: sort, i: id, p?: price }`, the sort position of the
// last item, so the next page starts right after it however many documents were inserted meanwhile.

export const SORTS = ['newest', 'price_asc', 'price_desc'] as const
export type Sort = (typeof SORTS)[number]

export interface Position {
  id: ObjectId
  price?: number
}

export interface ListingCursor {
  sort: Sort
  position: Position
}

const ListingJson = z.strictObject({
  s: z.enum(SORTS),
  i: z.string().regex(HEX_ID),
  p: z.number().int().optional(),
})

export function encodeListingCursor(sort: Sort, last: { _id: ObjectId; priceMinor?: number }) {
  const json = JSON.stringify({
    s: sort,
    i: last._id.toHexString(),
    ...(sort === 'newest' ? {} : { p: last.priceMinor }),
  })
  return btoa(json).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function decodeListingCursor(text: string): ListingCursor | undefined {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return undefined
  const parsed = ListingJson.safeParse(JSON.parse(atob(text.replace(/-/g, '+').replace(/_/g, '/'))))
  // A price sort's position needs the price; newest's must not carry one.
  if (!parsed.success || (parsed.data.s !== 'newest') !== (parsed.data.p !== undefined))
    return undefined
  const { s, i, p } = parsed.data
  return { sort: s, position: { id: new ObjectId(i), ...(p === undefined ? {} : { price: p }) } }
}

/** A listing cursor of any sort order: the route checks it against its `sort` parameter. */
export const ListingCursorSchema = decodedString({
  max: 300,
  decode: decodeListingCursor,
  message: NOT_A_CURSOR,
  description: 'The nextCursor of the previous page (of the same sort order)',
})

/** A cursor of a listing always sorted newest first: answers the position. */
export const NewestCursorSchema = decodedString({
  max: 200,
  decode: (text) => {
    const cursor = decodeListingCursor(text)
    return cursor?.sort === 'newest' ? cursor.position : undefined
  },
  message: NOT_A_CURSOR,
  description: 'The nextCursor of the previous page',
})

// Learning activity (/api/users/{userId}/activity): `<epoch ms>.<id>` of the last entry.

export const encodeActivityCursor = (last: { at: Date; _id: ObjectId }) =>
  `${last.at.getTime()}.${last._id.toHexString()}`

export const ActivityCursorSchema = decodedString({
  max: 40,
  pattern: /^\d{1,15}\.[0-9a-f]{24}$/i,
  decode: (text) => {
    const [ms, id] = text.split('.') as [string, string]
    return { at: new Date(Number(ms)), id: new ObjectId(id) }
  },
  message: NOT_A_CURSOR,
})
