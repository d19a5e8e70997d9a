// Course playlists (/api/courses/{id}/playlists): the owning university groups its course videos
// into playlists; anyone who can see the course lists them, and its students and owner get
// playback URLs for ready videos.
import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { ObjectId } from 'mongodb'
import {
  courseDb,
  isEnrolled,
  loadOwnCourse,
  loadVisibleCourse,
  ownsCourse,
} from '../courses/access'
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
import { optionalAuth, requireRole } from '../middleware/auth'
import { createRouter, errorResponses, jsonBody } from '../openapi'
import { courseVideos, type CourseDoc } from '../repositories/courses'
import { playlists, type PlaylistDoc } from '../repositories/playlists'
import { ObjectIdSchema } from './media'

/** A course has at most this many playlists (a course page lists them all at once). */
export const MAX_COURSE_PLAYLISTS = 50

const IdParams = z.object({ id: ObjectIdSchema })
const PlaylistParams = z.object({ id: ObjectIdSchema, playlistId: ObjectIdSchema })
const ItemParams = PlaylistParams.extend({ videoId: ObjectIdSchema })

async function loadCoursePlaylist(c: Context<AppEnv>, course: CourseDoc, playlistId: string) {
  const doc = await playlists(await courseDb(c)).findOne({
    _id: new ObjectId(playlistId),
    courseId: course._id,
  })
  if (!doc) throw new AppError('NOT_FOUND', 'Playlist not found')
  return doc
}

/** The playlists with items; URLs only for the owner and enrolled students. */
async function resolved(c: Context<AppEnv>, course: CourseDoc, docs: PlaylistDoc[]) {
  const user = c.var.user
  const mayWatch =
    !!user && (ownsCourse(course, user) || (await isEnrolled(c, course._id, user._id)))
  return withItems(c, docs, () => mayWatch)
}

export const coursePlaylists = createRouter()

coursePlaylists.openapi(
  createRoute({
    method: 'get',
    path: '/{id}/playlists',
    tags: ['Courses'],
    summary: 'The playlists of a course with their videos, oldest first',
    middleware: [optionalAuth()] as const,
    request: { params: IdParams },
    responses: { 200: { description: 'The playlists' }, ...errorResponses(400, 404) },
  }),
  async (c) => {
    const course = await loadVisibleCourse(c, c.req.valid('param').id, c.var.user)
    const docs = await playlists(await courseDb(c))
      .find({ courseId: course._id })
      .sort({ _id: 1 })
      .limit(MAX_COURSE_PLAYLISTS)
      .toArray()
    return c.json({ success: true, playlists: await resolved(c, course, docs) }, 200)
  },
)

coursePlaylists.openapi(
  createRoute({
    method: 'post',
    path: '/{id}/playlists',
    tags: ['Courses'],
    summary: 'Create a playlist in your course',
    middleware: [requireRole('UNIVERSITY')] as const,
    security: [{ bearerAuth: [] }],
    request: { params: IdParams, ...jsonBody(CreatePlaylistSchema) },
    responses: {
      201: { description: 'The playlist' },
      ...errorResponses(400, 401, 403, 404, 409),
    },
  }),
  async (c) => {
    const course = await loadOwnCourse(c, c.req.valid('param').id)
    const db = await courseDb(c)
    if ((await playlists(db).countDocuments({ courseId: course._id })) >= MAX_COURSE_PLAYLISTS)
      throw new AppError('CONFLICT', `A course has at most ${MAX_COURSE_PLAYLISTS} playlists`)
    const doc = newPlaylist({ courseId: course._id }, c.req.valid('json'), c.get('services').now())
    await playlists(db).insertOne(doc)
    return c.json({ success: true, playlist: { ...playlistSummary(doc), items: [] } }, 201)
  },
)

coursePlaylists.openapi(
  createRoute({
    method: 'get',
    path: '/{id}/playlists/{playlistId}',
    tags: ['Courses'],
    summary: 'One playlist of a course with its videos',
    middleware: [optionalAuth()] as const,
    request: { params: PlaylistParams },
    responses: { 200: { description: 'The playlist' }, ...errorResponses(400, 404) },
  }),
  async (c) => {
    const { id, playlistId } = c.req.valid('param')
    const course = await loadVisibleCourse(c, id, c.var.user)
    const doc = await loadCoursePlaylist(c, course, playlistId)
    return c.json({ success: true, playlist: (await resolved(c, course, [doc]))[0] }, 200)
  },
)

