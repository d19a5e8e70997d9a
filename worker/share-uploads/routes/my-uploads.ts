// An owner's share-code uploads (/api/v1/uploads): issue a share code for a resident, list,
// search, trash, restore and delete (with the stored files), and the dashboard's new-upload flags.
import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { ObjectId, type Filter } from 'mongodb'
import type { AppEnv } from '../../env'
import { AppError } from '../../errors'
import { createRouter, errorResponses, jsonBody } from '../../openapi'
import { findOwnUpload, uploadKeys, uploadSessions, uploads, type UploadDoc } from '../store'
import { paginationSettingsOf, settingsOf } from '../../account/settings-store'
import {
  AccessCodeSchema,
  HouseSchema,
  PostcodeSchema,
  generateAccessCode,
  normaliseHouse,
  normalisePostcode,
} from '../access-code'
import { uploadPrefixes } from '../files'
import { fullView, summaryView } from '../views'
import { ObjectIdSchema } from '../../../shared/ids'
import { authedRoute } from '../../authed-route'

const TAG = 'My uploads'
const NOT_FOUND = 'Upload not found'
const IdParams = z.object({ id: ObjectIdSchema })
const PageQuery = z.object({
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  limit: z.coerce.number().int().min(1).max(100).optional(),
})

async function ownerDb(c: Context<AppEnv>) {
  return { db: await c.get('services').database.db(), me: c.get('user')._id }
}

/** One page of the owner's uploads; the page size defaults to their pagination setting. */
async function listPage(
  c: Context<AppEnv>,
  filter: Filter<UploadDoc>,
  sort: Record<string, 1 | -1>,
  query: z.infer<typeof PageQuery>,
) {
  const { db } = await ownerDb(c)
  const limit = query.limit ?? paginationSettingsOf(settingsOf(c.get('user'))).uploadsPerPage
  const [items, total] = await Promise.all([
    uploads(db)
      .find(filter)
      .sort(sort)
      .skip((query.page - 1) * limit)
      .limit(limit)
      .toArray(),
    uploads(db).countDocuments(filter),
  ])
  return {
    success: true,
    uploads: items.map(summaryView),
    pagination: { page: query.page, limit, total, pages: Math.ceil(total / limit) },
  }
}

/** The owner's uploads in or out of the trash: the trash lists the most recently trashed first. */
const ownPage = (c: Context<AppEnv>, trashed: boolean, query: z.infer<typeof PageQuery>) =>
  listPage(
    c,
    { ownerId: c.get('user')._id, deleted: trashed },
    trashed ? { deletedAt: -1 } : { createdAt: -1 },
    query,
  )

/**
 * Moves one of the owner's uploads into or out of the trash; an upload not on that side of it is
 * a 404 (with `notFound` as the message).
 */
async function setTrashed(c: Context<AppEnv>, id: string, trashed: boolean, notFound: string) {
  const { db, me } = await ownerDb(c)
  const now = c.get('services').now()
  const res = await uploads(db).updateOne(
    { _id: new ObjectId(id), ownerId: me, deleted: !trashed },
    trashed
      ? { $set: { deleted: true, deletedAt: now, updatedAt: now } }
      : { $set: { deleted: false, updatedAt: now }, $unset: { deletedAt: '' } },
  )
  if (res.matchedCount === 0) throw new AppError('NOT_FOUND', notFound)
}

export const myUploads = createRouter()

