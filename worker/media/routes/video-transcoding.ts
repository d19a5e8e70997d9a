// The old Sanora's video endpoints (/api/video-transcoding): start a video upload, and follow its
// transcoding job (also pushed live to the owner's UserChannel).
import { z } from '@hono/zod-openapi'
import { ObjectId } from 'mongodb'
import { VIDEO_TYPES } from '../../../shared/media'
import { AppError } from '../../errors'
import { createRouter, errorResponses, jsonBody } from '../../openapi'
import { jobs, publicJob } from '../jobs-store'
import { UploadRequestSchema, startUpload } from './media'
import { ObjectIdSchema } from '../../../shared/ids'
import { authedRoute } from '../../authed-route'

export const videoTranscoding = createRouter()

videoTranscoding.openapi(
  authedRoute({
    method: 'post',
    path: '/upload',
    tags: ['Media'],
    summary: 'Ask for presigned upload URL(s) for a video; completing it starts a transcoding job',
    request: jsonBody(
      UploadRequestSchema.extend({
        purpose: UploadRequestSchema.shape.purpose.default('post'),
        contentType: z.enum(VIDEO_TYPES),
      }),
    ),
    responses: { 201: { description: 'Upload instructions' }, ...errorResponses(413) },
  }),
  (c) => startUpload(c, c.req.valid('json')),
)

videoTranscoding.openapi(
  authedRoute({
    method: 'get',
    path: '/job/{jobId}',
    tags: ['Media'],
    summary: 'Status and progress of one of your transcoding jobs',
    request: { params: z.object({ jobId: ObjectIdSchema }) },
    responses: { 200: { description: 'The job' }, ...errorResponses(404) },
  }),
  async (c) => {
    const db = await c.get('services').database.db()
    const job = await jobs(db).findOne({
      _id: new ObjectId(c.req.valid('param').jobId),
      ownerId: c.get('user')._id,
    })
    if (!job) throw new AppError('NOT_FOUND', 'Job not found')
    return c.json({ success: true, job: publicJob(job) }, 200)
  },
)
