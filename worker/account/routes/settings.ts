// Videodesk account extras (/api/v1/user): logo, landlord branding, message settings (changes
// reach the user's other open sockets as `message-settings-updated`) and pagination settings.
import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { ObjectId } from 'mongodb'
import { HttpUrlSchema } from '../../../shared/http-url'
import type { AppEnv } from '../../env'
import { AppError } from '../../errors'
import { log } from '../../log'
import { userChannel } from '../../realtime/rooms'
import { createRouter, errorResponses, jsonBody } from '../../openapi'
import {
  messageSettingsOf,
  nestedSet,
  paginationSettingsOf,
  settingsOf,
  userSettings,
  type Logo,
} from '../settings-store'
import { logoUrl } from '../logo'
import { media } from '../../media/store'
import { ObjectIdSchema } from '../../../shared/ids'
import { authedRoute } from '../../authed-route'

const TAG = 'Videodesk settings'
const Colour = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #1a2b3c')

const atLeastOne = (v: object) => Object.values(v).some((x) => x !== undefined)
const AT_LEAST_ONE = 'at least one field is required'

async function settingsDb(c: Context<AppEnv>) {
  return { db: await c.get('services').database.db(), me: c.get('user')._id }
}

/** Applies `$set` to the caller's user document and answers it. */
async function updateMe(c: Context<AppEnv>, $set: Record<string, unknown>) {
  const { db, me } = await settingsDb(c)
  const updated = await userSettings(db).findOneAndUpdate(
    { _id: me },
    { $set: { ...$set, updatedAt: c.get('services').now() } },
    { returnDocument: 'after' },
  )
  if (!updated) throw new AppError('UNAUTHORIZED', 'Session is no longer valid')
  return updated
}

export const accountSettings = createRouter()

accountSettings.openapi(
  authedRoute({
    method: 'put',
    path: '/user/update-logo',
    tags: [TAG],
    summary: 'Set your logo from an uploaded image (media id) or a URL; `logoUrl: null` removes it',
    request: jsonBody(
      z
        .strictObject({
          mediaId: ObjectIdSchema.optional(),
          logoUrl: HttpUrlSchema.nullable().optional(),
        })
        .refine((v) => (v.mediaId === undefined) !== (v.logoUrl === undefined), {
          message: 'give exactly one of mediaId or logoUrl',
        }),
    ),
    responses: { 200: { description: 'The logo' }, ...errorResponses(404, 409) },
  }),
  async (c) => {
    const { mediaId, logoUrl: url } = c.req.valid('json')
    const { db, me } = await settingsDb(c)
    let logo: Logo | null = null
    if (mediaId) {
      const found = await media(db).findOne({ _id: new ObjectId(mediaId), ownerId: me })
      if (!found) throw new AppError('NOT_FOUND', 'Media not found')
      if (found.kind !== 'image')
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'A logo must be an image')
      if (found.status !== 'ready')
        throw new AppError('CONFLICT', `The image is ${found.status}, not ready`)
      logo = { mediaId: found._id }
    } else if (url) {
      logo = { url }
    }
    const updated = await updateMe(c, { logo })
    return c.json(
      {
        success: true,
        message: logo ? 'Logo updated' : 'Logo removed',
        logo: {
          url: await logoUrl(c, updated.logo ?? undefined),
          mediaId: updated.logo?.mediaId?.toHexString() ?? null,
        },
      },
      200,
    )
  },
)

const LandlordInfoSchema = z
  .strictObject({
    landlordName: z.string().trim().max(200).optional(),
    landlordLogoUrl: HttpUrlSchema.optional(),
    officerName: z.string().trim().max(200).optional(),
    officerImageUrl: HttpUrlSchema.optional(),
    useLandlordLogoAsProfile: z.boolean().optional(),
    redirectUrlDefault: HttpUrlSchema.optional(),
    redirectUrlTailored: HttpUrlSchema.optional(),
    brandColor: Colour.optional(),
    buttonColor: Colour.optional(),
    buttonTextColor: Colour.optional(),
  })
  .refine(atLeastOne, AT_LEAST_ONE)

accountSettings.openapi(
  authedRoute({
    method: 'put',
    path: '/user/update-landlord-info',
    tags: [TAG],
    summary: 'Set landlord branding, redirect URLs and email colours (fields given are changed)',
    request: jsonBody(LandlordInfoSchema),
    responses: { 200: { description: 'The landlord info' } },
  }),
  async (c) => {
    const updated = await updateMe(c, nestedSet('landlordInfo', c.req.valid('json')))
    return c.json(
      { success: true, message: 'Landlord info updated', landlordInfo: updated.landlordInfo ?? {} },
      200,
    )
  },
)

const MessageSettingsSchema = z
  .strictObject({
    messageOption: z.enum(['default', 'custom']).optional(),
    customMessage: z.string().trim().max(1000).optional(),
    senderName: z.string().trim().max(100).optional(),
    includeLogo: z.boolean().optional(),
  })
  .refine(atLeastOne, AT_LEAST_ONE)

accountSettings.openapi(
  authedRoute({
    method: 'get',
    path: '/user/message-settings',
    tags: [TAG],
    summary: 'Your message settings (defaults for fields never set)',
    responses: { 200: { description: 'Message settings' } },
  }),
  (c) =>
    c.json(
      {
        success: true,
        messageSettings: messageSettingsOf(settingsOf(c.get('user'))),
      },
      200,
    ),
)

accountSettings.openapi(
  authedRoute({
    method: 'put',
    path: '/user/message-settings',
    tags: [TAG],
    summary: 'Change message settings; your open sockets get `message-settings-updated`',
    request: jsonBody(MessageSettingsSchema),
    responses: { 200: { description: 'Message settings' } },
  }),
  async (c) => {
    const updated = await updateMe(c, nestedSet('messageSettings', c.req.valid('json')))
    const messageSettings = messageSettingsOf(updated)
    // Best effort: the change is stored; a socket that misses it reads the settings on reconnect.
    await userChannel(c.env, updated._id.toHexString())
      ?.deliver({ type: 'message-settings-updated', messageSettings })
      .catch((error: unknown) =>
        log('warn', 'message settings event not delivered', { error: `${error}` }),
      )
    return c.json({ success: true, message: 'Message settings updated', messageSettings }, 200)
  },
)

const PerPage = z.number().int().min(1).max(100)

accountSettings.openapi(
  authedRoute({
    method: 'get',
    path: '/user/pagination-settings',
    tags: [TAG],
    summary: 'Your page sizes (defaults for fields never set)',
    responses: { 200: { description: 'Pagination settings' } },
  }),
  (c) =>
    c.json(
      {
        success: true,
        paginationSettings: paginationSettingsOf(settingsOf(c.get('user'))),
      },
      200,
    ),
)

accountSettings.openapi(
  authedRoute({
    method: 'put',
    path: '/user/pagination-settings',
    tags: [TAG],
    summary: 'Change page sizes (lists use them when a request gives no limit)',
    request: jsonBody(
      z
        .strictObject({
          meetingsPerPage: PerPage.optional(),
          uploadsPerPage: PerPage.optional(),
          chatSessionsPerPage: PerPage.optional(),
        })
        .refine(atLeastOne, AT_LEAST_ONE),
    ),
    responses: { 200: { description: 'Pagination settings' } },
  }),
  async (c) => {
    const updated = await updateMe(c, nestedSet('paginationSettings', c.req.valid('json')))
    return c.json(
      {
        success: true,
        message: 'Pagination settings updated',
        paginationSettings: paginationSettingsOf(updated),
      },
      200,
    )
  },
)
