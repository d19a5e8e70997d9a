// Posts (/api/posts): the feed (your own, your friends' and public posts, newest first, in stable
// cursor pages), one post, creating, editing, deleting and sharing posts.
import { z } from '@hono/zod-openapi'
import { ObjectId } from 'mongodb'
import { AppError } from '../../errors'
import { createRouter, errorResponses, jsonBody } from '../../openapi'
import { posts, type PostDoc } from '../store'
import { IdParams, PageQuery, VisibilitySchema, prefetchCircle, viewer } from '../context'
import { attachMedia, detachMedia, purgeMedia } from '../media'
import { actor, tell } from '../notify'
import { loadOwnPost, loadVisiblePost, publicPost } from '../posts'
import { deleteOwnPost, listPage, newPost, publishPost, showPost } from '../publishing'
import { ObjectIdSchema } from '../../../shared/ids'
import { authedRoute } from '../../authed-route'

const MAX_POST_MEDIA = 10
const TextSchema = z.string().trim().max(5000)
const MediaIdsSchema = z
  .array(ObjectIdSchema)
  .max(MAX_POST_MEDIA)
  .refine((ids) => new Set(ids.map((i) => i.toLowerCase())).size === ids.length, 'duplicate media')

const CreateSchema = z
  .strictObject({
    text: TextSchema.default(''),
    mediaIds: MediaIdsSchema.default([]),
    visibility: VisibilitySchema.default('public'),
  })
  .refine((v) => v.text.length > 0 || v.mediaIds.length > 0, {
    message: 'a post needs text or media',
    path: ['text'],
  })