coursePlaylists.openapi(
  createRoute({
    method: 'patch',
    path: '/{id}/playlists/{playlistId}',
    tags: ['Courses'],
    summary: 'Rename a playlist of your course or change its description',
    middleware: [requireRole('UNIVERSITY')] as const,
    security: [{ bearerAuth: [] }],
    request: { params: PlaylistParams, ...jsonBody(EditPlaylistSchema) },
    responses: { 200: { description: 'The playlist' }, ...errorResponses(400, 401, 403, 404) },
  }),
  async (c) => {
    const { id, playlistId } = c.req.valid('param')
    const course = await loadOwnCourse(c, id)
    const doc = await loadCoursePlaylist(c, course, playlistId)
    const db = await courseDb(c)
    const updated = await editPlaylist(db, doc, c.req.valid('json'), c.get('services').now())
    return c.json({ success: true, playlist: playlistSummary(updated) }, 200)
  },
)

coursePlaylists.openapi(
  createRoute({
    method: 'delete',
    path: '/{id}/playlists/{playlistId}',
    tags: ['Courses'],
    summary: 'Delete a playlist of your course (the videos stay in the course)',
    middleware: [requireRole('UNIVERSITY')] as const,
    security: [{ bearerAuth: [] }],
    request: { params: PlaylistParams },
    responses: { 200: { description: 'Deleted' }, ...errorResponses(400, 401, 403, 404) },
  }),
  async (c) => {
    const { id, playlistId } = c.req.valid('param')
    const course = await loadOwnCourse(c, id)
    const doc = await loadCoursePlaylist(c, course, playlistId)
    await playlists(await courseDb(c)).deleteOne({ _id: doc._id })
    return c.json({ success: true, message: 'Playlist deleted' }, 200)
  },
)

coursePlaylists.openapi(
  createRoute({
    method: 'post',
    path: '/{id}/playlists/{playlistId}/items',
    tags: ['Courses'],
    summary: 'Add a video of the course to one of its playlists',
    middleware: [requireRole('UNIVERSITY')] as const,
    security: [{ bearerAuth: [] }],
    request: { params: PlaylistParams, ...jsonBody(AddItemSchema) },
    responses: {
      200: { description: 'The playlist' },
      ...errorResponses(400, 401, 403, 404, 409),
    },
  }),
  async (c) => {
    const { id, playlistId } = c.req.valid('param')
    const course = await loadOwnCourse(c, id)
    const doc = await loadCoursePlaylist(c, course, playlistId)
    const db = await courseDb(c)
    const video = await courseVideos(db).findOne({
      _id: new ObjectId(c.req.valid('json').videoId),
      courseId: course._id,
    })
    if (!video) throw new AppError('NOT_FOUND', 'Video not found in this course')
    const now = c.get('services').now()
    const updated = await addItem(db, doc, { videoId: video._id, courseId: course._id }, now)
    return c.json({ success: true, playlist: (await resolved(c, course, [updated]))[0] }, 200)
  },
)

coursePlaylists.openapi(
  createRoute({
    method: 'delete',
    path: '/{id}/playlists/{playlistId}/items/{videoId}',
    tags: ['Courses'],
    summary: 'Remove a video from a playlist of your course',
    middleware: [requireRole('UNIVERSITY')] as const,
    security: [{ bearerAuth: [] }],
    request: { params: ItemParams },
    responses: { 200: { description: 'The playlist' }, ...errorResponses(400, 401, 403, 404) },
  }),
  async (c) => {
    const { id, playlistId, videoId } = c.req.valid('param')
    const course = await loadOwnCourse(c, id)
    const doc = await loadCoursePlaylist(c, course, playlistId)
    const db = await courseDb(c)
    const updated = await removeItem(db, doc, new ObjectId(videoId), c.get('services').now())
    return c.json({ success: true, playlist: (await resolved(c, course, [updated]))[0] }, 200)
  },
)

coursePlaylists.openapi(
  createRoute({
    method: 'put',
    path: '/{id}/playlists/{playlistId}/items/order',
    tags: ['Courses'],
    summary: 'Reorder a playlist of your course: every video id exactly once',
    middleware: [requireRole('UNIVERSITY')] as const,
    security: [{ bearerAuth: [] }],
    request: { params: PlaylistParams, ...jsonBody(ItemOrderSchema) },
    responses: {
      200: { description: 'The playlist' },
      ...errorResponses(400, 401, 403, 404, 409),
    },
  }),
  async (c) => {
    const { id, playlistId } = c.req.valid('param')
    const course = await loadOwnCourse(c, id)
    const doc = await loadCoursePlaylist(c, course, playlistId)
    const db = await courseDb(c)
    const now = c.get('services').now()
    const updated = await reorderItems(db, doc, c.req.valid('json').videoIds, now)
    return c.json({ success: true, playlist: (await resolved(c, course, [updated]))[0] }, 200)
  },
)
