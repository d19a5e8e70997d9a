// The upload lifecycle: limits checked before anything is signed, presigned single or multipart
// PUTs straight to storage, and verification of the stored object (HEAD) before the media counts.
import { ObjectId, type Db } from 'mongodb'
import type { Config } from '../../shared/config'
import { MEDIA_PURPOSES, kindOf, type MediaPurpose } from '../../shared/media'
import { AppError } from '../errors'
import { media, mediaKey, type MediaDoc } from './store'
import type { Storage } from '../services/storage'

export interface UploadRequest {
  purpose: MediaPurpose
  contentType: string
  size: number
  fileName?: string
}

export type UploadInstructions =
  | { method: 'PUT'; url: string; headers: Record<string, string> }
  | {
      multipart: {
        uploadId: string
        partSize: number
        parts: { partNumber: number; url: string }[]
      }
    }

/** Refuses a declared type or size the purpose does not allow, before anything is signed. */
export function checkLimits(config: Config, request: UploadRequest) {
  const kind = kindOf(request.contentType)
  const allowed: readonly string[] = MEDIA_PURPOSES[request.purpose]
  if (!kind || !allowed.includes(kind)) {
    throw new AppError(
      'UNSUPPORTED_MEDIA_TYPE',
      `${request.contentType} is not accepted for ${request.purpose}`,
      [{ path: 'contentType', message: `accepted kinds: ${allowed.join(', ')}` }],
    )
  }
  const max = kind === 'image' ? config.MEDIA_MAX_IMAGE_BYTES : config.MEDIA_MAX_VIDEO_BYTES
  if (request.size > max) {
    throw new AppError('PAYLOAD_TOO_LARGE', `A ${kind} may be at most ${max} bytes`, [
      { path: 'size', message: `must be at most ${max}` },
    ])
  }
  return kind
}

export async function createUpload(
  db: Db,
  storage: Storage,
  config: Config,
  ownerId: ObjectId,
  request: UploadRequest,
  now: Date,
): Promise<{ media: MediaDoc; upload: UploadInstructions }> {
  const kind = checkLimits(config, request)
  const _id = new ObjectId()
  const key = mediaKey(request.purpose, _id)
  const multipart = request.size > config.MEDIA_MULTIPART_THRESHOLD_BYTES
  const doc: MediaDoc = {
    _id,
    ownerId,
    purpose: request.purpose,
    kind,
    contentType: request.contentType,
    declaredSize: request.size,
    key,
    status: 'pending',
    upload: { mode: multipart ? 'multipart' : 'single' },
    createdAt: now,
    updatedAt: now,
  }
  if (request.fileName) doc.originalName = request.fileName
  if (!multipart) {
    await media(db).insertOne(doc)
    const url = await storage.presignPut(key, request.contentType)
    return {
      media: doc,
      upload: { method: 'PUT', url, headers: { 'content-type': request.contentType } },
    }
  }
  const partSize = config.MEDIA_PART_SIZE_BYTES
  const partCount = Math.ceil(request.size / partSize)
  const uploadId = await storage.createMultipart(key, request.contentType)
  doc.upload = { mode: 'multipart', uploadId, partSize, partCount }
  await media(db).insertOne(doc)
  const parts = await Promise.all(
    Array.from({ length: partCount }, async (_, i) => ({
      partNumber: i + 1,
      url: await storage.presignPart(key, uploadId, i + 1),
    })),
  )
  return { media: doc, upload: { multipart: { uploadId, partSize, parts } } }
}

/**
 * Verifies the stored object against what was declared. Answers the media in its next state
 * (`ready` for images, `processing` for videos, whose job the caller starts). A mismatch deletes the
 * object and rejects the media.
 */
export async function completeUpload(
  db: Db,
  storage: Storage,
  found: MediaDoc,
  parts: { partNumber: number; etag: string }[] | undefined,
  now: Date,
): Promise<MediaDoc> {
  // Owning the transition keeps two concurrent completions from both starting a job.
  const claimed = await media(db).findOneAndUpdate(
    { _id: found._id, status: 'pending' },
    { $set: { status: 'verifying', updatedAt: now } },
    { returnDocument: 'after' },
  )
  if (!claimed) throw new AppError('CONFLICT', `This upload is already ${found.status}`)
  const revert = () =>
    media(db).updateOne({ _id: found._id, status: 'verifying' }, { $set: { status: 'pending' } })
  try {
    if (claimed.upload.mode === 'multipart') {
      if (!parts || parts.length !== claimed.upload.partCount) {
        await revert()
        throw new AppError('VALIDATION_ERROR', `Expected ${claimed.upload.partCount} parts`, [
          {
            path: 'parts',
            message: `must list all ${claimed.upload.partCount} parts with their ETags`,
          },
        ])
      }
      await storage.completeMultipart(
        claimed.key,
        claimed.upload.uploadId!,
        [...parts].sort((a, b) => a.partNumber - b.partNumber),
      )
    }
    const head = await storage.head(claimed.key)
    if (!head) {
      await revert()
      throw new AppError('BAD_REQUEST', 'The file has not been uploaded yet')
    }
    const sameType =
      (head.contentType ?? '').split(';')[0]!.trim().toLowerCase() === claimed.contentType
    if (head.size !== claimed.declaredSize || !sameType) {
      await storage.delete(claimed.key)
      const reason =
        head.size !== claimed.declaredSize
          ? `uploaded ${head.size} bytes, declared ${claimed.declaredSize}`
          : `uploaded as ${head.contentType ?? 'unknown type'}, declared ${claimed.contentType}`
      await media(db).updateOne(
        { _id: claimed._id },
        { $set: { status: 'rejected', error: reason, updatedAt: now } },
      )
      throw new AppError('UNPROCESSABLE', `The upload does not match what was declared: ${reason}`)
    }
    const next = claimed.kind === 'image' ? 'ready' : 'processing'
    const done = await media(db).findOneAndUpdate(
      { _id: claimed._id, status: 'verifying' },
      { $set: { status: next, size: head.size, completedAt: now, updatedAt: now } },
      { returnDocument: 'after' },
    )
    return done!
  } catch (error) {
    if (error instanceof AppError) throw error
    await revert()
    throw new AppError(
      'SERVICE_UNAVAILABLE',
      'Storage did not answer; try completing again',
      undefined,
      { cause: error },
    )
  }
}

export function publicMedia(doc: MediaDoc) {
  return {
    id: doc._id.toHexString(),
    _id: doc._id.toHexString(),
    purpose: doc.purpose,
    kind: doc.kind,
    contentType: doc.contentType,
    size: doc.size ?? doc.declaredSize,
    status: doc.status,
    originalName: doc.originalName ?? null,
    jobId: doc.jobId?.toHexString() ?? null,
    // Playable (HLS, lowest renditions first) may come before `ready` (every output done).
    playableAt: doc.playableAt?.toISOString() ?? null,
    renditions: (doc.playback ?? doc.outputs)?.renditions.map((r) => r.name) ?? [],
    error: doc.error ?? null,
    createdAt: doc.createdAt.toISOString(),
  }
}
