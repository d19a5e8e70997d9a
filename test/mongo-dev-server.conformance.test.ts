// MongoDB dev server conformance, through the official driver only. With MONGODB_URI set it runs
// against that real server (throwaway database) and skips the dev-server-only checks.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  Binary,
  type CommandStartedEvent,
  type CommandSucceededEvent,
  type Db,
  Decimal128,
  type Document,
  Long,
  MongoBulkWriteError,
  MongoClient,
  MongoServerError,
  ObjectId,
} from 'mongodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type MongoDevServer, startMongoDevServer } from '../dev-services/mongo/index.js'

const externalUri = process.env.MONGODB_URI
const devOnly = externalUri ? it.skip : it
const dbName = `conformance_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`

let server: MongoDevServer | undefined
let client: MongoClient
let db: Db
const started: CommandStartedEvent[] = []
const succeeded: CommandSucceededEvent[] = []

beforeAll(async () => {
  if (!externalUri) server = await startMongoDevServer()
  client = new MongoClient(externalUri ?? (server as MongoDevServer).uri, { monitorCommands: true })
  client.on('commandStarted', (e) => started.push(e))
  client.on('commandSucceeded', (e) => succeeded.push(e))
  await client.connect()
  db = client.db(dbName)
})

afterAll(async () => {
  await db?.dropDatabase().catch(() => undefined)
  await client?.close()
  await server?.close()
})

/** Free-form test documents whose _id may be a number or string, not only an ObjectId. */
type Loose = { _id?: string | number | ObjectId; [field: string]: any }

let collCounter = 0
/** A fresh collection per test so tests never see each other's documents. */
function fresh(label: string) {
  return db.collection<Loose>(`${label}_${++collCounter}`)
}

async function rejection(p: Promise<unknown>): Promise<MongoServerError> {
  try {
    await p
  } catch (err) {
    return err as MongoServerError
  }
  throw new Error('expected the operation to fail')
}

describe('handshake and server commands', () => {
  it('answers hello, ping and buildInfo as a session-capable server', async () => {
    const admin = client.db('admin')
    expect((await admin.command({ ping: 1 })).ok).toBe(1)
    const hello = await admin.command({ hello: 1 })
    expect(hello.isWritablePrimary).toBe(true)
    expect(hello.maxWireVersion).toBeGreaterThanOrEqual(17)
    expect(typeof hello.logicalSessionTimeoutMinutes).toBe('number')
    const info = await admin.command({ buildInfo: 1 })
    expect(info.version).toMatch(/^\d+\.\d+/)
  })

  it('connects with a declared serverApi version (OP_MSG handshake)', async () => {
    const versioned = new MongoClient(externalUri ?? (server as MongoDevServer).uri, {
      serverApi: { version: '1' },
    })
    try {
      await versioned.connect()
      expect((await versioned.db('admin').command({ ping: 1 })).ok).toBe(1)
      const coll = versioned.db(dbName).collection('server_api')
      await coll.insertOne({ a: 1 })
      expect(await coll.countDocuments()).toBe(1)
    } finally {
      await versioned.close()
    }
  })

  it('rejects unknown commands with CommandNotFound and keeps the connection usable', async () => {
    const err = await rejection(db.command({ noSuchCommandHere: 1 }))
    expect(err).toBeInstanceOf(MongoServerError)
    expect(err.code).toBe(59)
    expect(err.codeName).toBe('CommandNotFound')
    expect(err.message).toContain("no such command: 'noSuchCommandHere'")
    expect((await db.command({ ping: 1 })).ok).toBe(1)
  })

  it('lists databases including ones with data', async () => {
    await fresh('listdb').insertOne({ x: 1 })
    const { databases } = await client.db('admin').admin().listDatabases()
    expect(databases.map((d) => d.name)).toContain(dbName)
  })
})

