// Posts and reels: who may see or change one, the keyset-paged listings (feed, a profile's posts,
// reels), their public shape, and deleting one with everything that hangs off it.
import type { Context } from 'hono'
import { ObjectId, type Db, type Filter } from 'mongodb'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { comments, likes, posts, type PostDoc, type PostKind } from './store'
import { authorsById, deletedAuthor } from './authors'
import { attachmentsById, purgeMedia } from './media'
import { canSee, visibleToFilter, type Circle } from './relations'
import { hexId, readPage } from '../paging'

const NOUN: Record<PostKind, string> = { post: 'Post', reel: 'Reel' }

/** The post if the viewer may see it; anything else (missing, friends-only, blocked) is a 404. */
export async function loadVisiblePost(db: Db, circle: Circle, id: string, kind?: PostKind) {
  const doc = await posts(db).findOne({ _id: new ObjectId(id) })
  if (!doc || (kind && doc.kind !== kind) || !canSee(circle, doc.authorId, doc.visibility))
    throw new AppError('NOT_FOUND', `${NOUN[kind ?? doc?.kind ?? 'post']} not found`)
  return doc
}

/** The post if the viewer wrote it: 403 for someone else's post the viewer can see. */
export async function loadOwnPost(db: Db, circle: Circle, id: string, kind: PostKind) {
  const doc = await loadVisiblePost(db, circle, id, kind)
  if (!doc.authorId.equals(circle.me))
    throw new AppError('FORBIDDEN', `Only the author may change this ${kind}`)
  return doc
}

export interface ListOptions {
  kind: PostKind
  /** Only this author's posts (a profile page). */
  authorId?: ObjectId
  /** Keyset cursor: the last id of the previous page. */
  before?: string
  limit: number
}

/** The filter of a listing page; a profile of someone hidden from the viewer matches nothing. */
export function listFilter(circle: Circle, opts: Omit<ListOptions, 'limit'>): Filter<PostDoc> {
  const hidden = opts.authorId && circle.hidden.some((h) => h.equals(opts.authorId!))
  return {
    kind: opts.kind,
    ...visibleToFilter(circle),
    // One author replaces the $nin on authorId, so a hidden author is checked explicitly.
    ...(opts.authorId ? { authorId: hidden ? { $in: [] } : opts.authorId } : {}),
    ...(opts.before ? { _id: { $lt: new ObjectId(opts.before) } } : {}),
  }
}

/** The sort every listing walks, backed by the kind_recent and author_kind_recent indexes. */
export const LIST_SORT = { _id: -1 } as const

/**
 * A page newest first. Ids only grow, so a cursor of "strictly older than the last id seen" never
 * repeats or skips a post however many are published meanwhile.
 */
export function listPosts(db: Db, circle: Circle, opts: ListOptions) {
  return readPage(posts(db).find(listFilter(circle, opts)).sort(LIST_SORT), opts.limit, hexId)
}

/** Public shapes of posts: authors, media URLs, whether the viewer liked each, shared originals. */
export async function publicPosts(c: Context<AppEnv>, docs: PostDoc[], circle: Circle) {
  const db = await c.get('services').database.db()
  const originalIds = docs.flatMap((d) => (d.sharedPostId ? [d.sharedPostId] : []))
  const originals = originalIds.length
    ? (
        await posts(db)
          .find({ _id: { $in: originalIds } })
          .toArray()
      ).filter((o) => canSee(circle, o.authorId, o.visibility))
    : []
  const all = [...docs, ...originals]
  const [authors, attachments, liked] = await Promise.all([
    authorsById(
      db,
      all.map((d) => d.authorId),
    ),
    attachmentsById(
      c,
      all.flatMap((d) => d.mediaIds),
    ),
    likes(db)
      .find(
        { targetId: { $in: all.map((d) => d._id) }, userId: circle.me },
        { projection: { targetId: 1 } },
      )
      .toArray(),
  ])
  const likedIds = new Set(liked.map((l) => l.targetId.toHexString()))
  const shape = (doc: PostDoc) => ({
    id: doc._id.toHexString(),
    _id: doc._id.toHexString(),
    kind: doc.kind,
    author: authors.get(doc.authorId.toHexString()) ?? deletedAuthor(doc.authorId),
    text: doc.text,
    // A file deleted after it was attached drops out of the answer.
    media: doc.mediaIds.flatMap((id) => attachments.get(id.toHexString()) ?? []),
    visibility: doc.visibility,
    likesCount: doc.likesCount,
    commentsCount: doc.commentsCount,
    sharesCount: doc.sharesCount,
    likedByMe: likedIds.has(doc._id.toHexString()),
    isOwner: doc.authorId.equals(circle.me),
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  })
  const originalById = new Map(originals.map((o) => [o._id.toHexString(), shape(o)]))
  return docs.map((doc) => ({
    ...shape(doc),
    sharedPostId: doc.sharedPostId?.toHexString() ?? null,
    // Null when the original was deleted or is no longer visible to the viewer.
    sharedPost: doc.sharedPostId
      ? (originalById.get(doc.sharedPostId.toHexString()) ?? null)
      : null,
  }))
}

export async function publicPost(c: Context<AppEnv>, doc: PostDoc, circle: Circle) {
  return (await publicPosts(c, [doc], circle))[0]!
}

/** Deletes the post and its comments, likes and media; a share gives its original one share back. */
export async function deletePost(c: Context<AppEnv>, doc: PostDoc) {
  const { database, storage } = c.get('services')
  const db = await database.db()
  const removed = await posts(db).findOneAndDelete({ _id: doc._id, authorId: doc.authorId })
  if (!removed) throw new AppError('NOT_FOUND', `${NOUN[doc.kind]} not found`)
  await Promise.all([
    comments(db).deleteMany({ postId: doc._id }),
    likes(db).deleteMany({ postId: doc._id }),
    purgeMedia(db, storage, removed.mediaIds, { type: 'post', id: doc._id }),
    removed.sharedPostId
      ? posts(db).updateOne({ _id: removed.sharedPostId }, { $inc: { sharesCount: -1 } })
      : undefined,
  ])
}
