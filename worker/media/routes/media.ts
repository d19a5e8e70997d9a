// Media uploads (/api/media): ask for presigned upload URLs, complete the upload (verified against
// what was declared; videos then go to the transcoder), read your media with playback URLs.
import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { ObjectId } from 'mongodb'
import { ObjectIdSchema } from '../../../shared/ids'
import { MEDIA_PURPOSE_NAMES } from '../../../shared/media'
import type { AppEnv } from '../../env'
import { AppError } from '../../errors'
import { enqueueTranscode } from '../jobs'
import { rewritePlaylist, verifyPlaybackToken } from '../playback'
import { completeUpload, createUpload, publicMedia } from '../uploads'
import { createRouter, errorResponses, jsonBody } from '../../openapi'
import { deleteMediaObjects, findOwnMedia, media as mediaCollection } from '../store'
import { mediaUrls } from '../urls'
import { authedRoute } from '../../authed-route'

export const UploadRequestSchema = z.strictObject({
  purpose: z.enum(MEDIA_PURPOSE_NAMES),
  contentType: z.string().min(3).max(100).toLowerCase(),
  size: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  fileName: z.string().trim().min(1).max(255).optional(),
})

const CompleteSchema = z.strictObject({
  parts: z
    .array(
      z.strictObject({
        partNumber: z.number().int().min(1).max(10_000),
        etag: z.string().min(1).max(200),
      }),
    )
    .max(10_000)
    .optional(),
})

/** Starts an upload for the signed-in user; shared by /api/media and /api/video-transcoding. */
export async function startUpload(
  c: Context<AppEnv>,
  request: z.infer<typeof UploadRequestSchema>,
) {
  const { database, storage, now } = c.get('services')
  const { media, upload } = await createUpload(
    await database.db(),
    storage,
    c.get('config'),
    c.get('user')._id,
    request,
    now(),
  )
  return c.json(
    {
      success: true,
      media: publicMedia(media),
      upload,
      completeUrl: `/api/media/${media._id.toHexString()}/complete`,
    },
    201,
  )
}

export const mediaRoutes = createRouter()

mediaRoutes.openapi(
  authedRoute({
    method: 'post',
    path: '/upload',
    tags: ['Media'],
    summary: 'Ask for presigned upload URL(s) for one file',
    request: jsonBody(UploadRequestSchema),
    responses: { 201: { description: 'Upload instructions' }, ...errorResponses(413) },
  }),
  (c) => startUpload(c, c.req.valid('json')),
)

mediaRoutes.openapi(
  authedRoute({
    method: 'post',
    path: '/{id}/complete',
    tags: ['Media'],
    summary: 'Finish an upload: the stored file is checked against what was declared',
    request: { params: z.object({ id: ObjectIdSchema }), ...jsonBody(CompleteSchema) },
    responses: {
      200: { description: 'The media, ready or processing' },
      ...errorResponses(404, 409),
    },
  }),
  async (c) => {
    const { database, storage, redis, now } = c.get('services')
    const db = await database.db()
    const found = await findOwnMedia(db, c.req.valid('param').id, c.get('user')._id)
    if (!found) throw new AppError('NOT_FOUND', 'Media not found')
    const done = await completeUpload(db, storage, found, c.req.valid('json').parts, now())
    if (done.kind === 'video') {
      const job = await enqueueTranscode(db, redis, c.get('config'), done, now())
      done.jobId = job._id
    }
    return c.json({ success: true, media: publicMedia(done), urls: await mediaUrls(c, done) }, 200)
  },
)

mediaRoutes.openapi(
  authedRoute({
    method: 'get',
    path: '/{id}',
    tags: ['Media'],
    summary: 'One of your media files, with URLs to read it',
    request: { params: z.object({ id: ObjectIdSchema }) },
    responses: { 200: { description: 'The media' }, ...errorResponses(404) },
  }),
  async (c) => {
    const found = await findOwnMedia(
      await c.get('services').database.db(),
      c.req.valid('param').id,
      c.get('user')._id,
    )
    // Someone else's media answers exactly like missing media: its existence is not disclosed.
    if (!found) throw new AppError('NOT_FOUND', 'Media not found')
    return c.json(
      { success: true, media: publicMedia(found), urls: await mediaUrls(c, found) },
      200,
    )
  },
)

mediaRoutes.openapi(
  authedRoute({
    method: 'delete',
    path: '/{id}',
    tags: ['Media'],
    summary: 'Delete one of your media files and everything derived from it',
    request: { params: z.object({ id: ObjectIdSchema }) },
    responses: { 200: { description: 'Deleted' }, ...errorResponses(404, 409) },
  }),
  async (c) => {
    const { database, storage } = c.get('services')
    const db = await database.db()
    const found = await findOwnMedia(db, c.req.valid('param').id, c.get('user')._id)
    if (!found) throw new AppError('NOT_FOUND', 'Media not found')
    // A file in use (a meeting's recording, a post's image) is removed through what uses it,
    // which keeps its list of files true; deleting it here would leave that pointing at nothing.
    if (found.attachedTo)
      throw new AppError(
        'CONFLICT',
        `This file belongs to a ${found.attachedTo.type}; delete it from there`,
      )
    await deleteMediaObjects(storage, found.key)
    if (found.upload.uploadId && found.status === 'pending') {
      await storage.abortMultipart(found.key, found.upload.uploadId).catch(() => undefined)
    }
    await mediaCollection(db).deleteOne({ _id: found._id })
    return c.json({ success: true, message: 'Media deleted' }, 200)
  },
)

// Playlists of a video's HLS ladder. The playback token stands in for auth: players send no headers.
mediaRoutes.get(
  '/:id{[0-9a-f]{24}}/hls/:file{(?:[A-Za-z0-9_-]+/)?[A-Za-z0-9_-]+\\.m3u8}',
  async (c) => {
    const id = c.req.param('id')
    const file = c.req.param('file')
    const token = c.req.query('token') ?? ''
    if (!(await verifyPlaybackToken(c.get('config').JWT_SECRET, id, token))) {
      throw new AppError('UNAUTHORIZED', 'Invalid or expired playback token')
    }
    const { database, storage } = c.get('services')
    const doc = await mediaCollection(await database.db()).findOne({ _id: new ObjectId(id) })
    const masterKey = (doc?.playback ?? doc?.outputs)?.hlsMasterKey
    // Like mediaUrls: a video that failed for good does not play, even its early renditions.
    if (!masterKey || doc?.status === 'failed') throw new AppError('NOT_FOUND', 'No playable video')
    const hlsRoot = masterKey.replace(/master\.m3u8$/, '')
    const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : ''
    const res = await fetch(await storage.presignGet(hlsRoot + file, 60))
    if (!res.ok) throw new AppError('NOT_FOUND', 'Playlist not found')
    const base = `${new URL(c.req.url).origin}/api/media/${id}/hls/`
    const body = await rewritePlaylist(
      await res.text(),
      hlsRoot + dir,
      storage,
      (f) => `${base}${dir}${f}?token=${token}`,
    )
    return c.body(body, 200, {
      'content-type': 'application/vnd.apple.mpegurl',
      'cache-control': 'private, max-age=60',
    })
  },
)
