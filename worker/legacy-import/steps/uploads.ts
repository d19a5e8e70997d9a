// Videodesk `uploads` (share-code uploads) → `uploads`: the resident's details, the received
// images and videos by their S3 keys (presigned on read as a new upload's are), counters, trash and
// notification flags. Ids and access codes are kept; the owner is remapped as a meeting's is, and
// an upload of no existing user is skipped and reported.
import { createHash } from 'node:crypto'
import type { ObjectId } from 'mongodb'
import type { MediaKind } from '../../../shared/media'
import {
  ACCESS_CODE_PATTERN,
  normaliseAccessCode,
  normaliseHouse,
  normalisePostcode,
} from '../../share-uploads/access-code'
import type { Resident, UploadDoc, UploadFile } from '../../share-uploads/store'
import { asDate, asObjectId, asString, unknownFields } from '../legacy-fields'
import type { Fields, LegacyDoc, Note, Step, Transformed } from '../step'
import { resolveVideodeskOwners, videodeskOwnerHere } from '../videodesk-owners'

const KNOWN = [
  'owner',
  'userId',
  'createdBy',
  'created_by',
  'accessCode',
  'access_code',
  'name',
  'firstName',
  'lastName',
  'first_name',
  'last_name',
  'houseNameNumber',
  'house_name_number',
  'house',
  'postCode',
  'post_code',
  'postcode',
  'email',
  'phone',
  'phoneNumber',
  'phone_number',
  'reference',
  'notes',
  'residentNotes',
  'images',
  'videos',
  'accessCount',
  'lastAccessedAt',
  'accessHistory',
  'isDeleted',
  'deleted',
  'deletedAt',
  'notificationSent',
  'notificationSentAt',
  'lastUploadAt',
  'createdAt',
  'updatedAt',
]

const FILE_KNOWN = [
  '_id',
  's3Key',
  'key',
  's3_key',
  'contentType',
  'mimeType',
  'size',
  'fileName',
  'originalName',
  'uploadedAt',
  'timestamp',
]

const first = (doc: Fields, ...names: string[]) =>
  names.map((n) => asString(doc[n])).find((v) => v !== undefined)

const ownerOf = (doc: Fields) =>
  asObjectId(doc.owner) ??
  asObjectId(doc.userId) ??
  asObjectId(doc.createdBy) ??
  asObjectId(doc.created_by)

function files(
  doc: LegacyDoc,
  field: 'images' | 'videos',
  createdAt: Date,
): { kept: UploadFile[]; withoutKey: unknown[] } {
  const kind: MediaKind = field === 'images' ? 'image' : 'video'
  const kept: UploadFile[] = []
  const withoutKey: unknown[] = []
  const items = Array.isArray(doc[field]) ? (doc[field] as unknown[]) : []
  items.forEach((raw, index) => {
    const item = (raw && typeof raw === 'object' ? raw : {}) as Fields
    const key = first(item, 's3Key', 'key', 's3_key')
    if (!key) {
      withoutKey.push(raw)
      return
    }
    const file: UploadFile = {
      // Kept, or derived so that a re-run writes the same document.
      id:
        asObjectId(item._id)?.toHexString() ??
        createHash('sha256')
          .update(`${String(doc._id)}:${field}:${index}`)
          .digest('hex')
          .slice(0, 24),
      kind,
      key,
      contentType:
        first(item, 'contentType', 'mimeType') ?? (kind === 'image' ? 'image/jpeg' : 'video/webm'),
      size: typeof item.size === 'number' ? item.size : 0,
      uploadedAt: asDate(item.uploadedAt) ?? asDate(item.timestamp) ?? createdAt,
    }
    const fileName = first(item, 'fileName', 'originalName')
    if (fileName) file.fileName = fileName
    const rest = unknownFields(item, FILE_KNOWN)
    if (Object.keys(rest).length > 0) (file as UploadFile & { legacy?: Fields }).legacy = rest
    kept.push(file)
  })
  return { kept, withoutKey }
}

