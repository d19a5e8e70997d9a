// Share-code uploads from residents without an account (/api/v1): prove code + house + postcode,
// then send photos and videos through an upload session (presigned PUTs, or small inline base64
// images for old clients) or in one bulk post. The owner is told live when files arrive.
import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { ObjectId } from 'mongodb'
import { decodedString } from '../../decoded-param'
import type { AppEnv } from '../../env'
import { AppError } from '../../errors'
import { clientIp } from '../../middleware/rate-limit'
import { createRouter, errorResponses, jsonBody, optionalJsonBody } from '../../openapi'
import { uploadSessions, uploads, type SessionFile, type UploadDoc } from '../store'
import {
  AccessCodeSchema,
  HouseSchema,
  PostcodeSchema,
  limitCodeAttempt,
  proveResident,
} from '../access-code'
import {
  INLINE_MAX_BYTES,
  MAX_FILES_PER_SESSION,
  checkShareFile,
  decodeInline,
  fileKey,
  parseInline,
  storeInline,
  storedState,
} from '../files'
import { recordFiles, tellOwner } from '../receive'
import { SessionIdSchema, liveSession, openSession, requireOpen } from '../sessions'
import { codeOnlyView, fullView } from '../views'
import { optionalAuthRoute } from '../../authed-route'

const TAG = 'Share-code uploads'

const ProofSchema = z.strictObject({
  accessCode: AccessCodeSchema,
  house: HouseSchema,
  postcode: PostcodeSchema,
})
const NotesSchema = z.string().trim().max(2000)
const FileNameSchema = z.string().trim().min(1).max(255)
/** An inline file: base64 or a base64 data: URL, its syntax checked here and decoded later. */
const InlineDataSchema = decodedString({
  min: 1,
  max: 2_000_000,
  decode: parseInline,
  message: 'must be base64 or a base64 data: URL',
})
const SessionParams = z.object({ sessionId: SessionIdSchema })

const PresignedFileSchema = z.strictObject({
  contentType: z.string().min(3).max(100).toLowerCase(),
  size: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  fileName: FileNameSchema.optional(),
})
const InlineFileSchema = z.strictObject({
  data: InlineDataSchema,
  contentType: z.string().min(3).max(100).toLowerCase().optional(),
  fileName: FileNameSchema.optional(),
})

const fileView = (f: SessionFile) => ({
  id: f.id,
  kind: f.kind,
  contentType: f.contentType,
  size: f.size,
  fileName: f.fileName ?? null,
})

async function db(c: Context<AppEnv>) {
  return c.get('services').database.db()
}

/** Adds a file to an open session that has room; answers false when it had none or closed. */
async function addToSession(c: Context<AppEnv>, sessionId: string, file: SessionFile) {
  const res = await uploadSessions(await db(c)).updateOne(
    { _id: sessionId, status: 'open', [`files.${MAX_FILES_PER_SESSION - 1}`]: { $exists: false } },
    { $push: { files: file } },
  )
  return res.modifiedCount === 1
}

export const shareUploads = createRouter()

shareUploads.openapi(
  createRoute({
    method: 'post',
    path: '/validate-access-code',
    tags: [TAG],
    summary: 'Check an access code with the house and postcode it was issued for',
    request: jsonBody(ProofSchema),
    responses: {
      200: { description: 'The code is valid for this house and postcode' },
      ...errorResponses(400, 403, 429),
    },
  }),
  async (c) => {
    const upload = await proveResident(c, c.req.valid('json'))
    return c.json(
      {
        success: true,
        valid: true,
        upload: { ...codeOnlyView(upload), residentName: upload.resident.name },
      },
      200,
    )
  },
)

shareUploads.openapi(
  createRoute({
    method: 'post',
    path: '/upload/session',
    tags: [TAG],
    summary: 'Start an upload session (access code, house and postcode required)',
    request: jsonBody(ProofSchema.extend({ notes: NotesSchema.optional() })),
    responses: { 201: { description: 'The session' }, ...errorResponses(400, 403, 429) },
  }),
  async (c) => {
    const { notes, ...proof } = c.req.valid('json')
    const upload = await proveResident(c, proof)
    const session = await openSession(await db(c), upload, notes, c.get('services').now())
    return c.json(
      {
        success: true,
        sessionId: session._id,
        expiresAt: session.expiresAt.toISOString(),
        maxFiles: MAX_FILES_PER_SESSION,
        inlineMaxBytes: INLINE_MAX_BYTES,
      },
      201,
    )
  },
)

