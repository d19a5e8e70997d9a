// Meeting folders: an owner's named folders (trash and restore keep them) and which folder each of
// their meetings sits in (one folder per meeting).
import type { Collection, Db, ObjectId } from 'mongodb'

export interface FolderDoc {
  _id: ObjectId
  ownerId: ObjectId
  name: string
  /** Lower-cased name: one live folder per name and owner, whatever the case. */
  nameKey: string
  color?: string
  trashed: boolean
  trashedAt?: Date
  createdAt: Date
  updatedAt: Date
}

export interface MeetingFolderDoc {
  _id: ObjectId
  ownerId: ObjectId
  meetingId: ObjectId
  folderId: ObjectId
  assignedAt: Date
}

export const folders = (db: Db): Collection<FolderDoc> => db.collection<FolderDoc>('folders')
export const meetingFolders = (db: Db): Collection<MeetingFolderDoc> =>
  db.collection<MeetingFolderDoc>('meeting_folders')

/** The slice of a meeting document folders rely on (the meetings feature owns the rest). */
export interface MeetingOwnership {
  _id: ObjectId
  userId?: ObjectId
  is_deleted?: boolean
}
export const meetings = (db: Db): Collection<MeetingOwnership> =>
  db.collection<MeetingOwnership>('meetings')

export const folderKey = (name: string) => name.trim().toLowerCase()

export function publicFolder(f: FolderDoc) {
  return {
    id: f._id.toHexString(),
    _id: f._id.toHexString(),
    name: f.name,
    color: f.color ?? null,
    trashed: f.trashed,
    trashedAt: f.trashedAt?.toISOString() ?? null,
    createdAt: f.createdAt.toISOString(),
    updatedAt: f.updatedAt.toISOString(),
  }
}
