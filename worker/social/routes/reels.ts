// Reels (/api/reels): short videos, published once their upload finished transcoding; listed with
// the feed's visibility rules. Likes, comments and shares use the post routes with the reel's id.
import { z } from '@hono/zod-openapi'
import { ObjectId } from 'mongodb'
import { AppError } from '../../errors'
import { createRouter, errorResponses, jsonBody } from '../../openapi'
import { posts } from '../store'
import { IdParams, PageQuery, VisibilitySchema, viewer } from '../context'
import { loadOwnPost, publicPost } from '../posts'
import { deleteOwnPost, listPage, publishPost, showPost } from '../publishing'
import { ObjectIdSchema } from '../../../shared/ids'
import { authedRoute } from '../../authed-route'

const CaptionSchema = z.string().trim().max(2200)
const CreateSchema = z.strictObject({
  mediaId: ObjectIdSchema,
  caption: CaptionSchema.default(''),
  visibility: VisibilitySchema.default('public'),
})
const UpdateSchema = z
  .strictObject({ caption: CaptionSchema.optional(), visibility: VisibilitySchema.optional() })
  .refine((v) => Object.keys(v).length > 0, 'at least one field is required')

export const reelRoutes = createRouter()

reelRoutes.openapi(
  authedRoute({
    method: 'get',
    path: '/',
    tags: ['Social'],
    summary: 'Reels you may see, newest first, in cursor pages',
    request: { query: PageQuery },
    responses: { 200: { description: 'A page of reels' } },
  }),
  async (c) => {
    const page = await listPage(c, 'reel', c.req.valid('query'))
    return c.json({ success: true, reels: page.items, nextCursor: page.nextCursor }, 200)
  },
)

reelRoutes.openapi(
  authedRoute({
    method: 'post',
    path: '/',
    tags: ['Social'],
    summary: 'Publish a reel from your `reel` video upload once it is transcoded',
    request: jsonBody(CreateSchema),
    responses: { 201: { description: 'The reel' }, ...errorResponses(409) },
  }),
  async (c) => {
    const body = c.req.valid('json')
    const reel = await publishPost(
      c,
      {
        kind: 'reel',
        text: body.caption,
        mediaIds: [new ObjectId(body.mediaId)],
        visibility: body.visibility,
      },
      'reel',
      'mediaId',
    )
    return c.json({ success: true, reel }, 201)
  },
)

reelRoutes.openapi(
  authedRoute({
    method: 'get',
    path: '/{id}',
    tags: ['Social'],
    summary: 'One reel you may see',
    request: { params: IdParams },
    responses: { 200: { description: 'The reel' }, ...errorResponses(404) },
  }),
  async (c) => {
    return c.json({ success: true, reel: await showPost(c, c.req.valid('param').id, 'reel') }, 200)
  },
)

reelRoutes.openapi(
  authedRoute({
    method: 'put',
    path: '/{id}',
    tags: ['Social'],
    summary: 'Edit your reel’s caption or visibility',
    request: { params: IdParams, ...jsonBody(UpdateSchema) },
    responses: { 200: { description: 'The reel' }, ...errorResponses(403, 404) },
  }),
  async (c) => {
    const { db, circle, now } = await viewer(c)
    const doc = await loadOwnPost(db, circle, c.req.valid('param').id, 'reel')
    const { caption, visibility } = c.req.valid('json')
    const updated = await posts(db).findOneAndUpdate(
      { _id: doc._id, authorId: circle.me },
      {
        $set: {
          updatedAt: now,
          ...(caption === undefined ? {} : { text: caption }),
          ...(visibility ? { visibility } : {}),
        },
      },
      { returnDocument: 'after' },
    )
    if (!updated) throw new AppError('NOT_FOUND', 'Reel not found')
    return c.json({ success: true, reel: await publicPost(c, updated, circle) }, 200)
  },
)

reelRoutes.openapi(
  authedRoute({
    method: 'delete',
    path: '/{id}',
    tags: ['Social'],
    summary: 'Delete your reel with its comments, likes and video',
    request: { params: IdParams },
    responses: { 200: { description: 'Deleted' }, ...errorResponses(403, 404) },
  }),
  async (c) => {
    await deleteOwnPost(c, c.req.valid('param').id, 'reel')
    return c.json({ success: true, message: 'Reel deleted' }, 200)
  },
)
