// Guest invite links (/api/v1): `send-token` and `resend-token` text or email the resident a
// signed, expiring link into a meeting room; `room-user-info` tells the guest page who invited
// them from the sealed id in that link.
import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { MeetingRoomIdSchema } from '../../../shared/meeting'
import { EmailSchema, NameSchema, PhoneSchema } from '../../auth/schemas'
import type { AppEnv } from '../../env'
import { decodedString } from '../../decoded-param'
import { AppError } from '../../errors'
import { fromBase64Url } from '../base64url'
import { normalisePhone, phoneAllowed, sendInvite } from '../invite'
import { InvalidSealedIdError, MIN_SEALED_BYTES, openSealedId } from '../sealed-id'
import { enforceRateLimit } from '../../middleware/rate-limit'
import { createRouter, errorResponses, jsonResponse } from '../../openapi'
import { claimRoom, roomOwner } from '../rooms-store'
import { findUserById } from '../../auth/users-store'
import { assertNoBlockWith } from '../../social/blocks'
import { authedRoute } from '../../authed-route'

const TAG = 'Meeting invites'
/** Texts cost money and reach strangers: a few per account per ten minutes. */
export const INVITE_LIMIT = { name: 'meeting-invite', limit: 20, window: '10 m' } as const

const InviteQuery = z
  .strictObject({
    roomId: MeetingRoomIdSchema.optional(),
    phone: z.string().max(32).transform(normalisePhone).pipe(PhoneSchema).optional(),
    email: EmailSchema.optional(),
    name: NameSchema.optional(),
  })
  .refine((q) => Boolean(q.phone) !== Boolean(q.email), {
    message: 'give exactly one of phone or email',
    path: ['phone'],
  })

/** The link's sealed inviter id, decoded from base64url here; opening it needs the key. */
const SealedIdSchema = decodedString({
  min: 20,
  max: 200,
  decode: (text) => {
    const bytes = fromBase64Url(text)
    return bytes.length >= MIN_SEALED_BYTES ? bytes : undefined
  },
  message: 'must be the userId of an invite link',
})

const InviteSentSchema = z.object({
  success: z.literal(true),
  message: z.string(),
  roomId: z.string(),
  link: z.string(),
  token: z.string(),
  expiresAt: z.string(),
  sentTo: z.enum(['sms', 'email']),
})

/** The resident may hold an account: one in a block with the caller is not invited (403). */
async function assertInvitable(c: Context<AppEnv>, query: z.infer<typeof InviteQuery>) {
  await assertNoBlockWith(await c.get('services').database.db(), c.get('user')._id, {
    emails: query.email ? [query.email] : [],
    phones: query.phone ? [query.phone] : [],
  })
}

async function invite(c: Context<AppEnv>, query: z.infer<typeof InviteQuery>, roomId: string) {
  const config = c.get('config')
  if (query.phone && !phoneAllowed(query.phone, config.MEETING_SMS_COUNTRY_CODES)) {
    throw new AppError(
      'UNPROCESSABLE',
      `Invites cannot be texted to this country; allowed calling codes: ${config.MEETING_SMS_COUNTRY_CODES.map((code) => `+${code}`).join(', ')}`,
      [{ path: 'phone', message: 'country not allowed' }],
    )
  }
  const user = c.get('user')
  await enforceRateLimit(c, INVITE_LIMIT, [`user:${user._id.toHexString()}`])
  const sent = await sendInvite(c, user, { ...query, roomId })
  return c.json(
    {
      success: true as const,
      message: query.phone ? 'Invite link sent by text message' : 'Invite link sent by email',
      roomId,
      link: sent.link,
      token: sent.token,
      expiresAt: sent.expiresAt.toISOString(),
      sentTo: query.phone ? ('sms' as const) : ('email' as const),
    },
    200,
  )
}

export const meetingInvites = createRouter()

meetingInvites.openapi(
  authedRoute({
    method: 'get',
    path: '/send-token',
    tags: [TAG],
    summary: 'Invite a resident into a room (a new room id when none is given) by SMS or email',
    request: { query: InviteQuery },
    responses: {
      200: jsonResponse('Sent', InviteSentSchema),
      ...errorResponses(403, 429, 503),
    },
  }),
  async (c) => {
    const query = c.req.valid('query')
    const roomId = query.roomId ?? crypto.randomUUID()
    // Before the room is claimed: a refused invite leaves nothing behind.
    await assertInvitable(c, query)
    const { database, now } = c.get('services')
    if (!(await claimRoom(await database.db(), roomId, c.get('user')._id, now())))
      throw new AppError('FORBIDDEN', 'This meeting room belongs to another account')
    return invite(c, query, roomId)
  },
)

meetingInvites.openapi(
  authedRoute({
    method: 'get',
    path: '/resend-token',
    tags: [TAG],
    summary: 'Send a fresh invite link into one of your existing rooms',
    request: {
      query: InviteQuery.refine((q) => Boolean(q.roomId), {
        message: 'is required',
        path: ['roomId'],
      }),
    },
    responses: {
      200: jsonResponse('Sent', InviteSentSchema),
      ...errorResponses(403, 404, 429, 503),
    },
  }),
  async (c) => {
    const query = c.req.valid('query')
    const roomId = query.roomId!
    const owner = await roomOwner(await c.get('services').database.db(), roomId)
    if (!owner?.equals(c.get('user')._id)) throw new AppError('NOT_FOUND', 'Meeting room not found')
    await assertInvitable(c, query)
    return invite(c, query, roomId)
  },
)

meetingInvites.openapi(
  createRoute({
    method: 'get',
    path: '/room-user-info',
    tags: [TAG],
    summary: 'Who sent an invite link, from the sealed `userId` in the link (public)',
    request: { query: z.object({ userId: SealedIdSchema }) },
    responses: {
      200: jsonResponse(
        'The inviter',
        z.object({ success: z.literal(true), user: z.record(z.string(), z.unknown()) }),
      ),
      ...errorResponses(400, 404),
    },
  }),
  async (c) => {
    let id: string
    try {
      id = await openSealedId(c.get('config').JWT_SECRET, c.req.valid('query').userId)
    } catch (error) {
      if (error instanceof InvalidSealedIdError)
        throw new AppError('BAD_REQUEST', 'Invalid room user id', [
          { path: 'query.userId', message: error.message },
        ])
      throw error
    }
    const user = await findUserById(await c.get('services').database.db(), id)
    if (!user?.isActive) throw new AppError('NOT_FOUND', 'User not found')
    // Branding fields belong to the settings feature; passed through when present.
    const extra = user as unknown as { logo?: unknown; landlordInfo?: unknown }
    return c.json(
      {
        success: true as const,
        user: {
          name: user.name,
          profileImage: user.profile?.profileImage ?? null,
          logo: extra.logo ?? null,
          landlordInfo: extra.landlordInfo ?? null,
        },
      },
      200,
    )
  },
)
