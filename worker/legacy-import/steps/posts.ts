// Sanora `posts` and `reels` → `posts` (a reel is a post of kind `reel`, as ours are), with one
// `media` record per item (its S3 key, from the stored key or the S3 URL) attached to the post so
// the feed presigns it as a new upload's. Likes, comments and shares are recomputed from the old
// `likes`, `comments` and share posts; a stored counter that disagrees is reported.
import type { ObjectId } from 'mongodb'
import type { MediaKind, MediaPurpose } from '../../../shared/media'
import type { PostDoc, PostKind } from '../../social/store'
import { counterDifference, unknownFields } from '../legacy-fields'
import type { LegacySource } from '../legacy-source'
import type { Fields, LegacyDoc, Note, Output, Ref, Step, Transformed } from '../step'
import {
  AUTHOR_FIELDS,
  countByAny,
  firstId,
  firstString,
  importMediaItems,
  storedCounter,
  timestamps,
  visibilityOf,
} from './social-fields'
import { likersByTarget } from './social-refs'

const TEXT_FIELDS = ['content', 'text', 'caption', 'description'] as const
const SHARE_FIELDS = ['sharedPost', 'sharedPostId', 'originalPost'] as const
const LIKES_STORED = ['likesCount', 'likes'] as const
const COMMENTS_STORED = ['commentsCount', 'comments'] as const
const SHARES_STORED = ['sharesCount', 'shares'] as const
/** A soft-deleted post or comment: not shown by the old system, not imported. */
const DELETED_FLAGS = ['isDeleted', 'deleted'] as const
const NOT_DELETED = { isDeleted: { $ne: true }, deleted: { $ne: true } }
/** A post or comment the steps import: not soft-deleted, with an author (else it is skipped). */
export const IMPORTABLE = {
  ...NOT_DELETED,
  $or: AUTHOR_FIELDS.map((f) => ({ [f]: { $exists: true, $ne: null } })),
}
export const isDeleted = (doc: Fields) => DELETED_FLAGS.some((f) => doc[f] === true)

interface KindOf {
  collection: 'posts' | 'reels'
  kind: PostKind
  purpose: MediaPurpose
  fallbackKind: MediaKind
  /** Where the old model kept its media. */
  mediaFields: readonly string[]
  /** How comments name a post of this collection. */
  commentFields: readonly string[]
}

const KINDS: Record<PostKind, KindOf> = {
  post: {
    collection: 'posts',
    kind: 'post',
    purpose: 'post',
    fallbackKind: 'image',
    mediaFields: ['media', 'images', 'mediaUrls'],
    commentFields: ['post', 'postId', 'targetId'],
  },
  reel: {
    collection: 'reels',
    kind: 'reel',
    purpose: 'reel',
    fallbackKind: 'video',
    mediaFields: ['video', 'videoUrl', 'media'],
    commentFields: ['reel', 'reelId', 'targetId'],
  },
}

export interface PostCounts {
  likes: Map<string, Set<string>>
  comments: Map<string, number>
  shares: Map<string, number>
}

async function countsOf(kind: KindOf, batch: LegacyDoc[], source: LegacySource) {
  const ids: ObjectId[] = batch.map((d) => d._id)
  const [likes, comments, shares] = await Promise.all([
    likersByTarget(source, kind.collection, ids),
    countByAny(source, 'comments', kind.commentFields, ids, IMPORTABLE),
    countByAny(source, 'posts', SHARE_FIELDS, ids, NOT_DELETED),
  ])
  return { likes, comments, shares }
}

/** The media items of a post: an array, or one URL/object (a reel's `video`). */
function mediaItems(doc: LegacyDoc, fields: readonly string[]): unknown[] {
  for (const f of fields) {
    const v = doc[f]
    if (Array.isArray(v) && v.length > 0) return v
    if (typeof v === 'string' || (v && typeof v === 'object' && !Array.isArray(v))) return [v]
  }
  return []
}

export function transformPost(kind: KindOf, doc: LegacyDoc, counts: PostCounts): Transformed {
  const id = String(doc._id)
  if (isDeleted(doc)) return { skip: 'deleted in the old system', outputs: [] }
  const authorId = firstId(doc, AUTHOR_FIELDS)
  if (!authorId) return { skip: 'no author', outputs: [] }
  const notes: Note[] = []
  const { visibility, note } = visibilityOf(doc.visibility ?? doc.privacy, id)
  if (note) notes.push(note)
  const { createdAt, updatedAt } = timestamps(doc)
  const media = importMediaItems(
    mediaItems(doc, kind.mediaFields),
    { id: doc._id, authorId, createdAt },
    kind.purpose,
    'post',
    kind.fallbackKind,
  )
  const likesCount = counts.likes.get(id)?.size ?? 0
  const commentsCount = counts.comments.get(id) ?? 0
  const sharesCount = counts.shares.get(id) ?? 0
  for (const [name, stored, recomputed] of [
    ['likes', storedCounter(doc, LIKES_STORED), likesCount],
    ['comments', storedCounter(doc, COMMENTS_STORED), commentsCount],
    ['shares', storedCounter(doc, SHARES_STORED), sharesCount],
  ] as const) {
    const difference = counterDifference(`${kind.collection}.${name}`, id, stored, recomputed)
    if (difference) notes.push(difference)
  }
  const legacy = unknownFields(doc, [
    ...AUTHOR_FIELDS,
    ...TEXT_FIELDS,
    ...kind.mediaFields,
    ...SHARE_FIELDS,
    'visibility',
    'privacy',
    'likesCount',
    'commentsCount',
    'sharesCount',
    'shares',
    'createdAt',
    'updatedAt',
  ])
  if (media.withoutKey.length > 0) {
    legacy.mediaWithoutKey = media.withoutKey
    notes.push({ kind: 'media without an S3 key (kept under legacy)', detail: { id } })
  }
  const post: Omit<PostDoc, 'sharedPostId'> & { sharedPostId?: ObjectId; legacy: Fields } = {
    _id: doc._id,
    authorId,
    kind: kind.kind,
    text: firstString(doc, TEXT_FIELDS) ?? '',
    mediaIds: media.ids,
    visibility,
    likesCount,
    commentsCount,
    sharesCount,
    createdAt,
    updatedAt,
    legacy,
  }
  const sharedPostId = firstId(doc, SHARE_FIELDS)
  if (sharedPostId) post.sharedPostId = sharedPostId
  const refs: Ref[] = [{ field: 'user', db: 'sanora', collection: 'users', id: authorId }]
  const outputs: Output[] = [
    { collection: 'posts', document: post },
    ...media.media.map((m) => ({ collection: 'media', document: { ...m } })),
  ]
  return { outputs, refs, notes }
}

function postStep(kind: KindOf): Step<PostCounts> {
  return {
    name: `sanora.${kind.collection}`,
    group: 'social',
    db: 'sanora',
    collection: kind.collection,
    prepare: (batch, source) => countsOf(kind, batch, source),
    transform: (doc, _ctx, counts) => transformPost(kind, doc, counts),
  }
}

export const sanoraPosts = postStep(KINDS.post)
export const sanoraReels = postStep(KINDS.reel)
export const POST_KINDS = KINDS