myUploads.openapi(
  authedRoute({
    method: 'post',
    path: '/uploads/share-codes',
    tags: [TAG],
    summary: 'Issue a share code for a resident (they also need their house and postcode)',
    request: jsonBody(
      z.strictObject({
        residentName: z.string().trim().min(1).max(100),
        house: HouseSchema,
        postcode: PostcodeSchema,
        email: z.email().max(254).optional(),
        phone: z
          .string()
          .regex(/^\+?[0-9 ]{7,20}$/)
          .optional(),
        reference: z.string().trim().max(100).optional(),
        notes: z.string().trim().max(2000).optional(),
      }),
    ),
    responses: { 201: { description: 'The new share code' } },
  }),
  async (c) => {
    const input = c.req.valid('json')
    const { db, me } = await ownerDb(c)
    const now = c.get('services').now()
    const resident: UploadDoc['resident'] = {
      name: input.residentName,
      house: input.house,
      postcode: input.postcode.toUpperCase(),
    }
    if (input.email) resident.email = input.email
    if (input.phone) resident.phone = input.phone
    if (input.reference) resident.reference = input.reference
    const doc: UploadDoc = {
      _id: new ObjectId(),
      ownerId: me,
      accessCode: generateAccessCode(),
      resident,
      match: { house: normaliseHouse(input.house), postcode: normalisePostcode(input.postcode) },
      images: [],
      videos: [],
      status: 'awaiting',
      accessCount: 0,
      accessHistory: [],
      deleted: false,
      notificationSent: false,
      createdAt: now,
      updatedAt: now,
    }
    if (input.notes) doc.notes = input.notes
    // 2^50 codes make a collision vanishingly rare; the unique index turns one into a retry.
    for (let attempt = 0; ; attempt++) {
      try {
        await uploads(db).insertOne(doc)
        break
      } catch (error) {
        if ((error as { code?: number }).code !== 11000 || attempt >= 2) throw error
        doc.accessCode = generateAccessCode()
      }
    }
    return c.json({ success: true, upload: await fullView(c, doc) }, 201)
  },
)

myUploads.openapi(
  authedRoute({
    method: 'get',
    path: '/uploads/my',
    tags: [TAG],
    summary: 'Your uploads (not in the trash), newest first',
    request: { query: PageQuery },
    responses: { 200: { description: 'A page of uploads' } },
  }),
  async (c) => c.json(await ownPage(c, false, c.req.valid('query')), 200),
)

myUploads.openapi(
  authedRoute({
    method: 'get',
    path: '/uploads/my-latest',
    tags: [TAG],
    summary: 'The upload that most recently received files, or null',
    responses: { 200: { description: 'The latest upload' } },
  }),
  async (c) => {
    const { db, me } = await ownerDb(c)
    const [latest] = await uploads(db)
      .find({ ownerId: me, deleted: false, lastUploadAt: { $exists: true } })
      .sort({ lastUploadAt: -1 })
      .limit(1)
      .toArray()
    return c.json({ success: true, upload: latest ? await fullView(c, latest) : null }, 200)
  },
)

myUploads.openapi(
  authedRoute({
    method: 'get',
    path: '/uploads/trash',
    tags: [TAG],
    summary: 'Your uploads in the trash, most recently trashed first',
    request: { query: PageQuery },
    responses: { 200: { description: 'A page of uploads' } },
  }),
  async (c) => c.json(await ownPage(c, true, c.req.valid('query')), 200),
)

myUploads.openapi(
  authedRoute({
    method: 'get',
    path: '/uploads/notification/check',
    tags: [TAG],
    summary: 'Uploads with files you have not been alerted about yet',
    responses: { 200: { description: 'Unannounced uploads' } },
  }),
  async (c) => {
    const { db, me } = await ownerDb(c)
    const pending = await uploads(db)
      .find({
        ownerId: me,
        notificationSent: false,
        lastUploadAt: { $exists: true },
        deleted: false,
      })
      .sort({ lastUploadAt: -1 })
      .limit(50)
      .toArray()
    return c.json(
      {
        success: true,
        hasNew: pending.length > 0,
        count: pending.length,
        uploads: pending.map(summaryView),
      },
      200,
    )
  },
)

myUploads.openapi(
  authedRoute({
    method: 'post',
    path: '/uploads/notification/mark-sent/{accessCode}',
    tags: [TAG],
    summary: 'Record that you were alerted about an upload',
    request: { params: z.object({ accessCode: AccessCodeSchema }) },
    responses: { 200: { description: 'Marked' }, ...errorResponses(404) },
  }),
  async (c) => {
    const { db, me } = await ownerDb(c)
    const now = c.get('services').now()
    const res = await uploads(db).updateOne(
      { accessCode: c.req.valid('param').accessCode, ownerId: me },
      { $set: { notificationSent: true, notificationSentAt: now, updatedAt: now } },
    )
    if (res.matchedCount === 0) throw new AppError('NOT_FOUND', NOT_FOUND)
    return c.json({ success: true, message: 'Marked as notified' }, 200)
  },
)

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

