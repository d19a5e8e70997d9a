// Files reaching an upload (a completed session or a bulk post): recorded on the upload first, and
// only then the owner told live through their UserChannel, so a failed alert never loses files.
import type { Context } from 'hono'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { notify } from '../notifications/notify'
import { uploads, type SessionFile, type UploadDoc, type UploadFile } from './store'

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

/** Records the files on the upload (one atomic update); 410 when its code was trashed meanwhile. */
export async function recordFiles(
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
  return updated
}

/** Tells the owner (stored, live on their UserChannel, pushed when offline) what arrived. */
export async function tellOwner(c: Context<AppEnv>, upload: UploadDoc, files: SessionFile[]) {
  const images = files.filter((f) => f.kind === 'image').length
  const videos = files.length - images
  await notify(c, upload.ownerId, {
    type: 'upload.received',
    title: `New upload from ${upload.resident.name}`,
    body: `${images} photo(s) and ${videos} video(s) for ${upload.resident.house}, ${upload.resident.postcode}`,
    data: { uploadId: upload._id.toHexString(), accessCode: upload.accessCode, images, videos },
  })
}
