// readPage and newestFirst against the MongoDB dev server: pages that neither repeat nor skip.
import { MongoClient, ObjectId, type Collection } from 'mongodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMongoDevServer, type MongoDevServer } from '../dev-services/mongo/index'
import { newestFirst, readPage } from './paging'

interface Item {
  _id: ObjectId
  n: number
  kind: 'a' | 'b'
}

let mongo: MongoDevServer
let client: MongoClient
let items: Collection<Item>

beforeAll(async () => {
  mongo = await startMongoDevServer()
  client = await MongoClient.connect(mongo.uri)
  items = client.db('paging_test').collection<Item>('items')
  // Ids grow with n: n = 0 is the oldest.
  await items.insertMany(
    Array.from({ length: 7 }, (_, n) => ({
      _id: ObjectId.createFromTime(1_700_000_000 + n),
      n,
      kind: n % 2 ? 'b' : 'a',
    })),
  )
})

afterAll(async () => {
  await client.close()
  await mongo.close()
})

async function walk(limit: number, kind?: Item['kind']) {
  const pages: number[][] = []
  let before: string | undefined
  do {
    const page = await newestFirst(items, kind ? { kind } : {}, { before, limit })
    pages.push(page.items.map((i) => i.n))
    before = page.nextCursor ?? undefined
  } while (before)
  return pages
}

describe('newestFirst', () => {
  it.each([
    { limit: 3, kind: undefined, pages: [[6, 5, 4], [3, 2, 1], [0]] },
    { limit: 7, kind: undefined, pages: [[6, 5, 4, 3, 2, 1, 0]] },
    {
      limit: 2,
      kind: 'a' as const,
      pages: [
        [6, 4],
        [2, 0],
      ],
    },
  ])('walks every document once, newest first (limit $limit, kind $kind)', async (row) => {
    expect(await walk(row.limit, row.kind)).toEqual(row.pages)
  })

  it('answers no nextCursor when the page is the last one, even when it is full', async () => {
    const page = await newestFirst(items, {}, { limit: 7 })
    expect(page.items).toHaveLength(7)
    expect(page.nextCursor).toBeNull()
  })

  it('makes the cursor with the given encoder', async () => {
    const page = await newestFirst(items, {}, { limit: 2 }, (last) => `n=${last.n}`)
    expect(page.nextCursor).toBe('n=5')
  })
})

describe('readPage', () => {
  it('keeps the find’s own order and answers the cursor of the last item', async () => {
    const page = await readPage(items.find({}).sort({ n: 1 }), 4, (last) => String(last.n))
    expect(page).toEqual({ items: expect.any(Array), nextCursor: '3' })
    expect(page.items.map((i) => i.n)).toEqual([0, 1, 2, 3])
  })
})
