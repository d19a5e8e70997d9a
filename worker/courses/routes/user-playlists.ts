// A user's own playlists (/api/playlists): private to their owner (anyone else gets 404), made of
// course videos the owner may watch — of courses they are enrolled in or run. Videos of a course
// they left stay listed, marked unavailable, until removed.
import { z } from '@hono/zod-openapi'
import { courseDb } from '../access'
import {
  AddItemSchema,
  CreatePlaylistSchema,
  EditPlaylistSchema,
  ItemOrderSchema,
  playlistSummary,
} from '../playlist-items'
import {
  addVideo,
  createPlaylist,
  deletePlaylist,
  editPlaylistIn,
  removeVideo,
  reorderVideos,
  showPlaylist,
  userScope,
} from '../playlist-scope'
import { createRouter, errorResponses, jsonBody } from '../../openapi'
import { playlists } from '../playlists-store'
import { ObjectIdSchema } from '../../../shared/ids'
import { authedRoute } from '../../authed-route'
import { newestFirst } from '../../paging'

const IdParams = z.object({ playlistId: ObjectIdSchema })
const ItemParams = z.object({ playlistId: ObjectIdSchema, videoId: ObjectIdSchema })

export const userPlaylists = createRouter()

userPlaylists.openapi(
  authedRoute({
    method: 'get',
    path: '/',
    tags: ['Playlists'],
    summary: 'Your playlists, newest first',
    request: {
      query: z.object({
        before: ObjectIdSchema.optional(),
        limit: z.coerce.number().int().min(1).max(100).default(20),
      }),
    },
    responses: { 200: { description: 'A page of playlists' } },
  }),
  async (c) => {
    const { before, limit } = c.req.valid('query')
    const { items, nextCursor } = await newestFirst(
      playlists(await courseDb(c)),
      { userId: c.get('user')._id },
      { before, limit },
    )
    return c.json({ success: true, playlists: items.map(playlistSummary), nextCursor }, 200)
  },
)

userPlaylists.openapi(
  authedRoute({
    method: 'post',
    path: '/',
    tags: ['Playlists'],
    summary: 'Create a playlist of your own',
    request: jsonBody(CreatePlaylistSchema),
    responses: { 201: { description: 'The playlist' } },
  }),
  async (c) => {
    const playlist = await createPlaylist(userScope(c), c.req.valid('json'))
    return c.json({ success: true, playlist }, 201)
  },
)

userPlaylists.openapi(
  authedRoute({
    method: 'get',
    path: '/{playlistId}',
    tags: ['Playlists'],
    summary: 'One of your playlists with its videos',
    request: { params: IdParams },
    responses: { 200: { description: 'The playlist' }, ...errorResponses(404) },
  }),
  async (c) => {
    const playlist = await showPlaylist(userScope(c), c.req.valid('param').playlistId)
    return c.json({ success: true, playlist }, 200)
  },
)

userPlaylists.openapi(
  authedRoute({
    method: 'patch',
    path: '/{playlistId}',
    tags: ['Playlists'],
    summary: 'Rename your playlist or change its description',
    request: { params: IdParams, ...jsonBody(EditPlaylistSchema) },
    responses: { 200: { description: 'The playlist' }, ...errorResponses(404) },
  }),
  async (c) => {
    const { playlistId } = c.req.valid('param')
    const playlist = await editPlaylistIn(userScope(c), playlistId, c.req.valid('json'))
    return c.json({ success: true, playlist }, 200)
  },
)

userPlaylists.openapi(
  authedRoute({
    method: 'delete',
    path: '/{playlistId}',
    tags: ['Playlists'],
    summary: 'Delete your playlist',
    request: { params: IdParams },
    responses: { 200: { description: 'Deleted' }, ...errorResponses(404) },
  }),
  async (c) => {
    await deletePlaylist(userScope(c), c.req.valid('param').playlistId)
    return c.json({ success: true, message: 'Playlist deleted' }, 200)
  },
)

userPlaylists.openapi(
  authedRoute({
    method: 'post',
    path: '/{playlistId}/items',
    tags: ['Playlists'],
    summary: 'Add a course video you may watch (enrolled, or your own course) to your playlist',
    request: { params: IdParams, ...jsonBody(AddItemSchema) },
    responses: {
      200: { description: 'The playlist' },
      ...errorResponses(403, 404, 409),
    },
  }),
  async (c) => {
    const { playlistId } = c.req.valid('param')
    const playlist = await addVideo(userScope(c), playlistId, c.req.valid('json').videoId)
    return c.json({ success: true, playlist }, 200)
  },
)

userPlaylists.openapi(
  authedRoute({
    method: 'delete',
    path: '/{playlistId}/items/{videoId}',
    tags: ['Playlists'],
    summary: 'Remove a video from your playlist',
    request: { params: ItemParams },
    responses: { 200: { description: 'The playlist' }, ...errorResponses(404) },
  }),
  async (c) => {
    const { playlistId, videoId } = c.req.valid('param')
    const playlist = await removeVideo(userScope(c), playlistId, videoId)
    return c.json({ success: true, playlist }, 200)
  },
)

userPlaylists.openapi(
  authedRoute({
    method: 'put',
    path: '/{playlistId}/items/order',
    tags: ['Playlists'],
    summary: 'Reorder your playlist: every video id exactly once, in the new order',
    request: { params: IdParams, ...jsonBody(ItemOrderSchema) },
    responses: {
      200: { description: 'The playlist' },
      ...errorResponses(404, 409),
    },
  }),
  async (c) => {
    const { playlistId } = c.req.valid('param')
    const playlist = await reorderVideos(userScope(c), playlistId, c.req.valid('json').videoIds)
    return c.json({ success: true, playlist }, 200)
  },
)