describe('CRUD', () => {
  it('generates an ObjectId _id on the server when the driver does not', async () => {
    const coll = fresh('server_id')
    await coll.insertOne({ a: 1 }, { forceServerObjectId: true })
    const doc = await coll.findOne({ a: 1 })
    expect(doc?._id).toBeInstanceOf(ObjectId)
    expect(Object.keys(doc ?? {})[0]).toBe('_id')
  })

  it('insertOne returns the driver-generated id and findOne finds it', async () => {
    const coll = fresh('insert_one')
    const { insertedId } = await coll.insertOne({ name: 'ada' })
    expect(insertedId).toBeInstanceOf(ObjectId)
    expect(await coll.findOne({ _id: insertedId })).toEqual({ _id: insertedId, name: 'ada' })
  })

  it('find applies filter, projection, sort, skip and limit', async () => {
    const coll = fresh('find_opts')
    await coll.insertMany(
      Array.from({ length: 10 }, (_, i) => ({ _id: i, n: i, even: i % 2 === 0, tag: `t${i}` })),
    )
    const docs = await coll
      .find({ even: true }, { projection: { _id: 0, n: 1 } })
      .sort({ n: -1 })
      .skip(1)
      .limit(3)
      .toArray()
    expect(docs).toEqual([{ n: 6 }, { n: 4 }, { n: 2 }])
    const excluded = await coll.findOne({ _id: 3 }, { projection: { tag: 0, even: 0 } })
    expect(excluded).toEqual({ _id: 3, n: 3 })
  })

  it('supports common query operators ($in, $nin, $exists, $regex, $or, $elemMatch, dotted paths)', async () => {
    const coll = fresh('query_ops')
    await coll.insertMany([
      { _id: 1, name: 'alpha', tags: ['a', 'b'], meta: { score: 5 }, items: [{ k: 1, v: 'x' }] },
      { _id: 2, name: 'beta', tags: ['c'], meta: { score: 9 }, items: [{ k: 2, v: 'y' }] },
      { _id: 3, name: 'gamma', meta: { score: 1 } },
    ])
    const ids = async (filter: Document) =>
      (await coll.find(filter).sort({ _id: 1 }).toArray()).map((d) => d._id)
    expect(await ids({ tags: { $in: ['b', 'c'] } })).toEqual([1, 2])
    expect(await ids({ tags: { $nin: ['a'] } })).toEqual([2, 3])
    expect(await ids({ tags: { $exists: false } })).toEqual([3])
    expect(await ids({ name: { $regex: '^(al|ga)' } })).toEqual([1, 3])
    expect(await ids({ name: /ETA/i })).toEqual([2])
    expect(await ids({ $or: [{ 'meta.score': { $gt: 8 } }, { name: 'gamma' }] })).toEqual([2, 3])
    expect(await ids({ items: { $elemMatch: { k: 2, v: 'y' } } })).toEqual([2])
    expect(await ids({ tags: 'a' })).toEqual([1])
    expect(await ids({ 'items.k': 1 })).toEqual([1])
  })

  it('round-trips BSON types exactly', async () => {
    const coll = fresh('bson_types')
    const doc = {
      _id: new ObjectId(),
      date: new Date('2024-05-06T07:08:09.123Z'),
      long: Long.fromString('9007199254740993'),
      smallLong: Long.fromNumber(42),
      decimal: Decimal128.fromString('1234.5678'),
      binary: new Binary(Buffer.from([1, 2, 3, 250]), 0),
      nested: { a: [1, { b: null }], c: 'str' },
      nothing: null,
      flag: true,
      double: 1.5,
    }
    await coll.insertOne(doc)
    const back = await coll.findOne(
      { _id: doc._id },
      { promoteLongs: false, promoteBuffers: false },
    )
    expect((back?._id as ObjectId).toHexString()).toBe(doc._id.toHexString())
    expect(back?.date).toEqual(doc.date)
    expect(Long.isLong(back?.long) && back?.long.toString()).toBe('9007199254740993')
    expect(Long.isLong(back?.smallLong) && back?.smallLong.toNumber()).toBe(42)
    expect(back?.decimal).toBeInstanceOf(Decimal128)
    expect(back?.decimal.toString()).toBe('1234.5678')
    expect(Buffer.from((back?.binary as Binary).buffer).toString('hex')).toBe('010203fa')
    expect(back?.nested).toEqual({ a: [1, { b: null }], c: 'str' })
    expect(back?.nothing).toBeNull()
    expect(back?.double).toBe(1.5)
  })

  it('matches and sorts Long and Decimal128 values numerically', async () => {
    const coll = fresh('wide_numbers')
    await coll.insertMany([
      { _id: 1, n: Long.fromNumber(10) },
      { _id: 2, n: 9 },
      { _id: 3, n: Decimal128.fromString('9.5') },
    ])
    expect(
      (
        await coll
          .find({ n: { $gt: 9 } })
          .sort({ n: 1 })
          .toArray()
      ).map((d) => d._id),
    ).toEqual([3, 1])
    expect((await coll.findOne({ n: 10 }))?._id).toBe(1)
    await coll.updateOne({ _id: 1 }, { $inc: { n: 5 } })
    const updated = await coll.findOne({ _id: 1 }, { promoteLongs: false })
    expect(Long.isLong(updated?.n) && updated?.n.toNumber()).toBe(15)
  })

  it('updateOne and updateMany report matched and modified counts', async () => {
    const coll = fresh('update_counts')
    await coll.insertMany([
      { _id: 1, g: 'a', v: 1 },
      { _id: 2, g: 'a', v: 2 },
      { _id: 3, g: 'b', v: 2 },
    ])
    const one = await coll.updateOne({ g: 'a' }, { $set: { v: 2 } })
    expect(one.matchedCount).toBe(1)
    const many = await coll.updateMany({ v: 2 }, { $set: { v: 2, seen: true } })
    expect(many.matchedCount).toBe(3)
    expect(many.modifiedCount).toBe(3)
    const noop = await coll.updateMany({ g: 'a' }, { $set: { seen: true } })
    expect(noop.matchedCount).toBe(2)
    expect(noop.modifiedCount).toBe(0)
    const none = await coll.updateOne({ g: 'zzz' }, { $set: { v: 9 } })
    expect(none.matchedCount).toBe(0)
    expect(none.upsertedCount).toBe(0)
  })

  it('replaceOne swaps the whole document and keeps _id', async () => {
    const coll = fresh('replace')
    await coll.insertOne({ _id: 7, a: 1, b: 2 })
    const res = await coll.replaceOne({ _id: 7 }, { c: 3 })
    expect(res.modifiedCount).toBe(1)
    expect(await coll.findOne({ _id: 7 })).toEqual({ _id: 7, c: 3 })
    const err = await rejection(coll.replaceOne({ _id: 7 }, { _id: 8, c: 4 }))
    expect(err.code).toBe(66)
  })

  it('deleteOne removes one match and deleteMany removes all', async () => {
    const coll = fresh('delete')
    await coll.insertMany([{ k: 1 }, { k: 1 }, { k: 1 }, { k: 2 }])
    expect((await coll.deleteOne({ k: 1 })).deletedCount).toBe(1)
    expect((await coll.deleteMany({ k: 1 })).deletedCount).toBe(2)
    expect((await coll.deleteMany({ k: 99 })).deletedCount).toBe(0)
    expect(await coll.countDocuments()).toBe(1)
  })

  it('returned documents are copies: mutating one does not change the store', async () => {
    const coll = fresh('isolation')
    await coll.insertOne({ _id: 1, list: [1, 2], sub: { a: 1 } })
    const doc = await coll.findOne({ _id: 1 })
    ;(doc?.list as number[]).push(3)
    doc!.sub.a = 99
    expect(await coll.findOne({ _id: 1 })).toEqual({ _id: 1, list: [1, 2], sub: { a: 1 } })
  })

  it('answers bad filter operators with an error reply and keeps serving', async () => {
    const coll = fresh('bad_filter')
    await coll.insertOne({ a: 1 })
    const err = await rejection(coll.find({ a: { $notAnOperator: 1 } }).toArray())
    expect(err).toBeInstanceOf(MongoServerError)
    expect(err.code).toBe(2)
    expect(await coll.countDocuments({ a: 1 })).toBe(1)
  })
})

