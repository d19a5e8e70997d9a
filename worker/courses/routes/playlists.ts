// Course playlists (/api/courses/{id}/playlists): the owning university groups its course videos
// into playlists; anyone who can see the course lists them, and its students and owner get
// playback URLs for ready videos.
import { z } from '@hono/zod-openapi'
import { courseDb, loadOwnCourse, loadVisibleCourse } from '../access'
import {
  AddItemSchema,
  CreatePlaylistSchema,
  EditPlaylistSchema,
  ItemOrderSchema,
} from '../playlist-items'
import {
  addVideo,
  courseScope,
  createPlaylist,
  deletePlaylist,
  editPlaylistIn,
  ownCourseScope,
  presentPlaylists,
  removeVideo,
  reorderVideos,
  showPlaylist,
} from '../playlist-scope'
import { AppError } from '../../errors'
import { createRouter, errorResponses, jsonBody } from '../../openapi'
import { playlists } from '../playlists-store'
import { ObjectIdSchema } from '../../../shared/ids'
import { authedRoute, optionalAuthRoute } from '../../authed-route'

/** A course has at most this many playlists (a course page lists them all at once). */
const MAX_COURSE_PLAYLISTS = 50

const IdParams = z.object({ id: ObjectIdSchema })
const PlaylistParams = z.object({ id: ObjectIdSchema, playlistId: ObjectIdSchema })
const ItemParams = PlaylistParams.extend({ videoId: ObjectIdSchema })

export const coursePlaylists = createRouter()

coursePlaylists.openapi(
  optionalAuthRoute({
    method: 'get',
    path: '/{id}/playlists',
    tags: ['Courses'],
    summary: 'The playlists of a course with their videos, oldest first',
    request: { params: IdParams },
    responses: { 200: { description: 'The playlists' }, ...errorResponses(404) },
  }),
  async (c) => {
    const course = await loadVisibleCourse(c, c.req.valid('param').id, c.var.user)
    const docs = await playlists(await courseDb(c))
      .find({ courseId: course._id })
      .sort({ _id: 1 })
      .limit(MAX_COURSE_PLAYLISTS)
      .toArray()
    const shown = await presentPlaylists(courseScope(c, course), docs)
    return c.json({ success: true, playlists: shown }, 200)
  },
)

coursePlaylists.openapi(
  authedRoute({
    method: 'post',
    path: '/{id}/playlists',
    tags: ['Courses'],
    summary: 'Create a playlist in your course',
    role: 'UNIVERSITY',
    request: { params: IdParams, ...jsonBody(CreatePlaylistSchema) },
    responses: {
      201: { description: 'The playlist' },
      ...errorResponses(404, 409),
    },
  }),
  async (c) => {
    const course = await loadOwnCourse(c, c.req.valid('param').id)
    const db = await courseDb(c)
    if ((await playlists(db).countDocuments({ courseId: course._id })) >= MAX_COURSE_PLAYLISTS)
      throw new AppError('CONFLICT', `A course has at most ${MAX_COURSE_PLAYLISTS} playlists`)
    const playlist = await createPlaylist(courseScope(c, course), c.req.valid('json'))
    return c.json({ success: true, playlist }, 201)
  },
)

coursePlaylists.openapi(
  optionalAuthRoute({
    method: 'get',
    path: '/{id}/playlists/{playlistId}',
    tags: ['Courses'],
    summary: 'One playlist of a course with its videos',
    request: { params: PlaylistParams },
    responses: { 200: { description: 'The playlist' }, ...errorResponses(404) },
  }),
  async (c) => {
    const { id, playlistId } = c.req.valid('param')
    const course = await loadVisibleCourse(c, id, c.var.user)
    const playlist = await showPlaylist(courseScope(c, course), playlistId)
    return c.json({ success: true, playlist }, 200)
  },
)

coursePlaylists.openapi(
  authedRoute({
    method: 'patch',
    path: '/{id}/playlists/{playlistId}',
    tags: ['Courses'],
    summary: 'Rename a playlist of your course or change its description',
    role: 'UNIVERSITY',
    request: { params: PlaylistParams, ...jsonBody(EditPlaylistSchema) },
    responses: { 200: { description: 'The playlist' }, ...errorResponses(404) },
  }),
  async (c) => {
    const { id, playlistId } = c.req.valid('param')
    const scope = await ownCourseScope(c, id)
    const playlist = await editPlaylistIn(scope, playlistId, c.req.valid('json'))
    return c.json({ success: true, playlist }, 200)
  },
)

coursePlaylists.openapi(
  authedRoute({
    method: 'delete',
    path: '/{id}/playlists/{playlistId}',
    tags: ['Courses'],
    summary: 'Delete a playlist of your course (the videos stay in the course)',
    role: 'UNIVERSITY',
    request: { params: PlaylistParams },
    responses: { 200: { description: 'Deleted' }, ...errorResponses(404) },
  }),
  async (c) => {
    const { id, playlistId } = c.req.valid('param')
    await deletePlaylist(await ownCourseScope(c, id), playlistId)
    return c.json({ success: true, message: 'Playlist deleted' }, 200)
  },
)

coursePlaylists.openapi(
  authedRoute({
    method: 'post',
    path: '/{id}/playlists/{playlistId}/items',
    tags: ['Courses'],
    summary: 'Add a video of the course to one of its playlists',
    role: 'UNIVERSITY',
    request: { params: PlaylistParams, ...jsonBody(AddItemSchema) },
    responses: {
      200: { description: 'The playlist' },
      ...errorResponses(404, 409),
    },
  }),
  async (c) => {
    const { id, playlistId } = c.req.valid('param')
    const scope = await ownCourseScope(c, id)
    const playlist = await addVideo(scope, playlistId, c.req.valid('json').videoId)
    return c.json({ success: true, playlist }, 200)
  },
)

coursePlaylists.openapi(
  authedRoute({
    method: 'delete',
    path: '/{id}/playlists/{playlistId}/items/{videoId}',
    tags: ['Courses'],
    summary: 'Remove a video from a playlist of your course',
    role: 'UNIVERSITY',
    request: { params: ItemParams },
    responses: { 200: { description: 'The playlist' }, ...errorResponses(404) },
  }),
  async (c) => {
    const { id, playlistId, videoId } = c.req.valid('param')
    const scope = await ownCourseScope(c, id)
    const playlist = await removeVideo(scope, playlistId, videoId)
    return c.json({ success: true, playlist }, 200)
  },
)

coursePlaylists.openapi(
  authedRoute({
    method: 'put',
    path: '/{id}/playlists/{playlistId}/items/order',
    tags: ['Courses'],
    summary: 'Reorder a playlist of your course: every video id exactly once',
    role: 'UNIVERSITY',
    request: { params: PlaylistParams, ...jsonBody(ItemOrderSchema) },
    responses: {
      200: { description: 'The playlist' },
      ...errorResponses(404, 409),
    },
  }),
  async (c) => {
    const { id, playlistId } = c.req.valid('param')
    const scope = await ownCourseScope(c, id)
    const playlist = await reorderVideos(scope, playlistId, c.req.valid('json').videoIds)
    return c.json({ success: true, playlist }, 200)
  },
)
