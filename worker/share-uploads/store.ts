// Share-code uploads: one `uploads` document per share code an owner hands a resident, holding the
// resident's details and the files received; `upload_sessions` hold files still on their way.
import { ObjectId, type Collection, type Db } from 'mongodb'
import type { MediaKind } from '../../shared/media'

export interface UploadFile {
  id: string
  kind: MediaKind
  key: string
  contentType: string
  size: number
  /** Kept for display only; never part of a storage key. */
  fileName?: string
  uploadedAt: Date
}

export interface Resident {
  name: string
  house: string
  postcode: string
  email?: string
  phone?: string
  reference?: string
}

export interface UploadDoc {
  _id: ObjectId
  ownerId: ObjectId
  accessCode: string
  resident: Resident
  /** Normalised house and postcode, compared when a resident proves who they are. */
  match: { house: string; postcode: string }
  notes?: string
  residentNotes?: string
  images: UploadFile[]
  videos: UploadFile[]
  status: 'awaiting' | 'received'
  accessCount: number
  lastAccessedAt?: Date
  accessHistory: { at: Date; ip: string; userAgent?: string }[]
  deleted: boolean
  deletedAt?: Date
  notificationSent: boolean
  notificationSentAt?: Date
  lastUploadAt?: Date
  createdAt: Date
  updatedAt: Date
}

export interface SessionFile {
  id: string
  kind: MediaKind
  key: string
  contentType: string
  size: number
  fileName?: string
  /** Inline files are stored by the API itself; presigned ones are checked with HEAD. */
  mode: 'presigned' | 'inline'
  createdAt: Date
}

export interface UploadSessionDoc {
  /** The session id: random, the resident's capability for this session. */
  _id: string
  uploadId: ObjectId
  ownerId: ObjectId
  status: 'open' | 'completing' | 'completed'
  files: SessionFile[]
  residentNotes?: string
  createdAt: Date
  expiresAt: Date
  completedAt?: Date
}

export const uploads = (db: Db): Collection<UploadDoc> => db.collection<UploadDoc>('uploads')
export const uploadSessions = (db: Db): Collection<UploadSessionDoc> =>
  db.collection<UploadSessionDoc>('upload_sessions')

/** An owner's upload by id, or null (also for another owner's: nobody else may see it exists). */
export function findOwnUpload(db: Db, id: string, ownerId: ObjectId) {
  return uploads(db).findOne({ _id: new ObjectId(id), ownerId })
}

/** Storage keys an upload knows of: received files and those of its live sessions. */
export async function uploadKeys(db: Db, upload: UploadDoc): Promise<string[]> {
  const sessions = await uploadSessions(db)
    .find({ uploadId: upload._id }, { projection: { files: 1 } })
    .toArray()
  const keys = [
    ...upload.images.map((f) => f.key),
    ...upload.videos.map((f) => f.key),
    ...sessions.flatMap((s) => s.files.map((f) => f.key)),
  ]
  return [...new Set(keys)]
}