describe('update operators', () => {
  it('$set $unset $inc $mul $min $max $rename $currentDate', async () => {
    const coll = fresh('ops_scalar')
    await coll.insertOne({ _id: 1, a: 1, b: 2, c: 10, d: 5, e: 5, old: 'x', gone: true })
    await coll.updateOne(
      { _id: 1 },
      {
        $set: { a: 'set', 'nested.deep': 1 },
        $unset: { gone: '' },
        $inc: { b: 3, fresh: 2 },
        $mul: { c: 1.5 },
        $min: { d: 2 },
        $max: { e: 9 },
        $rename: { old: 'renamed' },
        $currentDate: { touched: true },
      },
    )
    const doc = await coll.findOne({ _id: 1 })
    expect(doc).toMatchObject({
      a: 'set',
      nested: { deep: 1 },
      b: 5,
      fresh: 2,
      c: 15,
      d: 2,
      e: 9,
      renamed: 'x',
    })
    expect(doc).not.toHaveProperty('gone')
    expect(doc).not.toHaveProperty('old')
    expect(doc?.touched).toBeInstanceOf(Date)
    expect(Math.abs(Date.now() - (doc?.touched as Date).getTime())).toBeLessThan(60_000)
  })

  it('$push with $each, $position, $sort and $slice', async () => {
    const coll = fresh('ops_push')
    await coll.insertOne({ _id: 1, xs: [5, 1], ys: [1, 2, 3] })
    await coll.updateOne({ _id: 1 }, {
      $push: { xs: { $each: [4, 9, 2], $sort: 1, $slice: 4 } },
    } as Document)
    await coll.updateOne({ _id: 1 }, { $push: { ys: { $each: [0], $position: 0 } } } as Document)
    await coll.updateOne({ _id: 1 }, { $push: { zs: 'first' } } as Document)
    expect(await coll.findOne({ _id: 1 })).toEqual({
      _id: 1,
      xs: [1, 2, 4, 5],
      ys: [0, 1, 2, 3],
      zs: ['first'],
    })
  })

  it('$pull, $pullAll, $addToSet with $each and $pop', async () => {
    const coll = fresh('ops_arrays')
    await coll.insertOne({
      _id: 1,
      a: [1, 2, 3, 2],
      b: [1, 2, 3],
      c: ['x'],
      d: [1, 2, 3],
      e: [{ k: 1 }, { k: 2 }],
    })
    await coll.updateOne({ _id: 1 }, {
      $pull: { a: 2, e: { k: 2 } },
      $pullAll: { b: [1, 3] },
      $addToSet: { c: { $each: ['x', 'y', 'y'] } },
      $pop: { d: -1 },
    } as Document)
    expect(await coll.findOne({ _id: 1 })).toEqual({
      _id: 1,
      a: [1, 3],
      b: [2],
      c: ['x', 'y'],
      d: [2, 3],
      e: [{ k: 1 }],
    })
    await coll.updateOne({ _id: 1 }, {
      $pull: { a: { $gte: 3 } },
      $addToSet: { c: 'x' },
    } as Document)
    expect(await coll.findOne({ _id: 1 })).toMatchObject({ a: [1], c: ['x', 'y'] })
  })

  it('positional $ updates the first matching element', async () => {
    const coll = fresh('ops_positional')
    await coll.insertOne({
      _id: 1,
      grades: [80, 85, 90],
      items: [
        { sku: 'a', q: 1 },
        { sku: 'b', q: 1 },
      ],
    })
    await coll.updateOne({ _id: 1, grades: 85 }, { $set: { 'grades.$': 86 } })
    await coll.updateOne({ _id: 1, 'items.sku': 'b' }, { $inc: { 'items.$.q': 4 } })
    expect(await coll.findOne({ _id: 1 })).toEqual({
      _id: 1,
      grades: [80, 86, 90],
      items: [
        { sku: 'a', q: 1 },
        { sku: 'b', q: 5 },
      ],
    })
  })

  it('$[] updates every element and $[id] only those matching arrayFilters', async () => {
    const coll = fresh('ops_all_positional')
    await coll.insertOne({
      _id: 1,
      xs: [1, 2, 3],
      rows: [
        { t: 'a', n: 1 },
        { t: 'b', n: 2 },
        { t: 'a', n: 3 },
      ],
    })
    await coll.updateOne({ _id: 1 }, { $inc: { 'xs.$[]': 10 } })
    await coll.updateOne(
      { _id: 1 },
      { $set: { 'rows.$[r].n': 0 } },
      { arrayFilters: [{ 'r.t': 'a' }] },
    )
    expect(await coll.findOne({ _id: 1 })).toEqual({
      _id: 1,
      xs: [11, 12, 13],
      rows: [
        { t: 'a', n: 0 },
        { t: 'b', n: 2 },
        { t: 'a', n: 0 },
      ],
    })
  })

  it('upsert inserts with $setOnInsert once and later updates leave those fields alone', async () => {
    const coll = fresh('ops_upsert')
    const first = await coll.updateOne(
      { email: 'u@x.io' },
      { $set: { seen: 1 }, $setOnInsert: { createdBy: 'upsert' } },
      { upsert: true },
    )
    expect(first.upsertedCount).toBe(1)
    expect(first.upsertedId).toBeInstanceOf(ObjectId)
    const second = await coll.updateOne(
      { email: 'u@x.io' },
      { $set: { seen: 2 }, $setOnInsert: { createdBy: 'changed' } },
      { upsert: true },
    )
    expect(second.upsertedCount).toBe(0)
    expect(second.matchedCount).toBe(1)
    const doc = await coll.findOne({ email: 'u@x.io' }, { projection: { _id: 0 } })
    expect(doc).toEqual({ email: 'u@x.io', seen: 2, createdBy: 'upsert' })
  })

  it('upsert with a replacement document and an _id in the filter', async () => {
    const coll = fresh('ops_upsert_replace')
    const res = await coll.replaceOne({ _id: 'fixed' } as Document, { v: 1 }, { upsert: true })
    expect(res.upsertedId).toBe('fixed')
    expect(await coll.findOne({ _id: 'fixed' })).toEqual({ _id: 'fixed', v: 1 })
  })

  it('pipeline-style updates', async () => {
    const coll = fresh('ops_pipeline')
    await coll.insertOne({ _id: 1, a: 2, b: 3 })
    await coll.updateOne({ _id: 1 }, [{ $set: { sum: { $add: ['$a', '$b'] } } }, { $unset: 'b' }])
    expect(await coll.findOne({ _id: 1 })).toEqual({ _id: 1, a: 2, sum: 5 })
  })

  it('rejects unknown modifiers and type errors with error replies', async () => {
    const coll = fresh('ops_errors')
    await coll.insertOne({ _id: 1, s: 'text' })
    const unknown = await rejection(coll.updateOne({ _id: 1 }, { $frobnicate: { s: 1 } }))
    expect(unknown.code).toBe(9)
    const typed = await rejection(coll.updateOne({ _id: 1 }, { $inc: { s: 1 } }))
    expect(typed.code).toBe(14)
    const immutable = await rejection(coll.updateOne({ _id: 1 }, { $set: { _id: 2 } }))
    expect(immutable.code).toBe(66)
    expect(await coll.findOne({ _id: 1 })).toEqual({ _id: 1, s: 'text' })
  })
})

describe('findAndModify', () => {
  it('findOneAndUpdate returns the document before or after, honouring sort and projection', async () => {
    const coll = fresh('fam_update')
    await coll.insertMany([
      { _id: 1, q: 'x', n: 1 },
      { _id: 2, q: 'x', n: 2 },
    ])
    const before = await coll.findOneAndUpdate({ q: 'x' }, { $inc: { n: 10 } }, { sort: { n: -1 } })
    expect(before).toEqual({ _id: 2, q: 'x', n: 2 })
    const after = await coll.findOneAndUpdate(
      { q: 'x' },
      { $inc: { n: 10 } },
      { sort: { n: 1 }, returnDocument: 'after', projection: { _id: 0, n: 1 } },
    )
    expect(after).toEqual({ n: 11 })
    expect(await coll.findOneAndUpdate({ q: 'none' }, { $set: { n: 0 } })).toBeNull()
  })

  it('findOneAndUpdate with upsert reports the upsert in the metadata', async () => {
    const coll = fresh('fam_upsert')
    const res = await coll.findOneAndUpdate(
      { key: 'k' },
      { $set: { v: 1 }, $setOnInsert: { born: true } },
      { upsert: true, returnDocument: 'after', includeResultMetadata: true },
    )
    expect(res.value).toMatchObject({ key: 'k', v: 1, born: true })
    expect(res.lastErrorObject?.updatedExisting).toBe(false)
    expect(res.lastErrorObject?.upserted).toBeDefined()
    const again = await coll.findOneAndUpdate(
      { key: 'k' },
      { $set: { v: 2 } },
      { upsert: true, includeResultMetadata: true },
    )
    expect(again.lastErrorObject?.updatedExisting).toBe(true)
    expect(again.value).toMatchObject({ v: 1 })
  })

  it('findOneAndDelete and findOneAndReplace', async () => {
    const coll = fresh('fam_delete')
    await coll.insertMany([
      { _id: 1, n: 5 },
      { _id: 2, n: 7 },
    ])
    expect(await coll.findOneAndDelete({}, { sort: { n: -1 } })).toEqual({ _id: 2, n: 7 })
    expect(await coll.countDocuments()).toBe(1)
    const replaced = await coll.findOneAndReplace(
      { _id: 1 },
      { fresh: true },
      { returnDocument: 'after' },
    )
    expect(replaced).toEqual({ _id: 1, fresh: true })
  })
})

describe('counting and distinct', () => {
  it('countDocuments, estimatedDocumentCount and distinct', async () => {
    const coll = fresh('counting')
    await coll.insertMany([
      { c: 'red', tags: ['a', 'b'] },
      { c: 'blue', tags: ['b'] },
      { c: 'red', tags: [] },
      { c: 'green' },
    ])
    expect(await coll.countDocuments()).toBe(4)
    expect(await coll.countDocuments({ c: 'red' })).toBe(2)
    expect(await coll.countDocuments({}, { skip: 1, limit: 2 })).toBe(2)
    expect(await coll.estimatedDocumentCount()).toBe(4)
    expect((await coll.distinct('c')).sort()).toEqual(['blue', 'green', 'red'])
    expect((await coll.distinct('tags')).sort()).toEqual(['a', 'b'])
    expect(await coll.distinct('c', { tags: 'b' })).toHaveLength(2)
    expect(await fresh('missing').estimatedDocumentCount()).toBe(0)
  })
})