shareUploads.openapi(
  createRoute({
    method: 'post',
    path: '/upload/file/{sessionId}',
    tags: [TAG],
    summary:
      'Add one file: declare type and size for a presigned PUT URL, or send a small image inline (base64)',
    request: {
      params: SessionParams,
      ...jsonBody(z.union([PresignedFileSchema, InlineFileSchema])),
    },
    responses: {
      201: { description: 'The file, with its upload URL when presigned' },
      ...errorResponses(400, 404, 409, 413),
    },
  }),
  async (c) => {
    const { sessionId } = c.req.valid('param')
    const body = c.req.valid('json')
    const { storage, now } = c.get('services')
    const config = c.get('config')
    const session = await liveSession(await db(c), sessionId, now())
    requireOpen(session)
    if (session.files.length >= MAX_FILES_PER_SESSION) {
      throw new AppError('BAD_REQUEST', `A session holds at most ${MAX_FILES_PER_SESSION} files`)
    }
    if ('data' in body) {
      const file = await storeInline(
        storage,
        config,
        session.uploadId,
        decodeInline(body.data, body.contentType),
        body.fileName,
        now(),
      )
      if (!(await addToSession(c, sessionId, file))) {
        await storage.delete(file.key)
        throw new AppError('CONFLICT', 'This upload session is closed or full')
      }
      return c.json({ success: true, file: { ...fileView(file), status: 'uploaded' } }, 201)
    }
    const kind = checkShareFile(config, body.contentType, body.size)
    const id = new ObjectId().toHexString()
    const file: SessionFile = {
      id,
      kind,
      key: fileKey(kind, session.uploadId, id),
      contentType: body.contentType,
      size: body.size,
      mode: 'presigned',
      createdAt: now(),
    }
    if (body.fileName) file.fileName = body.fileName
    if (!(await addToSession(c, sessionId, file))) {
      throw new AppError('CONFLICT', 'This upload session is closed or full')
    }
    const url = await storage.presignPut(file.key, file.contentType)
    return c.json(
      {
        success: true,
        file: { ...fileView(file), status: 'pending' },
        upload: { method: 'PUT', url, headers: { 'content-type': file.contentType } },
      },
      201,
    )
  },
)

shareUploads.openapi(
  createRoute({
    method: 'post',
    path: '/upload/complete/{sessionId}',
    tags: [TAG],
    summary: 'Close the session: every file is checked in storage, then the owner is notified',
    request: {
      params: SessionParams,
      ...optionalJsonBody(z.strictObject({ notes: NotesSchema.optional() })),
    },
    responses: {
      200: { description: 'The files were received' },
      ...errorResponses(400, 404, 409),
    },
  }),
  async (c) => {
    const { sessionId } = c.req.valid('param')
    const { storage, now } = c.get('services')
    const database = await db(c)
    const session = await liveSession(database, sessionId, now())
    requireOpen(session)
    // Owning the transition keeps two concurrent completions from recording the files twice.
    const claimed = await uploadSessions(database).findOneAndUpdate(
      { _id: sessionId, status: 'open' },
      { $set: { status: 'completing' } },
      { returnDocument: 'after' },
    )
    if (!claimed) throw new AppError('CONFLICT', 'This upload session is already closing')
    const reopen = () =>
      uploadSessions(database).updateOne(
        { _id: sessionId, status: 'completing' },
        { $set: { status: 'open' } },
      )
    let received: UploadDoc
    try {
      if (claimed.files.length === 0) throw new AppError('BAD_REQUEST', 'No files were added')
      const states = await Promise.all(claimed.files.map((f) => storedState(storage, f)))
      const missing = claimed.files.filter((_, i) => states[i] === 'missing')
      const mismatched = claimed.files.filter((_, i) => states[i] === 'mismatch')
      if (mismatched.length > 0) {
        // A file unlike its declaration is dropped; the resident may add it again properly.
        for (const f of mismatched) await storage.delete(f.key)
        await uploadSessions(database).updateOne(
          { _id: sessionId },
          { $pull: { files: { id: { $in: mismatched.map((f) => f.id) } } } },
        )
        throw new AppError(
          'UNPROCESSABLE',
          'Some files differ from their declared size or type and were removed',
          mismatched.map((f) => ({
            path: `files.${f.id}`,
            message: 'differs from its declaration',
          })),
        )
      }
      if (missing.length > 0) {
        throw new AppError(
          'BAD_REQUEST',
          'Some files have not been uploaded yet',
          missing.map((f) => ({ path: `files.${f.id}`, message: 'has not been uploaded' })),
        )
      }
      const upload = await uploads(database).findOne({ _id: claimed.uploadId })
      if (!upload) throw new AppError('GONE', 'This share code no longer accepts uploads')
      const notes = c.req.valid('json')?.notes ?? claimed.residentNotes
      received = await recordFiles(c, upload, claimed.files, notes)
    } catch (error) {
      await reopen()
      throw error
    }
    // The files are recorded: from here on the session is done, whatever else fails.
    await uploadSessions(database).updateOne(
      { _id: sessionId },
      { $set: { status: 'completed', completedAt: now() } },
    )
    await tellOwner(c, received, claimed.files)
    return c.json(
      {
        success: true,
        message: 'Files received',
        upload: {
          accessCode: received.accessCode,
          imageCount: received.images.length,
          videoCount: received.videos.length,
        },
      },
      200,
    )
  },
)

