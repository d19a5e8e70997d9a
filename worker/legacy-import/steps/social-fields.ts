// What the Sanora social steps share: the field variants the old models used for the same thing,
// ids derived the same way on every run, visibility, and a post's or story's media (an S3 URL or
// key) turned into the `media` record our views presign.
import { createHash } from 'node:crypto'
import { ObjectId, type Document, type Filter } from 'mongodb'
import { kindOf, type MediaKind, type MediaPurpose } from '../../../shared/media'
import type { MediaDoc } from '../../media/store'
import type { Visibility } from '../../social/store'
import type { LegacySource } from '../legacy-source'
import { asDate, asObjectId, asString, unknownFields } from '../legacy-fields'
import type { Fields, LegacyDoc, Note } from '../step'

/** The first of `fields` holding a ref (ObjectId, hex string or populated `{ _id }`). */
export function firstId(doc: Fields, fields: readonly string[]): ObjectId | undefined {
  for (const f of fields) {
    const v = doc[f]
    const id = asObjectId(v) ?? asObjectId((v as { _id?: unknown } | null)?._id)
    if (id) return id
  }
  return undefined
}

export const firstString = (doc: Fields, fields: readonly string[]) =>
  fields.map((f) => asString(doc[f])).find((v) => v !== undefined)

/** An id for something Mongoose stored without one (a friendship, a viewer): the same every run. */
export const derivedId = (...parts: string[]) =>
  new ObjectId(createHash('sha256').update(parts.join(':')).digest().subarray(0, 12))

export function timestamps(doc: LegacyDoc) {
  const createdAt = asDate(doc.createdAt) ?? doc._id.getTimestamp()
  return { createdAt, updatedAt: asDate(doc.updatedAt) ?? createdAt }
}

/** The old models' author field: `user`, `userId`, `author`, `postedBy`. */
export const AUTHOR_FIELDS = ['user', 'userId', 'author', 'postedBy'] as const

/**
 * Ours is public or friends-only. Sanora's `private` and a `friends` value are friends-only; an
 * unknown value becomes friends-only too (the safe side) and is noted.
 */
export function visibilityOf(raw: unknown, id: string): { visibility: Visibility; note?: Note } {
  const v = typeof raw === 'string' ? raw.toLowerCase() : undefined
  if (v === undefined || v === 'public') return { visibility: 'public' }
  if (v === 'private' || v === 'friends') return { visibility: 'private' }
  return {
    visibility: 'private',
    note: { kind: 'unknown visibility, imported as private', detail: { id, visibility: raw } },
  }
}

/**
 * The S3 key of a media URL: virtual-hosted (`https://bucket.s3.region.amazonaws.com/key`) or
 * path-style (`https://s3.region.amazonaws.com/bucket/key`). Another host (a CDN, Cloudinary)
 * gives none.
 */
export function s3KeyOfUrl(url: string): string | undefined {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return undefined
  }
  const host = parsed.hostname
  const path = decodeURIComponent(parsed.pathname.replace(/^\/+/, ''))
  if (!path || !host.endsWith('amazonaws.com')) return undefined
  if (/^s3[.-]/.test(host)) {
    const slash = path.indexOf('/')
    return slash > 0 ? path.slice(slash + 1) || undefined : undefined
  }
  return /\.s3[.-]/.test(host) ? path : undefined
}

const EXTENSION_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
  mkv: 'video/x-matroska',
}

const MEDIA_ITEM_KNOWN = [
  '_id',
  'url',
  'key',
  's3Key',
  'type',
  'mediaType',
  'contentType',
  'mimeType',
  'size',
]

export interface ImportedMedia {
  ids: ObjectId[]
  media: (MediaDoc & { legacy: Fields })[]
  /** Items with no S3 key (another host's URL): kept under the owner's `legacy`. */
  withoutKey: unknown[]
}

/**
 * Media records for a post's, reel's or story's items (a URL string, or `{ url, key, type }`),
 * attached to it as our own uploads are, so the views presign the old key; ids are the item's own
 * or derived from the owner and position.
 */
export function importMediaItems(
  items: unknown[],
  owner: { id: ObjectId; authorId: ObjectId; createdAt: Date },
  purpose: MediaPurpose,
  attachedTo: 'post' | 'story',
  fallbackKind: MediaKind,
): ImportedMedia {
  const out: ImportedMedia = { ids: [], media: [], withoutKey: [] }
  items.forEach((raw, index) => {
    const item: Fields = typeof raw === 'string' ? { url: raw } : ((raw ?? {}) as Fields)
    const url = asString(item.url)
    const key = firstString(item, ['key', 's3Key']) ?? (url ? s3KeyOfUrl(url) : undefined)
    if (!key) {
      out.withoutKey.push(raw)
      return
    }
    const extension = key.split('.').pop()?.toLowerCase() ?? ''
    const declared = firstString(item, ['contentType', 'mimeType'])
    const typeWord = firstString(item, ['type', 'mediaType'])?.toLowerCase()
    const contentType =
      (declared && kindOf(declared) ? declared : undefined) ??
      EXTENSION_TYPES[extension] ??
      (typeWord === 'video' || (!typeWord && fallbackKind === 'video') ? 'video/mp4' : 'image/jpeg')
    const kind = kindOf(contentType) ?? fallbackKind
    const id = asObjectId(item._id) ?? derivedId(String(owner.id), 'media', String(index))
    const size = typeof item.size === 'number' ? item.size : 0
    const legacy = unknownFields(item, MEDIA_ITEM_KNOWN)
    if (url) legacy.url = url
    out.ids.push(id)
    out.media.push({
      _id: id,
      ownerId: owner.authorId,
      purpose,
      kind,
      contentType,
      declaredSize: size,
      key,
      status: 'ready',
      upload: { mode: 'single' },
      size,
      createdAt: owner.createdAt,
      updatedAt: owner.createdAt,
      completedAt: owner.createdAt,
      attachedTo: { type: attachedTo, id: owner.id },
      legacy,
    })
  })
  return out
}

/**
 * `countBy` over each of a ref's field variants (`post`, `postId`), summed: how many documents
 * reference each id in any of them. A document naming the same id in two variants counts twice;
 * the old models used one field each.
 */
export async function countByAny(
  source: LegacySource,
  collection: string,
  fields: readonly string[],
  ids: ObjectId[],
  filter?: Filter<Document>,
): Promise<Map<string, number>> {
  const total = new Map<string, number>()
  for (const field of fields)
    for (const [id, n] of await source.countBy('sanora', collection, field, ids, filter))
      total.set(id, (total.get(id) ?? 0) + n)
  return total
}

/** A filter matching documents that reference any of `ids` in any of `fields`. */
export const refersToAny = (fields: readonly string[], ids: ObjectId[]): Filter<Document> => ({
  $or: fields.map((f) => ({ [f]: { $in: ids } })),
})

/** The old counter stored beside a document: a number, or the length of an array of refs. */
export function storedCounter(doc: Fields, fields: readonly string[]): number | undefined {
  for (const f of fields) {
    const v = doc[f]
    if (typeof v === 'number') return v
    if (Array.isArray(v)) return v.length
  }
  return undefined
}