describe('aggregation', () => {
  async function seeded() {
    const orders = fresh('agg_orders')
    await orders.insertMany([
      { _id: 1, cust: 'ann', items: ['pen', 'ink'], total: 10 },
      { _id: 2, cust: 'bob', items: ['pad'], total: 5 },
      { _id: 3, cust: 'ann', items: ['pad', 'pen'], total: 7 },
      { _id: 4, cust: 'cid', items: [], total: 1 },
    ])
    return orders
  }

  it('$match $group $sort $skip $limit $project', async () => {
    const orders = await seeded()
    const out = await orders
      .aggregate([
        { $match: { total: { $gte: 5 } } },
        { $group: { _id: '$cust', sum: { $sum: '$total' }, n: { $sum: 1 } } },
        { $sort: { sum: -1 } },
        { $skip: 0 },
        { $limit: 5 },
        { $project: { _id: 0, cust: '$_id', sum: 1, n: 1 } },
      ])
      .toArray()
    expect(out).toEqual([
      { sum: 17, n: 2, cust: 'ann' },
      { sum: 5, n: 1, cust: 'bob' },
    ])
  })

  it('$addFields/$set, $unwind and $count', async () => {
    const orders = await seeded()
    const withTax = await orders
      .aggregate([
        { $match: { _id: 2 } },
        { $addFields: { tax: { $multiply: ['$total', 2] } } },
        { $set: { flag: true } },
      ])
      .toArray()
    expect(withTax).toEqual([
      { _id: 2, cust: 'bob', items: ['pad'], total: 5, tax: 10, flag: true },
    ])
    const unwound = await orders.aggregate([{ $unwind: '$items' }, { $count: 'lines' }]).toArray()
    expect(unwound).toEqual([{ lines: 5 }])
    const byItem = await orders
      .aggregate([
        { $unwind: '$items' },
        { $group: { _id: '$items', n: { $sum: 1 } } },
        { $sort: { _id: 1 } },
      ])
      .toArray()
    expect(byItem).toEqual([
      { _id: 'ink', n: 1 },
      { _id: 'pad', n: 2 },
      { _id: 'pen', n: 2 },
    ])
  })

  it('$lookup with localField/foreignField and with a pipeline', async () => {
    const orders = await seeded()
    const customers = fresh('agg_customers')
    await customers.insertMany([
      { _id: 'ann', city: 'Oslo' },
      { _id: 'bob', city: 'Rome' },
    ])
    const joined = await orders
      .aggregate([
        { $match: { _id: { $in: [1, 2] } } },
        {
          $lookup: {
            from: customers.collectionName,
            localField: 'cust',
            foreignField: '_id',
            as: 'who',
          },
        },
        { $project: { _id: 1, city: { $first: '$who.city' } } },
        { $sort: { _id: 1 } },
      ])
      .toArray()
    expect(joined).toEqual([
      { _id: 1, city: 'Oslo' },
      { _id: 2, city: 'Rome' },
    ])
    const viaPipeline = await customers
      .aggregate([
        { $match: { _id: 'ann' } },
        {
          $lookup: {
            from: orders.collectionName,
            let: { c: '$_id' },
            pipeline: [{ $match: { $expr: { $eq: ['$cust', '$$c'] } } }, { $project: { _id: 1 } }],
            as: 'orders',
          },
        },
      ])
      .toArray()
    expect(viaPipeline[0]?.orders.map((o: Document) => o._id).sort()).toEqual([1, 3])
  })

  it('$facet runs sub-pipelines over the same input', async () => {
    const orders = await seeded()
    const [facets] = await orders
      .aggregate([
        {
          $facet: {
            big: [{ $match: { total: { $gt: 6 } } }, { $count: 'n' }],
            names: [{ $group: { _id: null, all: { $addToSet: '$cust' } } }],
          },
        },
      ])
      .toArray()
    expect(facets?.big).toEqual([{ n: 2 }])
    expect([...facets!.names[0].all].sort()).toEqual(['ann', 'bob', 'cid'])
  })

  it('groups by $dateToString day with $cond counts, $ifNull on missing fields and $round', async () => {
    const events = fresh('agg_days')
    await events.insertMany([
      { kind: 'in', at: new Date('2025-03-01T23:59:59.999Z'), done: new Date() },
      { kind: 'in', at: new Date('2025-03-02T00:00:00.000Z') },
      { kind: 'out', at: new Date('2025-03-02T10:00:00.000Z') },
    ])
    const days = await events
      .aggregate([
        {
          $group: {
            _id: { $dateToString: { format: '%Y-%m-%d', date: '$at' } },
            ins: { $sum: { $cond: [{ $eq: ['$kind', 'in'] }, 1, 0] } },
            done: { $sum: { $cond: [{ $ifNull: ['$done', false] }, 1, 0] } },
            n: { $sum: 1 },
          },
        },
        { $sort: { _id: 1 } },
        {
          $project: {
            _id: 0,
            day: '$_id',
            ins: 1,
            done: 1,
            share: { $round: [{ $divide: ['$ins', 3] }, 4] },
          },
        },
      ])
      .toArray()
    expect(days).toEqual([
      { day: '2025-03-01', ins: 1, done: 1, share: 0.3333 },
      { day: '2025-03-02', ins: 1, done: 0, share: 0.3333 },
    ])
  })

  it('$lookup with let/pipeline ending in $count, and $addToSet/$size inside $facet', async () => {
    const people = fresh('agg_people')
    const marks = fresh('agg_marks')
    await people.insertMany([{ _id: 'ann' }, { _id: 'bob' }, { _id: 'cid' }])
    await marks.insertMany([
      { who: 'ann', ok: true },
      { who: 'ann', ok: true },
      { who: 'bob', ok: false },
      { who: 'bob', ok: true },
    ])
    const counted = await people
      .aggregate([
        {
          $lookup: {
            from: marks.collectionName,
            let: { id: '$_id' },
            pipeline: [
              { $match: { $expr: { $eq: ['$who', '$$id'] } } },
              { $match: { ok: true } },
              { $count: 'n' },
            ],
            as: 'ok',
          },
        },
        { $project: { n: { $ifNull: [{ $first: '$ok.n' }, 0] } } },
        { $sort: { _id: 1 } },
      ])
      .toArray()
    expect(counted).toEqual([
      { _id: 'ann', n: 2 },
      { _id: 'bob', n: 1 },
      { _id: 'cid', n: 0 },
    ])
    const [facets] = await marks
      .aggregate([
        {
          $facet: {
            totals: [
              { $group: { _id: null, who: { $addToSet: '$who' }, rows: { $sum: 1 } } },
              { $project: { _id: 0, people: { $size: '$who' }, rows: 1 } },
            ],
          },
        },
      ])
      .toArray()
    expect(facets?.totals).toEqual([{ people: 2, rows: 4 }])
  })

  it('$out replaces a collection and $merge upserts into one', async () => {
    const orders = await seeded()
    const target = `agg_out_${++collCounter}`
    await orders
      .aggregate([{ $match: { cust: 'ann' } }, { $project: { total: 1 } }, { $out: target }])
      .toArray()
    expect(await db.collection(target).find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, total: 10 },
      { _id: 3, total: 7 },
    ])
    await orders
      .aggregate([
        { $match: { _id: { $in: [3, 4] } } },
        { $project: { cust: 1 } },
        { $merge: { into: target } },
      ])
      .toArray()
    expect(await db.collection(target).find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, total: 10 },
      { _id: 3, total: 7, cust: 'ann' },
      { _id: 4, cust: 'cid' },
    ])
  })

  it('rejects unknown stages with an error reply', async () => {
    const orders = await seeded()
    const err = await rejection(orders.aggregate([{ $notAStage: {} }]).toArray())
    expect(err).toBeInstanceOf(MongoServerError)
    expect(err.code).toBe(40324)
  })
})

