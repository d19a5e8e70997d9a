// Becoming a seller (/api/marketplace/seller, /api/marketplace/admin/seller-applications): a user
// applies once at a time, an admin approves or rejects; the approved application is the seller record.
import { z } from '@hono/zod-openapi'
import { ObjectId, type Filter } from 'mongodb'
import { HttpUrlSchema } from '../../../shared/http-url'
import { NewestCursorSchema, encodeListingCursor } from '../../cursors'
import { AppError } from '../../errors'
import { enforceRateLimit } from '../../middleware/rate-limit'
import { createRouter, errorResponses, jsonBody } from '../../openapi'
import {
  APPLICATION_STATUSES,
  approvedSeller,
  sellerApplications,
  type SellerApplicationDoc,
} from '../store'
import { users } from '../../auth/users-store'
import { ObjectIdSchema } from '../../../shared/ids'
import { authedRoute } from '../../authed-route'
import { newestFirst } from '../../paging'

export const APPLY_LIMIT = { name: 'marketplace-apply', limit: 5, window: '1 h' } as const

const ApplySchema = z.strictObject({
  storeName: z.string().trim().min(2).max(80),
  description: z.string().trim().max(2000).optional(),
  contact: z
    .strictObject({
      email: z.email().max(254).optional(),
      phone: z
        .string()
        .regex(/^\+[1-9]\d{6,14}$/, 'must be in E.164 form, e.g. +14155550100')
        .optional(),
      website: HttpUrlSchema.max(500).optional(),
    })
    .refine((c) => c.email || c.phone, 'an email or a phone number is required'),
})
const Params = z.object({ id: ObjectIdSchema })

function publicApplication(doc: SellerApplicationDoc) {
  return {
    id: doc._id.toHexString(),
    _id: doc._id.toHexString(),
    userId: doc.userId.toHexString(),
    storeName: doc.storeName,
    description: doc.description ?? null,
    contact: doc.contact,
    status: doc.status,
    reason: doc.reason ?? null,
    reviewedAt: doc.reviewedAt?.toISOString() ?? null,
    createdAt: doc.createdAt.toISOString(),
  }
}

export const marketplaceSellers = createRouter()

marketplaceSellers.openapi(
  authedRoute({
    method: 'post',
    path: '/seller/apply',
    tags: ['Marketplace'],
    summary: 'Apply to sell (one pending or approved application per user)',
    request: jsonBody(ApplySchema),
    responses: {
      201: { description: 'The pending application' },
      ...errorResponses(409, 429),
    },
  }),
  async (c) => {
    const user = c.get('user')
    await enforceRateLimit(c, APPLY_LIMIT, [`user:${user._id.toHexString()}`])
    const body = c.req.valid('json')
    const { database, now } = c.get('services')
    const db = await database.db()
    const doc: SellerApplicationDoc = {
      _id: new ObjectId(),
      userId: user._id,
      storeName: body.storeName,
      ...(body.description ? { description: body.description } : {}),
      contact: body.contact,
      status: 'pending',
      open: true,
      createdAt: now(),
      updatedAt: now(),
    }
    try {
      await sellerApplications(db).insertOne(doc)
    } catch (error) {
      if ((error as { code?: unknown }).code !== 11000) throw error
      const open = await sellerApplications(db).findOne({ userId: user._id, open: true })
      throw new AppError(
        'CONFLICT',
        open?.status === 'approved'
          ? 'You are already a seller'
          : 'You already have an application waiting for review',
      )
    }
    return c.json({ success: true, application: publicApplication(doc) }, 201)
  },
)

marketplaceSellers.openapi(
  authedRoute({
    method: 'get',
    path: '/seller/me',
    tags: ['Marketplace'],
    summary: 'Whether you are a seller, and your latest application',
    responses: { 200: { description: 'Seller status' } },
  }),
  async (c) => {
    const db = await c.get('services').database.db()
    const userId = c.get('user')._id
    const [seller, latest] = await Promise.all([
      approvedSeller(db, userId),
      sellerApplications(db).find({ userId }).sort({ _id: -1 }).limit(1).next(),
    ])
    return c.json(
      {
        success: true,
        isSeller: seller !== null,
        seller: seller ? publicApplication(seller) : null,
        application: latest ? publicApplication(latest) : null,
      },
      200,
    )
  },
)

marketplaceSellers.openapi(
  authedRoute({
    method: 'get',
    path: '/admin/seller-applications',
    tags: ['Marketplace'],
    summary: 'Seller applications, newest first (admins)',
    role: 'ADMIN',
    request: {
      query: z.object({
        status: z.enum(APPLICATION_STATUSES).optional(),
        cursor: NewestCursorSchema.optional(),
        limit: z.coerce.number().int().min(1).max(100).default(20),
      }),
    },
    responses: { 200: { description: 'A page of applications' } },
  }),
  async (c) => {
    const { status, cursor, limit } = c.req.valid('query')
    const filter: Filter<SellerApplicationDoc> = status ? { status } : {}
    const db = await c.get('services').database.db()
    const { items, nextCursor } = await newestFirst(
      sellerApplications(db),
      filter,
      { before: cursor?.id, limit },
      (last) => encodeListingCursor('newest', last),
    )
    const applicants = await users(db)
      .find({ _id: { $in: items.map((a) => a.userId) } }, { projection: { name: 1, email: 1 } })
      .toArray()
    const byId = new Map(applicants.map((u) => [u._id.toHexString(), u]))
    return c.json(
      {
        success: true,
        applications: items.map((a) => {
          const u = byId.get(a.userId.toHexString())
          return {
            ...publicApplication(a),
            applicant: u ? { id: u._id.toHexString(), name: u.name, email: u.email ?? null } : null,
          }
        }),
        nextCursor,
      },
      200,
    )
  },
)

for (const decision of ['approve', 'reject'] as const) {
  marketplaceSellers.openapi(
    authedRoute({
      method: 'post',
      path: `/admin/seller-applications/{id}/${decision}`,
      tags: ['Marketplace'],
      summary:
        decision === 'approve'
          ? 'Approve a pending application: its user becomes a seller (admins)'
          : 'Reject a pending application with a reason (admins)',
      role: 'ADMIN',
      request: {
        params: Params,
        body: {
          content: {
            'application/json': {
              schema:
                decision === 'reject'
                  ? z.strictObject({ reason: z.string().trim().min(1).max(1000) })
                  : z.strictObject({}),
            },
          },
          required: decision === 'reject',
        },
      },
      responses: {
        200: { description: 'The decided application' },
        ...errorResponses(404, 409),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param')
      const body = c.req.valid('json') as { reason?: string }
      const now = c.get('services').now()
      const db = await c.get('services').database.db()
      // Conditional on pending: two admins deciding at once cannot both win.
      const decided = await sellerApplications(db).findOneAndUpdate(
        { _id: new ObjectId(id), status: 'pending' },
        {
          $set: {
            reviewedBy: c.get('user')._id,
            reviewedAt: now,
            updatedAt: now,
            ...(decision === 'approve'
              ? { status: 'approved' as const }
              : { status: 'rejected' as const, open: false, reason: body.reason! }),
          },
        },
        { returnDocument: 'after' },
      )
      if (!decided) {
        const current = await sellerApplications(db).findOne({ _id: new ObjectId(id) })
        if (!current) throw new AppError('NOT_FOUND', 'Application not found')
        throw new AppError('CONFLICT', `The application is already ${current.status}`)
      }
      return c.json({ success: true, application: publicApplication(decided) }, 200)
    },
  )
}
