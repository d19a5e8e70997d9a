// Friends and blocks from the users' arrays: one friendship per pair with a derived id, none
// between people who blocked each other, nothing written for someone who does not exist.
import { ObjectId } from 'mongodb'
import { describe, expect, it } from 'vitest'
import type { Fields, LegacyDoc } from '../step'
import { blockId, friendshipId, transformRelations, type Counterparts } from './relations'

const at = new Date('2024-01-01T00:00:00Z')
const user = (fields: Partial<LegacyDoc> = {}): LegacyDoc => ({
  _id: new ObjectId(),
  friends: [],
  blockedUsers: [],
  createdAt: at,
  updatedAt: at,
  ...fields,
})
const others = (...docs: LegacyDoc[]): Counterparts => new Map(docs.map((d) => [String(d._id), d]))
const written = (doc: LegacyDoc, o: Counterparts, collection: string) =>
  transformRelations(doc, o).outputs.flatMap((out) =>
    out.collection === collection && 'document' in out ? [out.document as Fields] : [],
  )

describe('sanora friends and blocks', () => {
  it('writes a mutual friendship once, from the lower id, with an id derived from the pair', () => {
    const [a, b] = [user(), user()].sort((x, y) => String(x._id).localeCompare(String(y._id)))
    a!.friends = [b!._id]
    b!.friends = [a!._id]
    const fromA = written(a!, others(b!), 'friendships')
    expect(fromA).toEqual([
      expect.objectContaining({
        _id: friendshipId(a!._id, b!._id),
        userIds: [a!._id, b!._id],
        status: 'accepted',
      }),
    ])
    expect(written(b!, others(a!), 'friendships')).toEqual([])
  })

  it('writes a one-sided friend from the side that lists it, with a note', () => {
    const [a, b] = [user(), user()]
    b!.friends = [a!._id]
    const out = transformRelations(b!, others(a!))
    expect(out.outputs).toHaveLength(1)
    expect(out.notes?.[0]?.kind).toBe('friend listed on one side only, imported')
  })

  it('makes blocks, and no friendship between people who blocked each other', () => {
    const [a, b] = [user(), user()]
    a!.friends = [b!._id]
    b!.friends = [a!._id]
    b!.blockedUsers = [a!._id]
    expect(written(a!, others(b!), 'friendships')).toEqual([])
    expect(written(b!, others(a!), 'blocks')).toEqual([
      { _id: blockId(b!._id, a!._id), blockerId: b!._id, blockedId: a!._id, createdAt: at },
    ])
  })

  it('reports a friend or blocked user that does not exist and writes nothing for it', () => {
    const gone = new ObjectId()
    const out = transformRelations(user({ friends: [gone], blockedUsers: [gone] }), others())
    expect(out.outputs).toEqual([])
    expect(out.refs?.map((r) => r.field).sort()).toEqual(['blockedUsers', 'friends'])
  })
})