const UpdateSchema = z
  .strictObject({
    text: TextSchema.optional(),
    mediaIds: MediaIdsSchema.optional(),
    visibility: VisibilitySchema.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'at least one field is required')
const ShareSchema = z.strictObject({
  text: TextSchema.default(''),
  visibility: VisibilitySchema.default('public'),
})

export const postRoutes = createRouter()

postRoutes.openapi(
  authedRoute({
    method: 'get',
    path: '/all',
    tags: ['Social'],
    summary: 'The feed: your own, your friends’ and public posts, newest first, in cursor pages',
    prefetch: prefetchCircle,
    request: { query: PageQuery },
    responses: { 200: { description: 'A page of posts' } },
  }),
  async (c) => {
    const page = await listPage(c, 'post', c.req.valid('query'))
    return c.json({ success: true, posts: page.items, nextCursor: page.nextCursor }, 200)
  },
)

postRoutes.openapi(
  authedRoute({
    method: 'post',
    path: '/',
    tags: ['Social'],
    summary: 'Publish a post (text and/or your finished `post` uploads), public or friends only',
    request: jsonBody(CreateSchema),
    responses: { 201: { description: 'The post' }, ...errorResponses(409) },
  }),
  async (c) => {
    const body = c.req.valid('json')
    const post = await publishPost(
      c,
      {
        kind: 'post',
        text: body.text,
        mediaIds: body.mediaIds.map((id) => new ObjectId(id)),
        visibility: body.visibility,
      },
      'post',
    )
    return c.json({ success: true, post }, 201)
  },
)

postRoutes.openapi(
  authedRoute({
    method: 'get',
    path: '/{id}',
    tags: ['Social'],
    summary: 'One post (or reel) you may see',
    request: { params: IdParams },
    responses: { 200: { description: 'The post' }, ...errorResponses(404) },
  }),
  async (c) => {
    return c.json({ success: true, post: await showPost(c, c.req.valid('param').id) }, 200)
  },
)

postRoutes.openapi(
  authedRoute({
    method: 'put',
    path: '/{id}',
    tags: ['Social'],
    summary: 'Edit your post: text, visibility, media (removed media files are deleted)',
    request: { params: IdParams, ...jsonBody(UpdateSchema) },
    responses: { 200: { description: 'The post' }, ...errorResponses(403, 404, 409) },
  }),
  async (c) => {
    const { db, circle, now } = await viewer(c)
    const doc = await loadOwnPost(db, circle, c.req.valid('param').id, 'post')
    const body = c.req.valid('json')
    const $set: Partial<PostDoc> = { updatedAt: now }
    if (body.visibility) $set.visibility = body.visibility
    if (body.text !== undefined) $set.text = body.text
    const ref = { type: 'post', id: doc._id } as const
    let added: ObjectId[] = []
    let removed: ObjectId[] = []
    if (body.mediaIds) {
      const next = body.mediaIds.map((id) => new ObjectId(id))
      const has = (list: ObjectId[], id: ObjectId) => list.some((x) => x.equals(id))
      added = next.filter((id) => !has(doc.mediaIds, id))
      removed = doc.mediaIds.filter((id) => !has(next, id))
      $set.mediaIds = next
    }
    const text = $set.text ?? doc.text
    if (text.length === 0 && ($set.mediaIds ?? doc.mediaIds).length === 0)
      throw new AppError('VALIDATION_ERROR', 'Invalid request', [
        { path: 'text', message: 'a post needs text or media' },
      ])
    await attachMedia(db, circle.me, added, 'post', ref)
    // Conditional on the media list read above: two concurrent edits cannot lose each other's files.
    const updated = await posts(db).findOneAndUpdate(
      { _id: doc._id, authorId: circle.me, mediaIds: doc.mediaIds },
      { $set },
      { returnDocument: 'after' },
    )
    if (!updated) {
      await detachMedia(db, added, ref)
      throw new AppError('CONFLICT', 'The post changed meanwhile; reload it')
    }
    await purgeMedia(db, c.get('services').storage, removed, ref)
    return c.json({ success: true, post: await publicPost(c, updated, circle) }, 200)
  },
)

postRoutes.openapi(
  authedRoute({
    method: 'delete',
    path: '/{id}',
    tags: ['Social'],
    summary: 'Delete your post with its comments, likes and media',
    request: { params: IdParams },
    responses: { 200: { description: 'Deleted' }, ...errorResponses(403, 404) },
  }),
  async (c) => {
    await deleteOwnPost(c, c.req.valid('param').id, 'post')
    return c.json({ success: true, message: 'Post deleted' }, 200)
  },
)

postRoutes.openapi(
  authedRoute({
    method: 'post',
    path: '/{id}/share',
    tags: ['Social'],
    summary: 'Share a public post or reel to your own timeline',
    request: { params: IdParams, ...jsonBody(ShareSchema) },
    responses: { 201: { description: 'The share' }, ...errorResponses(403, 404) },
  }),
  async (c) => {
    const { db, circle, now } = await viewer(c)
    const seen = await loadVisiblePost(db, circle, c.req.valid('param').id)
    // Sharing a share shares its original.
    const original = seen.sharedPostId
      ? await loadVisiblePost(db, circle, seen.sharedPostId.toHexString())
      : seen
    if (original.visibility !== 'public')
      throw new AppError('FORBIDDEN', 'Only public posts can be shared')
    const body = c.req.valid('json')
    const doc = newPost(circle.me, now, {
      kind: 'post',
      text: body.text,
      mediaIds: [],
      visibility: body.visibility,
      sharedPostId: original._id,
    })
    await posts(db).insertOne(doc)
    const counted = await posts(db).updateOne({ _id: original._id }, { $inc: { sharesCount: 1 } })
    if (counted.matchedCount === 0) {
      await posts(db).deleteOne({ _id: doc._id })
      throw new AppError('NOT_FOUND', 'Post not found')
    }
    await tell(c, original.authorId, {
      type: 'post.share',
      title: `${c.get('user').name} shared your ${original.kind}`,
      data: { ...actor(c), postId: original._id.toHexString(), shareId: doc._id.toHexString() },
    })
    return c.json({ success: true, post: await publicPost(c, doc, circle) }, 201)
  },
)