describe('cursors', () => {
  it('delivers a large result over several getMore batches', async () => {
    const coll = fresh('cursor_batches')
    await coll.insertMany(Array.from({ length: 250 }, (_, i) => ({ i })))
    const before = started.filter((e) => e.commandName === 'getMore').length
    const docs = await coll.find({}, { batchSize: 50 }).sort({ i: 1 }).toArray()
    const getMores = started.filter((e) => e.commandName === 'getMore').length - before
    expect(docs).toHaveLength(250)
    expect(docs.map((d) => d.i)).toEqual(Array.from({ length: 250 }, (_, i) => i))
    expect(getMores).toBeGreaterThanOrEqual(4)
    const find = succeeded.filter((e) => e.commandName === 'find').at(-1)?.reply as Document
    expect(Long.isLong(find.cursor.id) || typeof find.cursor.id === 'bigint').toBe(true)
  })

  it('aggregate returns a cursor that honours batchSize', async () => {
    const coll = fresh('cursor_agg')
    await coll.insertMany(Array.from({ length: 30 }, (_, i) => ({ i })))
    const before = started.filter((e) => e.commandName === 'getMore').length
    const docs = await coll.aggregate([{ $match: { i: { $gte: 0 } } }], { batchSize: 7 }).toArray()
    expect(docs).toHaveLength(30)
    expect(
      started.filter((e) => e.commandName === 'getMore').length - before,
    ).toBeGreaterThanOrEqual(4)
  })

  it('closing a cursor early kills it on the server', async () => {
    const coll = fresh('cursor_kill')
    await coll.insertMany(Array.from({ length: 40 }, (_, i) => ({ i })))
    const cursor = coll.find({}, { batchSize: 10 })
    await cursor.next()
    const id = cursor.id as Long
    expect(id.isZero()).toBe(false)
    await cursor.close()
    expect(started.some((e) => e.commandName === 'killCursors')).toBe(true)
    const err = await rejection(db.command({ getMore: id, collection: coll.collectionName }))
    expect(err.code).toBe(43)
  })

  it('limit and singleBatch-style negative limits close the cursor', async () => {
    const coll = fresh('cursor_limit')
    await coll.insertMany(Array.from({ length: 20 }, (_, i) => ({ i })))
    expect(await coll.find().limit(5).toArray()).toHaveLength(5)
    const cursor = coll.find().limit(-3)
    expect(await cursor.toArray()).toHaveLength(3)
  })
})

describe('indexes', () => {
  it('creates, lists and drops indexes; _id_ always exists and cannot be dropped', async () => {
    const coll = fresh('idx_basic')
    await coll.insertOne({ a: 1, b: 1 })
    expect(await coll.createIndex({ a: 1 })).toBe('a_1')
    expect(await coll.createIndex({ a: 1, b: -1 }, { name: 'ab' })).toBe('ab')
    const names = (await coll.listIndexes().toArray()).map((i) => i.name).sort()
    expect(names).toEqual(['_id_', 'a_1', 'ab'])
    await coll.dropIndex('a_1')
    expect((await coll.listIndexes().toArray()).map((i) => i.name).sort()).toEqual(['_id_', 'ab'])
    const err = await rejection(coll.dropIndex('_id_'))
    expect(err.code).toBe(72)
    const missing = await rejection(coll.dropIndex('nope_1'))
    expect(missing.code).toBe(27)
    await coll.dropIndexes()
    expect((await coll.listIndexes().toArray()).map((i) => i.name)).toEqual(['_id_'])
  })

  it('a unique index rejects duplicates with the exact E11000 error shape', async () => {
    const coll = fresh('idx_unique')
    await coll.createIndex({ email: 1 }, { unique: true })
    await coll.insertOne({ email: 'a@b.c' })
    const err = await rejection(coll.insertOne({ email: 'a@b.c' }))
    expect(err).toBeInstanceOf(MongoServerError)
    expect(err.code).toBe(11000)
    expect(err.message).toBe(
      `E11000 duplicate key error collection: ${dbName}.${coll.collectionName} index: email_1 dup key: { email: "a@b.c" }`,
    )
    expect(err.keyPattern).toEqual({ email: 1 })
    expect(err.keyValue).toEqual({ email: 'a@b.c' })
  })

  it('duplicate _id fails with 11000 on the _id_ index', async () => {
    const coll = fresh('idx_dup_id')
    await coll.insertOne({ _id: 5 })
    const err = await rejection(coll.insertOne({ _id: 5 }))
    expect(err.code).toBe(11000)
    expect(err.message).toContain('index: _id_ dup key: { _id: 5 }')
    expect(err.keyPattern).toEqual({ _id: 1 })
    expect(err.keyValue).toEqual({ _id: 5 })
  })

  it('updates and findAndModify that would duplicate a unique key fail with 11000', async () => {
    const coll = fresh('idx_unique_update')
    await coll.createIndex({ u: 1 }, { unique: true })
    await coll.insertMany([{ u: 1 }, { u: 2 }])
    const upd = await rejection(coll.updateOne({ u: 2 }, { $set: { u: 1 } }))
    expect(upd.code).toBe(11000)
    expect(upd.keyValue).toEqual({ u: 1 })
    const fam = await rejection(coll.findOneAndUpdate({ u: 2 }, { $set: { u: 1 } }))
    expect(fam).toBeInstanceOf(MongoServerError)
    expect(fam.code).toBe(11000)
    expect(fam.keyPattern).toEqual({ u: 1 })
    expect(await coll.countDocuments({ u: 2 })).toBe(1)
  })

  it('creating a unique index over existing duplicates fails with 11000', async () => {
    const coll = fresh('idx_unique_existing')
    await coll.insertMany([{ k: 'x' }, { k: 'x' }])
    const err = await rejection(coll.createIndex({ k: 1 }, { unique: true }))
    expect(err.code).toBe(11000)
    expect((await coll.listIndexes().toArray()).map((i) => i.name)).toEqual(['_id_'])
  })

  it('sparse unique indexes ignore missing fields; non-sparse ones treat missing as null', async () => {
    const sparse = fresh('idx_sparse')
    await sparse.createIndex({ s: 1 }, { unique: true, sparse: true })
    await sparse.insertMany([{ other: 1 }, { other: 2 }, { s: 'v' }])
    expect((await rejection(sparse.insertOne({ s: 'v' }))).code).toBe(11000)
    const dense = fresh('idx_dense')
    await dense.createIndex({ s: 1 }, { unique: true })
    await dense.insertOne({ other: 1 })
    const err = await rejection(dense.insertOne({ other: 2 }))
    expect(err.code).toBe(11000)
    expect(err.keyValue).toEqual({ s: null })
  })

  it('compound unique indexes only reject equal combinations', async () => {
    const coll = fresh('idx_compound')
    await coll.createIndex({ a: 1, b: 1 }, { unique: true })
    await coll.insertMany([
      { a: 1, b: 1 },
      { a: 1, b: 2 },
      { a: 2, b: 1 },
    ])
    const err = await rejection(coll.insertOne({ a: 1, b: 2 }))
    expect(err.code).toBe(11000)
    expect(err.keyPattern).toEqual({ a: 1, b: 1 })
    expect(err.keyValue).toEqual({ a: 1, b: 2 })
    expect(err.message).toContain('index: a_1_b_1 dup key: { a: 1, b: 2 }')
  })

  it('partial unique indexes only constrain documents matching the filter', async () => {
    const coll = fresh('idx_partial')
    await coll.createIndex({ code: 1 }, { unique: true, partialFilterExpression: { active: true } })
    await coll.insertMany([
      { code: 'x', active: false },
      { code: 'x', active: false },
      { code: 'x', active: true },
    ])
    expect((await rejection(coll.insertOne({ code: 'x', active: true }))).code).toBe(11000)
  })

  it('TTL indexes expire documents past expireAfterSeconds', async () => {
    const coll = fresh('idx_ttl')
    await coll.createIndex({ at: 1 }, { expireAfterSeconds: 1 })
    const spec = (await coll.listIndexes().toArray()).find((i) => i.name === 'at_1')
    expect(spec?.expireAfterSeconds).toBe(1)
    // mongod's TTL monitor runs every 60 s, so against a real server only the index is checked
    if (externalUri) return
    await coll.insertMany([
      { name: 'old', at: new Date(Date.now() - 10_000) },
      { name: 'future', at: new Date(Date.now() + 3_600_000) },
      { name: 'no-date' },
    ])
    await expect
      .poll(() => coll.countDocuments({ name: 'old' }), { timeout: 4000, interval: 100 })
      .toBe(0)
    expect(
      (await coll.find({}, { projection: { _id: 0, name: 1 } }).toArray())
        .map((d) => d.name)
        .sort(),
    ).toEqual(['future', 'no-date'])
  })
})