shareUploads.openapi(
  createRoute({
    method: 'get',
    path: '/upload/progress/{sessionId}',
    tags: [TAG],
    summary: "A session's files and which of them have arrived in storage",
    request: { params: SessionParams },
    responses: { 200: { description: 'Progress' }, ...errorResponses(400, 404) },
  }),
  async (c) => {
    const { storage, now } = c.get('services')
    const session = await liveSession(await db(c), c.req.valid('param').sessionId, now())
    const done = session.status === 'completed'
    const states = done
      ? session.files.map(() => 'ok' as const)
      : await Promise.all(session.files.map((f) => storedState(storage, f)))
    const files = session.files.map((f, i) => ({
      ...fileView(f),
      status: states[i] === 'ok' ? 'uploaded' : states[i] === 'missing' ? 'pending' : 'mismatch',
    }))
    const uploaded = files.filter((f) => f.status === 'uploaded').length
    return c.json(
      {
        success: true,
        sessionId: session._id,
        status: session.status,
        total: files.length,
        uploaded,
        percent: files.length === 0 ? 0 : Math.round((uploaded / files.length) * 100),
        files,
      },
      200,
    )
  },
)

const InlineListSchema = z.array(InlineDataSchema).max(MAX_FILES_PER_SESSION).default([])

shareUploads.openapi(
  createRoute({
    method: 'post',
    path: '/upload',
    tags: [TAG],
    summary: 'Old clients: send small inline (base64) images and videos in one request',
    request: jsonBody(
      ProofSchema.extend({
        notes: NotesSchema.optional(),
        images: InlineListSchema,
        videos: InlineListSchema,
      }),
    ),
    responses: {
      201: { description: 'Files received' },
      ...errorResponses(400, 403, 413, 429),
    },
  }),
  async (c) => {
    const { notes, images, videos, ...proof } = c.req.valid('json')
    if (images.length + videos.length === 0) {
      throw new AppError('VALIDATION_ERROR', 'No files were sent', [
        { path: 'images', message: 'send at least one image or video' },
      ])
    }
    if (images.length + videos.length > MAX_FILES_PER_SESSION) {
      throw new AppError('BAD_REQUEST', `At most ${MAX_FILES_PER_SESSION} files per request`)
    }
    const upload = await proveResident(c, proof)
    const { storage, now } = c.get('services')
    const config = c.get('config')
    // Everything is decoded and checked before anything is stored.
    const decoded = [...images, ...videos].map((data, i) => {
      const inline = decodeInline(data)
      checkShareFile(config, inline.contentType, inline.bytes.length)
      const expected = i < images.length ? 'image/' : 'video/'
      if (!inline.contentType.startsWith(expected)) {
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', `${inline.contentType} sent as ${expected}*`)
      }
      return inline
    })
    const files = await Promise.all(
      decoded.map((inline) => storeInline(storage, config, upload._id, inline, undefined, now())),
    )
    const received = await recordFiles(c, upload, files, notes)
    await tellOwner(c, received, files)
    return c.json(
      {
        success: true,
        message: 'Files received',
        upload: {
          accessCode: received.accessCode,
          imageCount: received.images.length,
          videoCount: received.videos.length,
        },
      },
      201,
    )
  },
)

const CodeParams = z.object({ accessCode: AccessCodeSchema })

shareUploads.openapi(
  optionalAuthRoute({
    method: 'get',
    path: '/upload/{accessCode}',
    tags: [TAG],
    summary: 'An upload by its code: everything for its owner, a bare status for anyone else',
    request: { params: CodeParams },
    responses: { 200: { description: 'The upload' }, ...errorResponses(404, 429) },
  }),
  async (c) => {
    const { accessCode } = c.req.valid('param')
    const database = await db(c)
    const me = c.get('user')?._id
    const own = me && (await uploads(database).findOne({ accessCode, ownerId: me }))
    if (own) return c.json({ success: true, upload: await fullView(c, own) }, 200)
    await limitCodeAttempt(c, accessCode)
    const upload = await uploads(database).findOne({ accessCode, deleted: false })
    if (!upload) throw new AppError('NOT_FOUND', 'No upload has this access code')
    return c.json({ success: true, upload: codeOnlyView(upload) }, 200)
  },
)

shareUploads.openapi(
  createRoute({
    method: 'post',
    path: '/upload/{accessCode}/access',
    tags: [TAG],
    summary: 'Open an upload with its code, house and postcode; the visit is recorded',
    request: {
      params: CodeParams,
      ...jsonBody(z.strictObject({ house: HouseSchema, postcode: PostcodeSchema })),
    },
    responses: { 200: { description: 'The upload' }, ...errorResponses(400, 403, 429) },
  }),
  async (c) => {
    const { accessCode } = c.req.valid('param')
    const upload = await proveResident(c, { accessCode, ...c.req.valid('json') })
    const at = c.get('services').now()
    const userAgent = c.req.header('user-agent')?.slice(0, 200)
    const visit = { at, ip: clientIp(c), ...(userAgent ? { userAgent } : {}) }
    const updated = await uploads(await db(c)).findOneAndUpdate(
      { _id: upload._id },
      {
        $inc: { accessCount: 1 },
        $set: { lastAccessedAt: at },
        // The newest 50 visits are history enough; the counter keeps the total.
        $push: { accessHistory: { $each: [visit], $slice: -50 } },
      },
      { returnDocument: 'after' },
    )
    return c.json({ success: true, upload: await fullView(c, updated ?? upload) }, 200)
  },
)
