// A user's own playlists (/api/playlists): private to their owner (anyone else gets 404), made of
// course videos the owner may watch — of courses they are enrolled in or run. Videos of a course
// they left stay listed, marked unavailable, until removed.
import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { ObjectId } from 'mongodb'
import { courseDb, mayWatchCourse } from '../courses/access'
import {
  AddItemSchema,
  CreatePlaylistSchema,
  EditPlaylistSchema,
  ItemOrderSchema,
  addItem,
  editPlaylist,
  newPlaylist,
  playlistSummary,
  removeItem,
  reorderItems,
  withItems,
} from '../courses/playlist-items'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { protect } from '../middleware/auth'
import { createRouter, errorResponses, jsonBody } from '../openapi'
import { courseVideos } from '../repositories/courses'
import { playlists } from '../repositories/playlists'
import { ObjectIdSchema } from './media'

const IdParams = z.object({ playlistId: ObjectIdSchema })
const ItemParams = z.object({ playlistId: ObjectIdSchema, videoId: ObjectIdSchema })

async function loadOwnPlaylist(c: Context<AppEnv>, id: string) {
  const doc = await playlists(await courseDb(c)).findOne({
    _id: new ObjectId(id),
    userId: c.get('user')._id,
  })
  if (!doc) throw new AppError('NOT_FOUND', 'Playlist not found')
  return doc
}

const withOwnItems = async (c: Context<AppEnv>, doc: Awaited<ReturnType<typeof loadOwnPlaylist>>) =>
  (await withItems(c, [doc], (courseId) => mayWatchCourse(c, courseId, c.get('user'))))[0]!

export const userPlaylists = createRouter()

userPlaylists.openapi(
  createRoute({
    method: 'get',
    path: '/',
    tags: ['Playlists'],
    summary: 'Your playlists, newest first',
    middleware: [protect()] as const,
    security: [{ bearerAuth: [] }],
    request: {
      query: z.object({
        before: ObjectIdSchema.optional(),
        limit: z.coerce.number().int().min(1).max(100).default(20),
      }),
    },
    responses: { 200: { description: 'A page of playlists' }, ...errorResponses(400, 401) },
  }),
  async (c) => {
    const { before, limit } = c.req.valid('query')
    const page = await playlists(await courseDb(c))
      .find({
        userId: c.get('user')._id,
        ...(before ? { _id: { $lt: new ObjectId(before) } } : {}),
      })
      .sort({ _id: -1 })
      .limit(limit + 1)
      .toArray()
    const items = page.slice(0, limit)
    return c.json(
      {
        success: true,
        playlists: items.map(playlistSummary),
        nextCursor: page.length > limit ? items.at(-1)!._id.toHexString() : null,
      },
      200,
    )
  },
)

userPlaylists.openapi(
  createRoute({
    method: 'post',
    path: '/',
    tags: ['Playlists'],
    summary: 'Create a playlist of your own',
    middleware: [protect()] as const,
    security: [{ bearerAuth: [] }],
    request: jsonBody(CreatePlaylistSchema),
    responses: { 201: { description: 'The playlist' }, ...errorResponses(400, 401) },
  }),
  async (c) => {
    const doc = newPlaylist(
      { userId: c.get('user')._id },
      c.req.valid('json'),
      c.get('services').now(),
    )
    await playlists(await courseDb(c)).insertOne(doc)
    return c.json({ success: true, playlist: { ...playlistSummary(doc), items: [] } }, 201)
  },
)

userPlaylists.openapi(
  createRoute({
    method: 'get',
    path: '/{playlistId}',
    tags: ['Playlists'],
    summary: 'One of your playlists with its videos',
    middleware: [protect()] as const,
    security: [{ bearerAuth: [] }],
    request: { params: IdParams },
    responses: { 200: { description: 'The playlist' }, ...errorResponses(400, 401, 404) },
  }),
  async (c) => {
    const doc = await loadOwnPlaylist(c, c.req.valid('param').playlistId)
    return c.json({ success: true, playlist: await withOwnItems(c, doc) }, 200)
  },
)