describe('bulk writes', () => {
  it('ordered insertMany stops at the first error', async () => {
    const coll = fresh('bulk_ordered')
    const err = (await rejection(
      coll.insertMany([{ _id: 1 }, { _id: 2 }, { _id: 1 }, { _id: 3 }]),
    )) as unknown as MongoBulkWriteError
    expect(err).toBeInstanceOf(MongoBulkWriteError)
    expect(err.code).toBe(11000)
    const writeErrors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors]
    expect(writeErrors).toHaveLength(1)
    expect(writeErrors[0]?.index).toBe(2)
    expect(writeErrors[0]?.code).toBe(11000)
    expect(err.result.insertedCount).toBe(2)
    expect(await coll.countDocuments()).toBe(2)
  })

  it('unordered insertMany continues past errors', async () => {
    const coll = fresh('bulk_unordered')
    const err = (await rejection(
      coll.insertMany([{ _id: 1 }, { _id: 1 }, { _id: 2 }, { _id: 2 }, { _id: 3 }], {
        ordered: false,
      }),
    )) as unknown as MongoBulkWriteError
    expect(err).toBeInstanceOf(MongoBulkWriteError)
    const writeErrors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors]
    expect(writeErrors.map((e) => e.index)).toEqual([1, 3])
    expect(err.result.insertedCount).toBe(3)
    expect(await coll.countDocuments()).toBe(3)
  })

  it('bulkWrite reports inserted, matched, modified, upserted and deleted counts', async () => {
    const coll = fresh('bulk_mixed')
    await coll.insertMany([
      { _id: 1, v: 1 },
      { _id: 2, v: 2 },
    ])
    const res = await coll.bulkWrite([
      { insertOne: { document: { _id: 3, v: 3 } } },
      { updateOne: { filter: { _id: 1 }, update: { $set: { v: 10 } } } },
      { updateMany: { filter: { v: { $gte: 2 } }, update: { $inc: { v: 1 } } } },
      { updateOne: { filter: { _id: 9 }, update: { $set: { v: 9 } }, upsert: true } },
      { replaceOne: { filter: { _id: 2 }, replacement: { v: 20 } } },
      { deleteOne: { filter: { _id: 3 } } },
    ] as never)
    expect(res.insertedCount).toBe(1)
    expect(res.matchedCount).toBe(5)
    expect(res.modifiedCount).toBe(5)
    expect(res.upsertedCount).toBe(1)
    expect(res.upsertedIds).toEqual({ 3: 9 })
    expect(res.deletedCount).toBe(1)
    expect(await coll.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, v: 11 },
      { _id: 2, v: 20 },
      { _id: 9, v: 9 },
    ])
  })
})

describe('collections and databases', () => {
  it('create, listCollections (filter, nameOnly), rename and drop', async () => {
    const name = `coll_admin_${++collCounter}`
    await db.createCollection(name)
    const dup = await rejection(db.createCollection(name))
    expect(dup.code).toBe(48)
    const listed = await db.listCollections({ name }).toArray()
    expect(listed).toHaveLength(1)
    expect(listed[0]).toMatchObject({ name, type: 'collection' })
    const namesOnly = await db.listCollections({}, { nameOnly: true }).toArray()
    expect(namesOnly.map((c) => c.name)).toContain(name)
    await db.renameCollection(name, `${name}_renamed`)
    expect(await db.listCollections({ name }).toArray()).toHaveLength(0)
    expect(await db.collection(`${name}_renamed`).drop()).toBe(true)
    expect(await db.listCollections({ name: `${name}_renamed` }).toArray()).toHaveLength(0)
  })

  it('listIndexes on a missing collection fails with NamespaceNotFound', async () => {
    const err = await rejection(fresh('never_created').listIndexes().toArray())
    expect(err.code).toBe(26)
  })

  it('dropDatabase removes every collection of that database', async () => {
    const other = client.db(`${dbName}_drop`)
    await other.collection('a').insertOne({ x: 1 })
    await other.collection('b').insertOne({ x: 1 })
    await other.dropDatabase()
    expect(await other.listCollections().toArray()).toHaveLength(0)
    const { databases } = await client.db('admin').admin().listDatabases()
    expect(databases.map((d) => d.name)).not.toContain(`${dbName}_drop`)
  })
})

describe('sessions', () => {
  it('a started session can be used for reads and writes', async () => {
    const coll = fresh('session')
    const session = client.startSession()
    try {
      await coll.insertOne({ s: 1 }, { session })
      const docs = await coll.find({ s: 1 }, { session }).toArray()
      expect(docs).toHaveLength(1)
    } finally {
      await session.endSession()
    }
    const lsidSent = started.filter((e) => e.commandName === 'find').some((e) => e.command.lsid)
    expect(lsidSent).toBe(true)
  })

  it('transactions fail on a standalone server', async () => {
    const hello = await client.db('admin').command({ hello: 1 })
    if (hello.setName || hello.msg === 'isdbgrid') return // replica sets and mongos support them
    const coll = fresh('txn')
    const session = client.startSession()
    try {
      // a read, because the driver rewrites this error on writes into a retryWrites hint
      const err = await rejection(
        session.withTransaction(async () => {
          await coll.findOne({}, { session })
        }),
      )
      expect(err.code).toBe(20)
      expect(err.message).toContain('Transaction numbers are only allowed')
    } finally {
      await session.endSession()
    }
  })
})

describe('profiler', () => {
  it('at level 2 records each query with its plan summary in system.profile', async () => {
    const coll = fresh('profiled')
    await coll.insertMany(Array.from({ length: 20 }, (_, i) => ({ n: i, free: i })))
    await coll.createIndex({ n: 1 })
    expect((await db.command({ profile: -1 })).was).toBe(0)
    await db.command({ profile: 2 })
    try {
      await coll.find({ n: 3 }).toArray()
      await coll.find({ free: 3 }).toArray()
      await coll.updateOne({ n: 4 }, { $set: { seen: true } })
    } finally {
      expect((await db.command({ profile: 0 })).was).toBe(2)
    }
    const entries = await db
      .collection('system.profile')
      .find({ ns: `${dbName}.${coll.collectionName}` })
      .toArray()
    const plan = (pred: (e: Document) => boolean) => entries.find(pred)?.planSummary as string
    expect(plan((e) => e.command.filter?.n === 3)).toMatch(/^IXSCAN/)
    expect(plan((e) => e.command.filter?.free === 3)).toBe('COLLSCAN')
    expect(plan((e) => e.op === 'update')).toMatch(/^IXSCAN/)
  })
})

/**
 * A value with every sub-document turned into its [key, value] pairs, so `toEqual` also checks
 * field order (it ignores key order on plain objects).
 */
function ordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(ordered)
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.entries(value).map(([k, v]) => [k, ordered(v)])
  }
  return value
}

function expectOrder(actual: unknown, expected: unknown): void {
  expect(ordered(actual)).toEqual(ordered(expected))
}

