// What each audience sees of an upload: the owner everything with presigned read URLs, a resident
// who proved code, house and postcode the same, and anyone holding only the code a bare status.
import type { Context } from 'hono'
import type { AppEnv } from '../env'
import type { UploadDoc, UploadFile } from './store'

async function fileView(c: Context<AppEnv>, f: UploadFile) {
  return {
    id: f.id,
    kind: f.kind,
    contentType: f.contentType,
    size: f.size,
    fileName: f.fileName ?? null,
    uploadedAt: f.uploadedAt.toISOString(),
    url: await c.get('services').storage.presignGet(f.key),
  }
}

/** The full upload with read URLs: for its owner, or a resident who proved all three. */
export async function fullView(c: Context<AppEnv>, u: UploadDoc) {
  return {
    id: u._id.toHexString(),
    _id: u._id.toHexString(),
    accessCode: u.accessCode,
    resident: u.resident,
    notes: u.notes ?? null,
    residentNotes: u.residentNotes ?? null,
    status: u.status,
    images: await Promise.all(u.images.map((f) => fileView(c, f))),
    videos: await Promise.all(u.videos.map((f) => fileView(c, f))),
    accessCount: u.accessCount,
    lastAccessedAt: u.lastAccessedAt?.toISOString() ?? null,
    deleted: u.deleted,
    deletedAt: u.deletedAt?.toISOString() ?? null,
    notificationSent: u.notificationSent,
    lastUploadAt: u.lastUploadAt?.toISOString() ?? null,
    createdAt: u.createdAt.toISOString(),
    updatedAt: u.updatedAt.toISOString(),
  }
}

/** A list row: counts instead of files, so listing signs no URLs. */
export function summaryView(u: UploadDoc) {
  return {
    id: u._id.toHexString(),
    _id: u._id.toHexString(),
    accessCode: u.accessCode,
    resident: u.resident,
    status: u.status,
    imageCount: u.images.length,
    videoCount: u.videos.length,
    accessCount: u.accessCount,
    deleted: u.deleted,
    deletedAt: u.deletedAt?.toISOString() ?? null,
    notificationSent: u.notificationSent,
    lastUploadAt: u.lastUploadAt?.toISOString() ?? null,
    createdAt: u.createdAt.toISOString(),
  }
}

/** What the code alone reveals: no resident details, no files. */
export function codeOnlyView(u: UploadDoc) {
  return {
    accessCode: u.accessCode,
    status: u.status,
    imageCount: u.images.length,
    videoCount: u.videos.length,
    createdAt: u.createdAt.toISOString(),
  }
}