userPlaylists.openapi(
  createRoute({
    method: 'patch',
    path: '/{playlistId}',
    tags: ['Playlists'],
    summary: 'Rename your playlist or change its description',
    middleware: [protect()] as const,
    security: [{ bearerAuth: [] }],
    request: { params: IdParams, ...jsonBody(EditPlaylistSchema) },
    responses: { 200: { description: 'The playlist' }, ...errorResponses(400, 401, 404) },
  }),
  async (c) => {
    const doc = await loadOwnPlaylist(c, c.req.valid('param').playlistId)
    const db = await courseDb(c)
    const updated = await editPlaylist(db, doc, c.req.valid('json'), c.get('services').now())
    return c.json({ success: true, playlist: playlistSummary(updated) }, 200)
  },
)

userPlaylists.openapi(
  createRoute({
    method: 'delete',
    path: '/{playlistId}',
    tags: ['Playlists'],
    summary: 'Delete your playlist',
    middleware: [protect()] as const,
    security: [{ bearerAuth: [] }],
    request: { params: IdParams },
    responses: { 200: { description: 'Deleted' }, ...errorResponses(400, 401, 404) },
  }),
  async (c) => {
    const doc = await loadOwnPlaylist(c, c.req.valid('param').playlistId)
    await playlists(await courseDb(c)).deleteOne({ _id: doc._id })
    return c.json({ success: true, message: 'Playlist deleted' }, 200)
  },
)

userPlaylists.openapi(
  createRoute({
    method: 'post',
    path: '/{playlistId}/items',
    tags: ['Playlists'],
    summary: 'Add a course video you may watch (enrolled, or your own course) to your playlist',
    middleware: [protect()] as const,
    security: [{ bearerAuth: [] }],
    request: { params: IdParams, ...jsonBody(AddItemSchema) },
    responses: {
      200: { description: 'The playlist' },
      ...errorResponses(400, 401, 403, 404, 409),
    },
  }),
  async (c) => {
    const doc = await loadOwnPlaylist(c, c.req.valid('param').playlistId)
    const db = await courseDb(c)
    const video = await courseVideos(db).findOne({ _id: new ObjectId(c.req.valid('json').videoId) })
    if (!video) throw new AppError('NOT_FOUND', 'Video not found')
    if (!(await mayWatchCourse(c, video.courseId, c.get('user'))))
      throw new AppError('FORBIDDEN', 'Enroll in the course of this video first')
    const now = c.get('services').now()
    const updated = await addItem(db, doc, { videoId: video._id, courseId: video.courseId }, now)
    return c.json({ success: true, playlist: await withOwnItems(c, updated) }, 200)
  },
)

userPlaylists.openapi(
  createRoute({
    method: 'delete',
    path: '/{playlistId}/items/{videoId}',
    tags: ['Playlists'],
    summary: 'Remove a video from your playlist',
    middleware: [protect()] as const,
    security: [{ bearerAuth: [] }],
    request: { params: ItemParams },
    responses: { 200: { description: 'The playlist' }, ...errorResponses(400, 401, 404) },
  }),
  async (c) => {
    const { playlistId, videoId } = c.req.valid('param')
    const doc = await loadOwnPlaylist(c, playlistId)
    const db = await courseDb(c)
    const updated = await removeItem(db, doc, new ObjectId(videoId), c.get('services').now())
    return c.json({ success: true, playlist: await withOwnItems(c, updated) }, 200)
  },
)

userPlaylists.openapi(
  createRoute({
    method: 'put',
    path: '/{playlistId}/items/order',
    tags: ['Playlists'],
    summary: 'Reorder your playlist: every video id exactly once, in the new order',
    middleware: [protect()] as const,
    security: [{ bearerAuth: [] }],
    request: { params: IdParams, ...jsonBody(ItemOrderSchema) },
    responses: {
      200: { description: 'The playlist' },
      ...errorResponses(400, 401, 404, 409),
    },
  }),
  async (c) => {
    const doc = await loadOwnPlaylist(c, c.req.valid('param').playlistId)
    const db = await courseDb(c)
    const now = c.get('services').now()
    const updated = await reorderItems(db, doc, c.req.valid('json').videoIds, now)
    return c.json({ success: true, playlist: await withOwnItems(c, updated) }, 200)
  },
)