// Field order as mongod returns it (classic engine, 7.0+ default for these shapes). The manual
// warns that projection stages may reorder fields (core/document "Document Field Order"), so these
// pin the order the server's executors produce, cited per rule, and avoid $group/$lookup before a
// projection (those pipelines can run in SBE, whose projections order fields differently).
describe('field order', () => {
  const person = {
    _id: 1,
    name: 'ada',
    addr: { zip: '0150', city: 'Oslo', street: 'Gate 1' },
    tags: [
      { k: 'a', v: 1 },
      { k: 'b', v: 2 },
    ],
    z: 3,
  }

  it('find inclusion projections keep the document order, _id first', async () => {
    // projection_node.cpp applyProjections walks the input document, not the specification
    const coll = fresh('order_find_incl')
    await coll.insertOne(person)
    expectOrder(await coll.findOne({ _id: 1 }, { projection: { name: 1, 'addr.city': 1 } }), {
      _id: 1,
      name: 'ada',
      addr: { city: 'Oslo' },
    })
    expectOrder(
      await coll.findOne({ _id: 1 }, { projection: { z: 1, 'addr.city': 1, 'addr.zip': 1 } }),
      { _id: 1, addr: { zip: '0150', city: 'Oslo' }, z: 3 },
    )
    // $slice in an inclusion is the field's inclusion plus an in-place slice (its place holds)
    expectOrder(await coll.findOne({ _id: 1 }, { projection: { tags: { $slice: 1 }, _id: 0 } }), {
      name: 'ada',
      addr: person.addr,
      tags: [{ k: 'a', v: 1 }],
      z: 3,
    })
    expectOrder(
      await coll.findOne({ _id: 1 }, { projection: { z: 1, tags: { $slice: -1 }, name: 1 } }),
      { _id: 1, name: 'ada', tags: [{ k: 'b', v: 2 }], z: 3 },
    )
  })

  it('find $elemMatch projections come after the other included fields', async () => {
    // manual, $elemMatch (projection) "Field Order": returned after the other existing inclusions
    const coll = fresh('order_find_elem')
    await coll.insertOne(person)
    const doc = await coll.findOne(
      { _id: 1 },
      { projection: { tags: { $elemMatch: { k: 'b' } }, z: 1, name: 1 } },
    )
    expectOrder(doc, { _id: 1, name: 'ada', z: 3, tags: [{ k: 'b', v: 2 }] })
  })

  it('find exclusion projections keep the document order', async () => {
    const coll = fresh('order_find_excl')
    await coll.insertOne(person)
    expectOrder(await coll.findOne({ _id: 1 }, { projection: { name: 0, 'addr.zip': 0 } }), {
      _id: 1,
      addr: { city: 'Oslo', street: 'Gate 1' },
      tags: person.tags,
      z: 3,
    })
  })

  it('$project: included fields in document order, then computed ones in spec order', async () => {
    // projection_node.cpp: applyProjections (input order), then applyExpressions (spec order);
    // a computed field is appended even when the input has a field of that name (SERVER-70236)
    const coll = fresh('order_project')
    await coll.insertOne(person)
    const [projected] = await coll
      .aggregate([
        { $match: { _id: 1 } },
        {
          $project: {
            total: { $add: ['$z', 1] },
            z: 1,
            name: 1,
            'addr.city': 1,
            'addr.upper': { $toUpper: '$addr.city' },
            label: { $concat: ['$name', '!'] },
          },
        },
      ])
      .toArray()
    expectOrder(projected, {
      _id: 1,
      name: 'ada',
      addr: { city: 'Oslo', upper: 'OSLO' },
      z: 3,
      total: 4,
      label: 'ada!',
    })
    const [renamed] = await coll
      .aggregate([{ $match: { _id: 1 } }, { $project: { name: { $toUpper: '$name' }, z: 1 } }])
      .toArray()
    expectOrder(renamed, { _id: 1, z: 3, name: 'ADA' })
  })

  it('$addFields/$set replace existing fields in place and append new ones in spec order', async () => {
    // manual, $addFields: "appends new fields to existing documents"; projection_node.cpp
    // applyExpressions sets each field in spec order (in place when it exists), nested the same
    const coll = fresh('order_add_fields')
    await coll.insertOne(person)
    const [added] = await coll
      .aggregate([
        { $match: { _id: 1 } },
        { $addFields: { q: 1, name: 'ADA', 'addr.city': 'Bergen', 'addr.floor': 2, 'm.n': 1 } },
        { $set: { b: true, a: false } },
      ])
      .toArray()
    expectOrder(added, {
      _id: 1,
      name: 'ADA',
      addr: { zip: '0150', city: 'Bergen', street: 'Gate 1', floor: 2 },
      tags: person.tags,
      z: 3,
      q: 1,
      m: { n: 1 },
      b: true,
      a: false,
    })
  })

  it('$group emits _id first, then the accumulators in spec order', async () => {
    // manual, $group: { _id: <expression>, <field1>: { <accumulator1>: <expression1> }, ... }
    const coll = fresh('order_group')
    await coll.insertMany([
      { _id: 1, g: 'x', n: 2 },
      { _id: 2, g: 'x', n: 5 },
    ])
    const [group] = await coll
      .aggregate([{ $group: { z: { $sum: '$n' }, _id: '$g', a: { $max: '$n' } } }])
      .toArray()
    expectOrder(group, { _id: 'x', z: 7, a: 5 })
  })

  it('$bucket and $bucketAuto emit _id first (they run as a $group)', async () => {
    // document_source_bucket.cpp desugars $bucket into $group + $sort; the manual's examples
    // show { _id, count } and { _id: { min, max }, count }
    const coll = fresh('order_bucket')
    await coll.insertMany([
      { _id: 1, n: 2 },
      { _id: 2, n: 5 },
    ])
    const buckets = await coll
      .aggregate([
        {
          $bucket: {
            groupBy: '$n',
            boundaries: [0, 10],
            output: { total: { $sum: '$n' }, count: { $sum: 1 } },
          },
        },
      ])
      .toArray()
    expectOrder(buckets, [{ _id: 0, total: 7, count: 2 }])
    const auto = await coll.aggregate([{ $bucketAuto: { groupBy: '$n', buckets: 1 } }]).toArray()
    expectOrder(auto, [{ _id: { min: 2, max: 5 }, count: 2 }])
  })

  it('$lookup appends a new `as` field and a dotted `as` nests it', async () => {
    // document_source_lookup.cpp sets `as` with setNestedField: appended when new, nested by dots
    const coll = fresh('order_lookup')
    const other = fresh('order_lookup_from')
    await coll.insertOne({ _id: 1, name: 'ada', addr: { city: 'Oslo' }, z: 3 })
    await other.insertOne({ _id: 'o1', who: 1 })
    const lookup = (as: string) => ({
      $lookup: { from: other.collectionName, localField: '_id', foreignField: 'who', as },
    })
    expectOrder(await coll.aggregate([lookup('orders')]).toArray(), [
      { _id: 1, name: 'ada', addr: { city: 'Oslo' }, z: 3, orders: [{ _id: 'o1', who: 1 }] },
    ])
    expectOrder(await coll.aggregate([lookup('addr.orders')]).toArray(), [
      { _id: 1, name: 'ada', addr: { city: 'Oslo', orders: [{ _id: 'o1', who: 1 }] }, z: 3 },
    ])
  })

  it('sorts tie-break deterministically only on a unique field such as _id', async () => {
    // manual, cursor.sort() "Sort Consistency": equal keys may come back in any order; include a
    // unique field (the easiest is _id) for a consistent order. Only that is pinned here.
    const coll = fresh('order_sort')
    await coll.insertMany([
      { _id: 3, g: 'b' },
      { _id: 1, g: 'a' },
      { _id: 4, g: 'a' },
      { _id: 2, g: 'b' },
    ])
    const found = await coll.find({}).sort({ g: 1, _id: -1 }).toArray()
    expect(found.map((d) => d._id)).toEqual([4, 1, 3, 2])
    const aggregated = await coll
      .aggregate([{ $set: { k: { $toUpper: '$g' } } }, { $sort: { k: -1, _id: 1 } }])
      .toArray()
    expect(aggregated.map((d) => d._id)).toEqual([2, 3, 1, 4])
  })

  it('update operators keep existing fields in place and append new ones in name order', async () => {
    // manual, Update Operators "Behavior": fields are processed in lexicographic order (5.0+);
    // manual, Update Documents "Field Order": writes keep the order except _id first and renames
    const coll = fresh('order_update')
    await coll.insertOne({ _id: 1, m: 1, a: { y: 1 } })
    const updated = await coll.findOneAndUpdate(
      { _id: 1 },
      { $set: { z: 1, m: 2, 'n.q': 1, 'n.p': 2, 'a.x': 1, b: { d: 1, c: 2 } }, $inc: { c: 1 } },
      { returnDocument: 'after' },
    )
    expectOrder(updated, {
      _id: 1,
      m: 2,
      a: { y: 1, x: 1 },
      b: { d: 1, c: 2 },
      c: 1,
      n: { p: 2, q: 1 },
      z: 1,
    })
    const unset = await coll.findOneAndUpdate(
      { _id: 1 },
      { $unset: { b: '' } },
      { returnDocument: 'after' },
    )
    expectOrder(unset, { _id: 1, m: 2, a: { y: 1, x: 1 }, c: 1, n: { p: 2, q: 1 }, z: 1 })
    // manual, $rename: it unsets the old name and then $sets the new one, so the field moves
    const renamed = await coll.findOneAndUpdate(
      { _id: 1 },
      { $rename: { m: 'k' } },
      { returnDocument: 'after' },
    )
    expectOrder(renamed, { _id: 1, a: { y: 1, x: 1 }, c: 1, n: { p: 2, q: 1 }, z: 1, k: 2 })
  })

  it('upserts put _id first, then the query equality, then the update fields in name order', async () => {
    // produce_document_for_upsert.cpp: query equalities first, then the update, then _id moved
    // to the front; one equality besides _id, as several come out in no documented order
    const coll = fresh('order_upsert')
    await coll.updateOne(
      { sku: 'p1' },
      { $set: { z: 1, b: 2 }, $setOnInsert: { a: 1 } },
      { upsert: true },
    )
    const doc = await coll.findOne({ sku: 'p1' })
    expectOrder(doc, { _id: doc?._id, sku: 'p1', a: 1, b: 2, z: 1 })
    const withId = await coll.findOneAndUpdate(
      { sku: 'p2', _id: 7 },
      { $set: { y: 1, x: 2 } },
      { upsert: true, returnDocument: 'after' },
    )
    expectOrder(withId, { _id: 7, sku: 'p2', x: 2, y: 1 })
  })

  it('inserts and replacements keep _id first and the rest in the given order', async () => {
    // manual, Update Documents "Field Order": the _id field is always the first field
    const coll = fresh('order_replace')
    await coll.insertOne({ b: 1, _id: 1, a: 2 })
    expectOrder(await coll.findOne({ _id: 1 }), { _id: 1, b: 1, a: 2 })
    await coll.replaceOne({ _id: 1 }, { z: 1, y: 2 })
    expectOrder(await coll.findOne({ _id: 1 }), { _id: 1, z: 1, y: 2 })
    await coll.replaceOne({ _id: 1 }, { x: 1, _id: 1, w: 2 })
    expectOrder(await coll.findOne({ _id: 1 }), { _id: 1, x: 1, w: 2 })
    const piped = await coll.findOneAndUpdate({ _id: 1 }, [{ $set: { w: 3, v: 4 } }], {
      returnDocument: 'after',
    })
    // a pipeline update is $addFields: in place when existing, appended in spec order when new
    expectOrder(piped, { _id: 1, x: 1, w: 3, v: 4 })
  })
})

