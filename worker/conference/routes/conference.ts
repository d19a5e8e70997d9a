// Conferences (/api/conference): create and edit (host), status DRAFT → ACTIVE → ENDED, speakers,
// public join code and QR code, joining by code, and tickets into the live room.
import { createRoute, z } from '@hono/zod-openapi'
import type { Context, MiddlewareHandler } from 'hono'
import { ObjectId, type Filter } from 'mongodb'
import QRCode from 'qrcode/lib/server.js'
import { CONFERENCE_STATUSES, type ConferenceRole } from '../../../shared/conference'
import { assertRunsConference, assertVisible, conferenceRole } from '../access'
import { openConferenceByCode } from '../by-code'
import { LOOKUP_CODE_PATTERN, withUniqueCode } from '../codes'
import { signParticipantToken, verifyParticipantToken } from '../participants'
import { adoptPendingRoom, roomOf, syncRoom, unwrap } from '../room'
import type { AppEnv } from '../../env'
import { AppError } from '../../errors'
import { createRouter, errorResponses, jsonBody, optionalJsonBody } from '../../openapi'
import { conferences, type ConferenceDoc } from '../store'
import { speakerAccount } from '../speaker-grants'
import { forgetConference, rememberConference } from '../code-cache'
import { initialShards, shardOf, UNSHARDED } from '../shards'
import { accountTicket, participantTicket, refuseRemoved } from '../tickets'
import { normalizeEmail } from '../../auth/users-store'
import { assertNoBlockWith } from '../../social/blocks'
import { ObjectIdSchema } from '../../../shared/ids'
import { authedRoute, optionalAuthRoute } from '../../authed-route'
import { newestFirst } from '../../paging'

const TRANSITIONS: Record<string, string[]> = { DRAFT: ['ACTIVE'], ACTIVE: ['ENDED'], ENDED: [] }

const SpeakerSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  email: z.email().max(254).optional(),
})
const TimeSchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM')
const ConferenceFields = {
  title: z.string().trim().min(1).max(200),
  description: z.string().max(5000).optional(),
  date: z.iso.date().optional(),
  startTime: TimeSchema.optional(),
  endTime: TimeSchema.optional(),
  speakers: z.array(SpeakerSchema).max(50).optional(),
  /** Sizes the live room: enough audience shards for this many from the start. */
  expectedAudience: z.number().int().min(1).max(1_000_000).optional(),
}
const CreateSchema = z.strictObject(ConferenceFields)
const UpdateSchema = z
  .strictObject({
    ...ConferenceFields,
    title: ConferenceFields.title.optional(),
    status: z.enum(CONFERENCE_STATUSES).optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'at least one field is required')
const IdParams = z.object({ id: ObjectIdSchema })

declare module 'hono' {
  interface ContextVariableMap {
    prefetchedConference: { id: string; doc: Promise<ConferenceDoc | null> }
  }
}

async function readConference(c: Context<AppEnv>, id: string) {
  const doc = await conferences(await c.get('services').database.db()).findOne({
    _id: new ObjectId(id),
  })
  return doc && adoptPendingRoom(c, doc)
}

/** The conference `id`: the read `prefetchConference` started, once, else a read of its own. */
export function loadConference(c: Context<AppEnv>, id: string) {
  const prefetched = c.get('prefetchedConference')
  if (prefetched?.id !== id) return readConference(c, id)
  // Consumed once: a handler that reads again after writing must see its write.
  c.set('prefetchedConference', undefined as never)
  return prefetched.doc
}

/**
 * Starts reading the route's conference beside the caller's session check instead of after it (one
 * database round trip fewer). Its result is only used once the handler has checked access.
 */
export const prefetchConference = (): MiddlewareHandler<AppEnv> => {
  return async function prefetchConference(c, next) {
    const id = c.req.param('id')
    if (id && OBJECT_ID_HEX.test(id)) {
      const doc = readConference(c, id)
      // An invalid or refused request never awaits it; its failure must not go unhandled.
      doc.catch(() => undefined)
      c.set('prefetchedConference', { id, doc })
    }
    await next()
  }
}
const OBJECT_ID_HEX = /^[0-9a-f]{24}$/i

/** The join URL the QR code encodes: the audience page, with the code. */
function joinUrl(c: Context<AppEnv>, code: string) {
  const base = c.get('config').PUBLIC_BASE_URL ?? new URL(c.req.url).origin
  return `${base.replace(/\/$/, '')}/join?code=${code}`
}

function publicConference(c: Context<AppEnv>, doc: ConferenceDoc, role?: ConferenceRole) {
  return {
    id: doc._id.toHexString(),
    _id: doc._id.toHexString(),
    title: doc.title,
    description: doc.description ?? null,
    status: doc.status,
    publicCode: doc.publicCode,
    joinUrl: joinUrl(c, doc.publicCode),
    date: doc.date ?? null,
    startTime: doc.startTime ?? null,
    endTime: doc.endTime ?? null,
    speakers: doc.speakers.map((s) => ({ name: s.name, userId: s.userId?.toHexString() ?? null })),
    hostId: doc.hostId.toHexString(),
    groupChatId: doc.groupChatId?.toHexString() ?? null,
    expectedAudience: doc.expectedAudience ?? null,
    analytics: role && role !== 'audience' ? (doc.analytics ?? null) : undefined,
    yourRole: role,
    createdAt: doc.createdAt.toISOString(),
  }
}

/**
 * Links speakers to accounts by email, so they can run the room with their own sign-in: only an
 * account whose email is proven; an email nobody proved yet waits, and attaches when proven
 * (conference/speaker-grants.ts). A speaker account in a block with the caller refuses the whole
 * list (403) before anything is written.
 */
async function resolveSpeakers(c: Context<AppEnv>, speakers: z.infer<typeof SpeakerSchema>[]) {
  const db = await c.get('services').database.db()
  const resolved = await Promise.all(
    speakers.map(async (s) => {
      const account = s.email ? await speakerAccount(db, s.email) : null
      return {
        name: s.name,
        ...(s.email ? { email: normalizeEmail(s.email) } : {}),
        ...(account ? { userId: account._id } : {}),
      }
    }),
  )
  await assertNoBlockWith(db, c.get('user')._id, {
    ids: resolved.flatMap((s) => (s.userId ? [s.userId] : [])),
  })
  return resolved
}

export const conference = createRouter()

conference.openapi(
  authedRoute({
    method: 'get',
    path: '/',
    tags: ['Conference'],
    summary: 'Conferences you host or speak at, and every running or ended one',
    request: {
      query: z.object({
        status: z.enum(CONFERENCE_STATUSES).optional(),
        mine: z.enum(['true', 'false']).optional(),
        before: ObjectIdSchema.optional(),
        limit: z.coerce.number().int().min(1).max(100).default(20),
      }),
    },
    responses: {
      200: { description: 'A page of conferences, newest first' },
    },
  }),
  async (c) => {
    const { status, mine, before, limit } = c.req.valid('query')
    const user = c.get('user')
    const own: Filter<ConferenceDoc> = {
      $or: [{ hostId: user._id }, { 'speakers.userId': user._id }],
    }
    const visible: Filter<ConferenceDoc> =
      mine === 'true' ? own : { $or: [...own.$or!, { status: { $ne: 'DRAFT' } }] }
    const filter: Filter<ConferenceDoc> = { $and: [visible, ...(status ? [{ status }] : [])] }
    const db = await c.get('services').database.db()
    const { items, nextCursor } = await newestFirst(conferences(db), filter, { before, limit })
    return c.json(
      {
        success: true,
        conferences: items.map((d) => publicConference(c, d, conferenceRole(d, user))),
        nextCursor,
      },
      200,
    )
  },
)

conference.openapi(
  authedRoute({
    method: 'post',
    path: '/',
    tags: ['Conference'],
    summary: 'Create a conference (hosts)',
    role: 'HOST',
    request: jsonBody(CreateSchema),
    responses: { 201: { description: 'The DRAFT conference' } },
  }),
  async (c) => {
    const body = c.req.valid('json')
    const { database, now } = c.get('services')
    const db = await database.db()
    const speakers = await resolveSpeakers(c, body.speakers ?? [])
    const doc = await withUniqueCode(async (publicCode) => {
      const created: ConferenceDoc = {
        _id: new ObjectId(),
        hostId: c.get('user')._id,
        title: body.title,
        speakers,
        status: 'DRAFT',
        publicCode,
        createdAt: now(),
        updatedAt: now(),
        ...(body.description ? { description: body.description } : {}),
        ...(body.date ? { date: body.date } : {}),
        ...(body.expectedAudience ? { expectedAudience: body.expectedAudience } : {}),
        ...(body.startTime ? { startTime: body.startTime } : {}),
        ...(body.endTime ? { endTime: body.endTime } : {}),
      }
      await conferences(db).insertOne(created)
      return created
    })
    return c.json({ success: true, conference: publicConference(c, doc, 'host') }, 201)
  },
)

conference.openapi(
  createRoute({
    method: 'get',
    path: '/by-code/{code}',
    tags: ['Conference'],
    summary: 'Find a running conference by its public code (audience join screen)',
    request: {
      params: z.object({
        code: z.string().toUpperCase().regex(LOOKUP_CODE_PATTERN, 'must be a conference code'),
      }),
    },
    responses: { 200: { description: 'The conference' }, ...errorResponses(400, 404, 429) },
  }),
  async (c) => {
    const doc = await openConferenceByCode(c, c.req.valid('param').code)
    return c.json({ success: true, conference: publicConference(c, doc) }, 200)
  },
)

conference.openapi(
  optionalAuthRoute({
    method: 'post',
    path: '/by-code/{code}/join',
    tags: ['Conference'],
    summary: 'Join as audience: a participant token (kept by the client) and a socket ticket',
    request: {
      params: z.object({
        code: z.string().toUpperCase().regex(LOOKUP_CODE_PATTERN, 'must be a conference code'),
      }),
      ...optionalJsonBody(
        z.strictObject({
          name: z.string().trim().min(1).max(60).optional(),
          participantToken: z.string().max(2000).optional(),
        }),
      ),
    },
    responses: { 200: { description: 'Joined' }, ...errorResponses(403, 404, 409, 429) },
  }),
  async (c) => {
    const doc = await openConferenceByCode(c, c.req.valid('param').code)
    const body = c.req.valid('json')
    const secret = c.get('config').JWT_SECRET
    const id = doc._id.toHexString()
    if (c.var.user) {
      const { ticket, role } = await accountTicket(c, id, doc)
      return c.json(
        {
          success: true,
          conference: publicConference(c, doc, role),
          ticket,
          participantToken: null,
        },
        200,
      )
    }
    // A returning participant keeps their identity (and so their votes) by presenting their token.
    const known = body.participantToken
      ? await verifyParticipantToken(secret, id, body.participantToken)
      : null
    if (known) refuseRemoved(doc, `participant:${known.id}`)
    // Once it ended, participant tokens admit nobody: the audience sees the final state only.
    if (doc.status === 'ENDED') {
      return c.json(
        {
          success: true,
          conference: publicConference(c, doc, 'audience'),
          ticket: null,
          participantToken: null,
        },
        200,
      )
    }
    const newId = crypto.randomUUID()
    // A new participant is given a shard among all there are now; the token keeps it for good.
    const participant = known ?? {
      id: newId,
      conferenceId: id,
      ...(body.name ? { name: body.name } : {}),
      shard: shardOf(`participant:${newId}`, (doc.audienceShards ?? UNSHARDED).count),
    }
    const participantToken = known
      ? body.participantToken!
      : await signParticipantToken(secret, participant)
    const ticket = await participantTicket(c, id, doc, participant)
    return c.json(
      { success: true, conference: publicConference(c, doc, 'audience'), ticket, participantToken },
      200,
    )
  },
)

conference.openapi(
  optionalAuthRoute({
    method: 'post',
    path: '/{id}/ticket',
    tags: ['Conference'],
    summary: 'A one-minute ticket to open (or reopen) the live room socket',
    request: {
      params: IdParams,
      ...optionalJsonBody(z.strictObject({ participantToken: z.string().max(2000).optional() })),
    },
    responses: { 200: { description: 'Ticket' }, ...errorResponses(401, 403, 404) },
  }),
  async (c) => {
    const { id } = c.req.valid('param')
    const doc = assertVisible(await loadConference(c, id), c.var.user)
    if (c.var.user) {
      const { ticket, role } = await accountTicket(c, id, doc)
      return c.json({ success: true, ticket, role }, 200)
    }
    const token = c.req.valid('json').participantToken
    const participant = token
      ? await verifyParticipantToken(c.get('config').JWT_SECRET, id, token)
      : null
    if (!participant)
      throw new AppError('UNAUTHORIZED', 'Sign in or present your participant token')
    refuseRemoved(doc, `participant:${participant.id}`)
    if (doc.status === 'ENDED')
      throw new AppError(
        'UNAUTHORIZED',
        'The conference has ended; participant tokens no longer work',
      )
    const ticket = await participantTicket(c, id, doc, participant)
    return c.json({ success: true, ticket, role: 'audience' }, 200)
  },
)

conference.openapi(
  optionalAuthRoute({
    method: 'get',
    path: '/{id}',
    tags: ['Conference'],
    summary: 'One conference (a DRAFT only for its host and speakers)',
    before: [prefetchConference()],
    request: { params: IdParams },
    responses: { 200: { description: 'The conference' }, ...errorResponses(404, 429) },
  }),
  async (c) => {
    const doc = assertVisible(await loadConference(c, c.req.valid('param').id), c.var.user)
    return c.json(
      { success: true, conference: publicConference(c, doc, conferenceRole(doc, c.var.user)) },
      200,
    )
  },
)

conference.openapi(
  authedRoute({
    method: 'put',
    path: '/{id}',
    tags: ['Conference'],
    summary: 'Edit a conference, or move its status DRAFT → ACTIVE → ENDED (host)',
    request: { params: IdParams, ...jsonBody(UpdateSchema) },
    responses: {
      200: { description: 'The conference' },
      ...errorResponses(403, 404, 409),
    },
  }),
  async (c) => {
    const { id } = c.req.valid('param')
    const doc = assertVisible(await loadConference(c, id), c.get('user'))
    assertRunsConference(doc, c.get('user'))
    const { status, speakers, ...fields } = c.req.valid('json')
    const { database, now } = c.get('services')
    const db = await database.db()
    const $set: Partial<ConferenceDoc> = { ...fields, updatedAt: now() }
    if (speakers) $set.speakers = await resolveSpeakers(c, speakers)
    if (status && status !== doc.status) {
      if (!TRANSITIONS[doc.status]!.includes(status)) {
        throw new AppError('CONFLICT', `A conference cannot go from ${doc.status} to ${status}`)
      }
      $set.status = status
      if (status === 'ACTIVE') {
        $set.startedAt = now()
        $set.audienceShards = initialShards(
          fields.expectedAudience ?? doc.expectedAudience,
          c.get('config').CONFERENCE_SHARD_CAPACITY,
        )
      }
      if (status === 'ENDED') $set.endedAt = now()
    }
    // Conditional on the status read above: two racing transitions cannot both apply.
    const updated = await conferences(db).findOneAndUpdate(
      { _id: doc._id, status: doc.status },
      { $set },
      { returnDocument: 'after' },
    )
    if (!updated)
      throw new AppError('CONFLICT', 'The conference changed meanwhile; reload and try again')
    // Kept as it is now (a start is followed by the audience's joins, a storm of lookups): this
    // isolate's next joins see the change, and need no read for it.
    forgetConference(updated.publicCode)
    rememberConference(
      updated.publicCode,
      updated,
      Date.now(),
      c.get('config').CONFERENCE_CODE_CACHE_SECONDS * 1000,
    )
    if (status === 'ACTIVE' && doc.status === 'DRAFT') await syncRoom(c, updated)
    if (status === 'ENDED' && doc.status === 'ACTIVE') unwrap(await roomOf(c, id).end())
    const fresh = (await loadConference(c, id))!
    return c.json({ success: true, conference: publicConference(c, fresh, 'host') }, 200)
  },
)

for (const format of ['png', 'svg'] as const) {
  conference.openapi(
    optionalAuthRoute({
      method: 'get',
      path: `/{id}/qr.${format}`,
      tags: ['Conference'],
      summary: `QR code (${format.toUpperCase()}) of the audience join URL`,
      request: { params: IdParams },
      responses: { 200: { description: 'The QR code' }, ...errorResponses(404) },
    }),
    async (c) => {
      const doc = assertVisible(await loadConference(c, c.req.valid('param').id), c.var.user)
      const url = joinUrl(c, doc.publicCode)
      if (format === 'svg') {
        const svg = await QRCode.toString(url, { type: 'svg', margin: 2 })
        return c.body(svg, 200, {
          'content-type': 'image/svg+xml',
          'cache-control': 'public, max-age=3600',
        })
      }
      const png = await QRCode.toBuffer(url, { type: 'png', margin: 2, width: 512 })
      return c.body(new Uint8Array(png), 200, {
        'content-type': 'image/png',
        'cache-control': 'public, max-age=3600',
      })
    },
  )
}
