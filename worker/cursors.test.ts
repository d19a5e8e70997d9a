import { ObjectId } from 'mongodb'
import { describe, expect, it } from 'vitest'
import {
  ActivityCursorSchema,
  ConversationCursorSchema,
  ListingCursorSchema,
  NewestCursorSchema,
  encodeActivityCursor,
  encodeConversationCursor,
  encodeListingCursor,
} from './cursors'

const id = new ObjectId()
const at = new Date('2024-05-01T12:34:56.789Z')

// Not base64; a malformed escape as Hono leaves it; base64 of other text; an operator object;
// valid base64 far over any limit.
const UNDECODABLE = ['!!!', '%ff', btoa('not|a cursor'), '{"$gt":""}', 'A'.repeat(4096)]

describe('ConversationCursorSchema', () => {
  it('decodes what encodeConversationCursor made (also with `+` read as a space)', () => {
    const cursor = encodeConversationCursor({ lastActivityAt: at, _id: id })
    expect(ConversationCursorSchema.parse(cursor)).toEqual({ at, id })
    expect(ConversationCursorSchema.parse(cursor.replace(/\+/g, ' '))).toEqual({ at, id })
  })

  it.each([...UNDECODABLE, btoa(`${at.toISOString()}|${id}|x`), btoa(`yesterday|${id}`)])(
    'refuses %s',
    (text) => expect(ConversationCursorSchema.safeParse(text).success).toBe(false),
  )
})

describe('ListingCursorSchema and NewestCursorSchema', () => {
  it('decode what encodeListingCursor made, with its sort order', () => {
    const byPrice = encodeListingCursor('price_asc', { _id: id, priceMinor: 1299 })
    expect(ListingCursorSchema.parse(byPrice)).toEqual({
      sort: 'price_asc',
      position: { id, price: 1299 },
    })
    expect(NewestCursorSchema.parse(encodeListingCursor('newest', { _id: id }))).toEqual({ id })
  })

  it.each([
    ...UNDECODABLE,
    btoa(JSON.stringify({ s: 'price_asc', i: id.toHexString() })).replace(/=+$/, ''),
    btoa(JSON.stringify({ s: 'newest', i: { $gt: '' } })).replace(/=+$/, ''),
  ])('refuse %s', (text) => {
    expect(ListingCursorSchema.safeParse(text).success).toBe(false)
    expect(NewestCursorSchema.safeParse(text).success).toBe(false)
  })

  it('NewestCursorSchema refuses a cursor of a price order', () => {
    const byPrice = encodeListingCursor('price_desc', { _id: id, priceMinor: 5 })
    expect(NewestCursorSchema.safeParse(byPrice).success).toBe(false)
  })
})

describe('ActivityCursorSchema', () => {
  it('decodes what encodeActivityCursor made', () => {
    expect(ActivityCursorSchema.parse(encodeActivityCursor({ at, _id: id }))).toEqual({ at, id })
  })

  it.each([...UNDECODABLE, `${at.getTime()}.zz`])('refuses %s', (text) => {
    expect(ActivityCursorSchema.safeParse(text).success).toBe(false)
  })
})