describe('dev server only', () => {
  devOnly(
    'explain shows IDHACK/IXSCAN for _id and indexed fields and COLLSCAN otherwise',
    async () => {
      const coll = fresh('explain')
      await coll.insertMany(
        Array.from({ length: 200 }, (_, i) => ({
          _id: i,
          email: `u${i}@x.io`,
          n: i % 10,
          free: i,
        })),
      )
      await coll.createIndex({ email: 1 }, { unique: true })
      await coll.createIndex({ n: 1 })
      const plan = async (filter: Document) => {
        const ex = await coll.find(filter).explain('executionStats')
        return { stage: ex.queryPlanner.winningPlan.stage as string, ex }
      }
      expect((await plan({ _id: 42 })).stage).toBe('IDHACK')
      const byEmail = await plan({ email: 'u7@x.io' })
      expect(byEmail.stage).toBe('IXSCAN')
      expect(byEmail.ex.queryPlanner.winningPlan.indexName).toBe('email_1')
      expect(byEmail.ex.executionStats.totalDocsExamined).toBe(1)
      const byIn = await plan({ n: { $in: [1, 2] } })
      expect(byIn.stage).toBe('IXSCAN')
      expect(byIn.ex.executionStats.totalDocsExamined).toBe(40)
      expect((await plan({ n: { $gte: 8 } })).ex.executionStats.totalDocsExamined).toBe(40)
      const scan = await plan({ free: 3 })
      expect(scan.stage).toBe('COLLSCAN')
      expect(scan.ex.executionStats.totalDocsExamined).toBe(200)
      const sorted = await coll.find({}).sort({ email: 1 }).limit(3).explain('executionStats')
      expect(sorted.queryPlanner.winningPlan.stage).toBe('IXSCAN')
      expect(sorted.executionStats.totalDocsExamined).toBe(3)
      const agg = await coll.aggregate([{ $match: { email: 'u9@x.io' } }]).explain()
      expect(agg.queryPlanner.winningPlan.stage).toBe('IXSCAN')
      // a partial index serves queries whose equality predicates satisfy its filter
      await coll.createIndex({ free: 1 }, { partialFilterExpression: { free: { $exists: true } } })
      expect((await plan({ free: 3 })).stage).toBe('IXSCAN')
      expect((await plan({ free: { $gt: 3 } })).stage).toBe('COLLSCAN')
    },
  )

  devOnly('persists data and indexes across restarts of the same dataDir', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mongo-dev-'))
    try {
      const first = await startMongoDevServer({ dataDir: dir })
      const c1 = new MongoClient(first.uri)
      const id = new ObjectId()
      try {
        const coll = c1.db('persist').collection('things')
        await coll.createIndex({ key: 1 }, { unique: true })
        await coll.insertMany([
          {
            _id: id,
            key: 'a',
            when: new Date(1_700_000_000_000),
            big: Long.fromString('9007199254740993'),
          },
          { key: 'b' },
        ])
        await coll.updateOne({ key: 'b' }, { $set: { v: 2 } })
      } finally {
        await c1.close()
        await first.close()
      }
      const second = await startMongoDevServer({ dataDir: dir })
      const c2 = new MongoClient(second.uri)
      try {
        const coll = c2.db('persist').collection('things')
        const a = await coll.findOne({ _id: id }, { promoteLongs: false })
        expect(a?.when).toEqual(new Date(1_700_000_000_000))
        expect(a?.big.toString()).toBe('9007199254740993')
        expect(await coll.findOne({ key: 'b' }, { projection: { _id: 0 } })).toEqual({
          key: 'b',
          v: 2,
        })
        expect((await coll.listIndexes().toArray()).map((i) => i.name).sort()).toEqual([
          '_id_',
          'key_1',
        ])
        expect((await rejection(coll.insertOne({ key: 'a' }))).code).toBe(11000)
      } finally {
        await c2.close()
        await second.close()
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  devOnly('latencyMs delays every reply by at least that long', async () => {
    const latencyMs = 30
    const slow = await startMongoDevServer({ latencyMs })
    const c = new MongoClient(slow.uri)
    try {
      await c.connect()
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now()
        await c.db('admin').command({ ping: 1 })
        expect(performance.now() - t0).toBeGreaterThanOrEqual(latencyMs)
      }
    } finally {
      await c.close()
      await slow.close()
    }
  })
})