export const videodeskUploads: Step<Map<string, ObjectId>> = {
  name: 'videodesk.uploads',
  group: 'uploads',
  db: 'videodesk',
  collection: 'uploads',
  prepare: (batch, source, target) =>
    resolveVideodeskOwners(
      batch.flatMap((d) => ownerOf(d) ?? []),
      source,
      target,
    ),
  transform(doc, _ctx, owners): Transformed {
    const id = String(doc._id)
    const found = videodeskOwnerHere(ownerOf(doc), owners, 'owner')
    if ('skip' in found) return found
    const { legacy: legacyOwner, here: ownerId } = found
    const raw = first(doc, 'accessCode', 'access_code')
    const accessCode = raw === undefined ? undefined : normaliseAccessCode(raw)
    if (!accessCode) return { skip: 'no access code', outputs: [] }
    const notes: Note[] = []
    if (!ACCESS_CODE_PATTERN.test(accessCode))
      notes.push({
        kind: 'access code in an old format (still opens)',
        detail: { id, accessCode },
      })
    const createdAt = asDate(doc.createdAt) ?? doc._id.getTimestamp()
    const name =
      first(doc, 'name') ??
      ([first(doc, 'firstName', 'first_name'), first(doc, 'lastName', 'last_name')]
        .filter(Boolean)
        .join(' ') ||
        'Resident')
    const resident: Resident = {
      name,
      house: first(doc, 'houseNameNumber', 'house_name_number', 'house') ?? '',
      postcode: first(doc, 'postCode', 'post_code', 'postcode') ?? '',
    }
    const email = first(doc, 'email')
    if (email) resident.email = email.toLowerCase()
    const phone = first(doc, 'phone', 'phoneNumber', 'phone_number')
    if (phone) resident.phone = phone
    const reference = first(doc, 'reference')
    if (reference) resident.reference = reference
    const images = files(doc, 'images', createdAt)
    const videos = files(doc, 'videos', createdAt)
    const deleted = doc.isDeleted === true || doc.deleted === true
    const upload: Omit<UploadDoc, 'accessHistory'> & Fields = {
      _id: doc._id,
      ownerId,
      accessCode,
      resident,
      match: {
        house: normaliseHouse(resident.house),
        postcode: normalisePostcode(resident.postcode),
      },
      images: images.kept,
      videos: videos.kept,
      status: images.kept.length + videos.kept.length > 0 ? 'received' : 'awaiting',
      accessCount: typeof doc.accessCount === 'number' ? doc.accessCount : 0,
      accessHistory: (Array.isArray(doc.accessHistory)
        ? (doc.accessHistory as Fields[])
        : []
      ).flatMap((a) => {
        const at = asDate(a?.at) ?? asDate(a?.accessedAt) ?? asDate(a?.timestamp)
        if (!at) return []
        const entry: Fields = { at, ip: first(a, 'ip', 'ipAddress') ?? '' }
        const ua = first(a, 'userAgent')
        if (ua) entry.userAgent = ua
        return [entry]
      }),
      deleted,
      notificationSent: doc.notificationSent === true,
      createdAt,
      updatedAt: asDate(doc.updatedAt) ?? createdAt,
    }
    for (const field of ['notes', 'residentNotes'] as const) {
      const value = first(doc, field)
      if (value) upload[field] = value
    }
    for (const field of ['lastAccessedAt', 'notificationSentAt', 'lastUploadAt'] as const) {
      const value = asDate(doc[field])
      if (value) upload[field] = value
    }
    if (deleted) upload.deletedAt = asDate(doc.deletedAt) ?? upload.updatedAt
    const legacy = unknownFields(doc, KNOWN)
    if (!legacyOwner.equals(ownerId)) legacy.videodeskOwner = legacyOwner
    const withoutKey = [...images.withoutKey, ...videos.withoutKey]
    if (withoutKey.length > 0) {
      legacy.filesWithoutKey = withoutKey
      notes.push({ kind: 'files without an S3 key (kept under legacy)', detail: { id } })
    }
    if (!resident.house || !resident.postcode)
      notes.push({ kind: 'no house or postcode (residents cannot prove the code)', detail: { id } })
    return { outputs: [{ collection: 'uploads', document: { ...upload, legacy } }], notes }
  },
}
