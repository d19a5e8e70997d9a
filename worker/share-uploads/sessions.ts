// Upload sessions: a resident who proved code, house and postcode gets a random session id (128
// bits, the capability for that session), adds files one by one, then completes it.
import type { Db, ObjectId } from 'mongodb'
import { z } from '@hono/zod-openapi'
import { AppError } from '../errors'
import { uploadSessions, type UploadSessionDoc } from './store'

const SESSION_TTL_MS = 24 * 60 * 60 * 1000

export const SessionIdSchema = z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'must be a session id')

function newSessionId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')
}

export async function openSession(
  db: Db,
  upload: { _id: ObjectId; ownerId: ObjectId },
  residentNotes: string | undefined,
  now: Date,
): Promise<UploadSessionDoc> {
  const session: UploadSessionDoc = {
    _id: newSessionId(),
    uploadId: upload._id,
    ownerId: upload.ownerId,
    status: 'open',
    files: [],
    createdAt: now,
    expiresAt: new Date(now.getTime() + SESSION_TTL_MS),
  }
  if (residentNotes) session.residentNotes = residentNotes
  await uploadSessions(db).insertOne(session)
  return session
}

/** A live session by id; expired ones are gone as far as the resident is concerned. */
export async function liveSession(db: Db, id: string, now: Date): Promise<UploadSessionDoc> {
  const session = await uploadSessions(db).findOne({ _id: id, expiresAt: { $gt: now } })
  if (!session) throw new AppError('NOT_FOUND', 'Upload session not found or expired')
  return session
}

export function requireOpen(session: UploadSessionDoc) {
  if (session.status !== 'open')
    throw new AppError('CONFLICT', `This upload session is already ${session.status}`)
}