myUploads.openapi(
  authedRoute({
    method: 'post',
    path: '/uploads/search',
    tags: [TAG],
    summary: 'Search your uploads by resident, house, postcode, reference or code, and dates',
    request: jsonBody(
      z
        .strictObject({
          query: z.string().trim().max(100).optional(),
          postcode: z.string().trim().max(16).optional(),
          status: z.enum(['awaiting', 'received']).optional(),
          from: z.iso.datetime({ offset: true }).optional(),
          to: z.iso.datetime({ offset: true }).optional(),
          deleted: z.boolean().default(false),
          page: z.number().int().min(1).max(10_000).default(1),
          limit: z.number().int().min(1).max(100).optional(),
        })
        // Compared as instants: as text, `…T10:00+05:00` sorts after `…T06:00Z` it precedes.
        .refine((v) => !v.from || !v.to || new Date(v.from) <= new Date(v.to), {
          message: 'must not be after `to`',
          path: ['from'],
        }),
    ),
    responses: { 200: { description: 'A page of matches' } },
  }),
  async (c) => {
    const { query, postcode, status, from, to, deleted, page, limit } = c.req.valid('json')
    const filter: Filter<UploadDoc> = { ownerId: c.get('user')._id, deleted }
    if (query) {
      const re = new RegExp(escapeRegex(query), 'i')
      filter.$or = [
        { 'resident.name': re },
        { 'resident.house': re },
        { 'resident.postcode': re },
        { 'resident.reference': re },
        { accessCode: re },
        { notes: re },
      ]
    }
    if (postcode) filter['match.postcode'] = normalisePostcode(postcode)
    if (status) filter.status = status
    if (from || to) {
      filter.createdAt = {
        ...(from ? { $gte: new Date(from) } : {}),
        ...(to ? { $lte: new Date(to) } : {}),
      }
    }
    return c.json(await listPage(c, filter, { createdAt: -1 }, { page, limit }), 200)
  },
)

myUploads.openapi(
  authedRoute({
    method: 'delete',
    path: '/uploads/{id}',
    tags: [TAG],
    summary: 'Move an upload to the trash (its code stops working)',
    request: { params: IdParams },
    responses: { 200: { description: 'Trashed' }, ...errorResponses(404) },
  }),
  async (c) => {
    await setTrashed(c, c.req.valid('param').id, true, NOT_FOUND)
    return c.json({ success: true, message: 'Moved to trash' }, 200)
  },
)

myUploads.openapi(
  authedRoute({
    method: 'put',
    path: '/uploads/restore/{id}',
    tags: [TAG],
    summary: 'Restore an upload from the trash',
    request: { params: IdParams },
    responses: { 200: { description: 'Restored' }, ...errorResponses(404) },
  }),
  async (c) => {
    await setTrashed(c, c.req.valid('param').id, false, 'Upload not found in the trash')
    return c.json({ success: true, message: 'Restored' }, 200)
  },
)

myUploads.openapi(
  authedRoute({
    method: 'delete',
    path: '/uploads/permanent/{id}',
    tags: [TAG],
    summary: 'Delete an upload for good, with every stored file',
    request: { params: IdParams },
    responses: { 200: { description: 'Deleted' }, ...errorResponses(404) },
  }),
  async (c) => {
    const { db, me } = await ownerDb(c)
    const upload = await findOwnUpload(db, c.req.valid('param').id, me)
    if (!upload) throw new AppError('NOT_FOUND', NOT_FOUND)
    const { storage } = c.get('services')
    // Files first: a failure leaves the record, so the owner can retry rather than leak objects.
    // One at a time: file-backed S3 emulators race when siblings are deleted together. The prefix
    // sweep then takes files of sessions that expired unfinished.
    let deletedFiles = 0
    try {
      for (const key of await uploadKeys(db, upload)) {
        await storage.delete(key)
        deletedFiles++
      }
      for (const prefix of uploadPrefixes(upload._id))
        deletedFiles += await storage.deletePrefix(prefix)
    } catch (error) {
      throw new AppError(
        'SERVICE_UNAVAILABLE',
        'Storage did not answer; try deleting again',
        undefined,
        { cause: error },
      )
    }
    await uploadSessions(db).deleteMany({ uploadId: upload._id })
    await uploads(db).deleteOne({ _id: upload._id, ownerId: me })
    return c.json({ success: true, message: 'Deleted permanently', deletedFiles }, 200)
  },
)
