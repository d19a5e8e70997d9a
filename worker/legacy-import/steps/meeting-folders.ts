// Videodesk users' `folders` and `meetingFolders` → `folders` and `meeting_folders`: each account's
// named folders (trashed ones stay trashed) and which folder each of its meetings was filed in. The
// old model kept both on the user document; this step reads `videodesk.users` a second time, after
// the meetings step, so a filed meeting exists here.
import { createHash } from 'node:crypto'
import { ObjectId, type Db } from 'mongodb'
import { folderKey } from '../../meetings/folders-store'
import { asDate, asObjectId, asString, unknownFields } from '../legacy-fields'
import type { LegacySource } from '../legacy-source'
import type { Fields, LegacyDoc, Note, Output, Ref, Step, Transformed } from '../step'
import { resolveVideodeskOwners, videodeskOwnerHere } from '../videodesk-owners'

const FOLDER_KNOWN = [
  'name',
  'color',
  'colour',
  'isDeleted',
  'is_deleted',
  'trashed',
  'isTrashed',
  'deletedAt',
  'trashedAt',
  'createdAt',
  'updatedAt',
]

/** The owner fields of a Videodesk meeting (as the meetings step reads them). */
const MEETING_OWNER_FIELDS = ['owner', 'userId', 'created_by'] as const

interface Prepared {
  owners: Map<string, ObjectId>
  /** Each filed meeting that exists in Videodesk, with its legacy owner's hex. */
  meetingOwner: Map<string, string | undefined>
}

/** The same id on every run, for a sub-document the old model stored without one. */
const derivedId = (...parts: string[]) =>
  new ObjectId(createHash('sha256').update(parts.join(':')).digest().subarray(0, 12))

/** `meetingFolders` as an array of `{ meetingId|meeting, folderId|folder }` or a map. */
function assignmentsOf(doc: LegacyDoc): { meetingId: ObjectId; folderId: ObjectId; at?: Date }[] {
  const raw = doc.meetingFolders
  const entries: [unknown, unknown, unknown][] = Array.isArray(raw)
    ? (raw as unknown[]).map((a) => {
        const f = (a ?? {}) as Fields
        return [f.meetingId ?? f.meeting, f.folderId ?? f.folder, f.assignedAt ?? f.createdAt]
      })
    : raw && typeof raw === 'object'
      ? Object.entries(raw as Fields).map(([m, f]) => [m, f, undefined])
      : []
  return entries.flatMap(([m, f, at]) => {
    const meetingId = asObjectId(m)
    const folderId = asObjectId(f)
    return meetingId && folderId ? [{ meetingId, folderId, at: asDate(at) }] : []
  })
}

async function prepare(batch: LegacyDoc[], source: LegacySource, target: Db): Promise<Prepared> {
  const owners = await resolveVideodeskOwners(
    batch.map((d) => d._id),
    source,
    target,
  )
  const filed = batch.flatMap((d) => assignmentsOf(d).map((a) => a.meetingId))
  const meetingOwner = new Map<string, string | undefined>()
  if (filed.length > 0) {
    const found = await source.find('videodesk', 'meetings', { _id: { $in: filed } })
    for (const m of found) {
      const owner = MEETING_OWNER_FIELDS.map((f) => asObjectId(m[f])).find(Boolean)
      meetingOwner.set(String(m._id), owner?.toHexString())
    }
  }
  return { owners, meetingOwner }
}

export const videodeskMeetingFolders: Step<Prepared> = {
  name: 'videodesk.users:folders',
  group: 'meetings',
  db: 'videodesk',
  collection: 'users',
  prepare,
  transform(doc, _ctx, { owners, meetingOwner }): Transformed {
    const userHex = doc._id.toHexString()
    const rawFolders = Array.isArray(doc.folders) ? (doc.folders as unknown[]) : []
    const assignments = assignmentsOf(doc)
    if (rawFolders.length === 0 && assignments.length === 0)
      return { skip: 'no folders', outputs: [] }
    const found = videodeskOwnerHere(doc._id, owners, 'user')
    if ('skip' in found) return found
    const ownerId = found.here
    const userCreatedAt = asDate(doc.createdAt) ?? doc._id.getTimestamp()
    const outputs: Output[] = []
    const notes: Note[] = []
    const refs: Ref[] = []
    const folderIds = new Set<string>()
    const liveNames = new Set<string>()
    rawFolders.forEach((raw, index) => {
      const f = (raw && typeof raw === 'object' ? raw : { name: raw }) as Fields
      const original = asString(f.name)
      if (!original) {
        notes.push({
          kind: 'folder without a name (not imported)',
          detail: { user: userHex, index },
        })
        return
      }
      const id = asObjectId(f._id) ?? derivedId(userHex, 'folder', String(index))
      const trashed = [f.isDeleted, f.is_deleted, f.trashed, f.isTrashed].some((v) => v === true)
      let name = original
      // One live folder per name and owner here, whatever the case: a later twin is renamed.
      for (let n = 2; !trashed && liveNames.has(folderKey(name)); n++) name = `${original} (${n})`
      if (name !== original)
        notes.push({ kind: 'folder renamed (same name twice)', detail: { id: String(id), name } })
      if (!trashed) liveNames.add(folderKey(name))
      folderIds.add(String(id))
      const createdAt = asDate(f.createdAt) ?? userCreatedAt
      const folder: Fields & { _id: ObjectId } = {
        _id: id,
        ownerId,
        name,
        nameKey: folderKey(name),
        trashed,
        createdAt,
        updatedAt: asDate(f.updatedAt) ?? createdAt,
        legacy: unknownFields(f, FOLDER_KNOWN),
      }
      const color = asString(f.color) ?? asString(f.colour)
      if (color) folder.color = color
      const trashedAt = asDate(f.trashedAt) ?? asDate(f.deletedAt)
      if (trashed) folder.trashedAt = trashedAt ?? folder.updatedAt
      outputs.push({ collection: 'folders', document: folder })
    })
    // One folder per meeting: of several entries for one meeting, the last is kept.
    const byMeeting = new Map(assignments.map((a) => [String(a.meetingId), a]))
    if (byMeeting.size < assignments.length)
      notes.push({ kind: 'meeting filed twice (last kept)', detail: { user: userHex } })
    for (const a of byMeeting.values()) {
      const meetingHex = String(a.meetingId)
      if (!folderIds.has(String(a.folderId))) {
        notes.push({
          kind: 'meeting filed in a folder the user does not have (not filed)',
          detail: { user: userHex, meeting: meetingHex, folder: String(a.folderId) },
        })
        continue
      }
      if (!meetingOwner.has(meetingHex)) {
        // Reported as dangling after the batch; never filed.
        refs.push({
          field: 'meetingFolders',
          db: 'videodesk',
          collection: 'meetings',
          id: a.meetingId,
        })
        continue
      }
      if (meetingOwner.get(meetingHex) !== userHex) {
        notes.push({
          kind: 'meeting filed by a user who does not own it (not filed)',
          detail: { user: userHex, meeting: meetingHex },
        })
        continue
      }
      outputs.push({
        collection: 'meeting_folders',
        document: {
          _id: derivedId(userHex, 'meeting-folder', meetingHex),
          ownerId,
          meetingId: a.meetingId,
          folderId: a.folderId,
          assignedAt: a.at ?? asDate(doc.updatedAt) ?? userCreatedAt,
        },
      })
    }
    return { outputs, notes, refs }
  },
}
