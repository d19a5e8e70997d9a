// Files reaching an upload (a completed session or a bulk post): recorded on the upload, and the
// owner told live through their UserChannel (stored as a notification, pushed when offline).
import type { Context } from 'hono'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { notify } from '../notifications/notify'
import { uploads, type SessionFile, type UploadDoc, type UploadFile } from '../repositories/uploads'

const toUploadFile = (f: SessionFile, at: Date): UploadFile => {
  const file: UploadFile = {
    id: f.id,
    kind: f.kind,
    key: f.key,
    contentType: f.contentType,
    size: f.size,
    uploadedAt: at,
  }
  if (f.fileName) file.fileName = f.fileName
  return file
}

export async function receiveFiles(
  c: Context<AppEnv>,
  upload: UploadDoc,
  files: SessionFile[],
  residentNotes: string | undefined,
): Promise<UploadDoc> {
  const { database, now } = c.get('services')
  const at = now()
  const received = files.map((f) => toUploadFile(f, at))
  const images = received.filter((f) => f.kind === 'image')
  const videos = received.filter((f) => f.kind === 'video')
  const $set: Partial<UploadDoc> = {
    status: 'received',
    lastUploadAt: at,
    updatedAt: at,
    // New files deserve a fresh alert on the owner's dashboard.
    notificationSent: false,
  }
  if (residentNotes) $set.residentNotes = residentNotes
  const updated = await uploads(await database.db()).findOneAndUpdate(
    { _id: upload._id, deleted: false },
    { $push: { images: { $each: images }, videos: { $each: videos } }, $set },
    { returnDocument: 'after' },
  )
  if (!updated) throw new AppError('GONE', 'This share code no longer accepts uploads')
  await notify(c, upload.ownerId, {
    type: 'upload.received',
    title: `New upload from ${upload.resident.name}`,
    body: `${images.length} photo(s) and ${videos.length} video(s) for ${upload.resident.house}, ${upload.resident.postcode}`,
    data: {
      uploadId: upload._id.toHexString(),
      accessCode: upload.accessCode,
      images: images.length,
      videos: videos.length,
    },
  })
  return updated
}
