// Sanora `comments` → `comments`: on a post or a reel (a comment of a post that no longer exists is
// not imported), with replies one level deep as ours are (a reply to a reply joins the thread of
// its first comment). Likes and replies are recomputed from the old `likes` and `comments`.
import type { ObjectId } from 'mongodb'
import type { CommentDoc } from '../../social/store'
import { counterDifference, unknownFields } from '../legacy-fields'
import type { LegacySource } from '../legacy-source'
import type { Fields, LegacyDoc, Note, Ref, Step, Transformed } from '../step'
import { IMPORTABLE, isDeleted } from './posts'
import { AUTHOR_FIELDS, firstId, firstString, refersToAny, timestamps } from './social-fields'
import { TARGET_REF_FIELDS, commentPostOf, likersByTarget } from './social-refs'

const PARENT_FIELDS = ['parentComment', 'parentId', 'parent', 'replyTo'] as const
const TEXT_FIELDS = ['text', 'content', 'comment'] as const
/** How deep the old threads are followed (a deeper reply is reported, not imported). */
const MAX_DEPTH = 8

export interface CommentsPrepared {
  /** Posts and reels that exist, by hex. */
  posts: Set<string>
  /** A parent comment's hex → its thread's first comment (missing when the chain is broken). */
  roots: Map<string, ObjectId>
  replies: Map<string, number>
  likes: Map<string, Set<string>>
}

const parentOf = (doc: Fields) => firstId(doc, PARENT_FIELDS)

/** Which of `ids` the posts step imports (not soft-deleted, with an author), by hex. */
export async function importedPosts(
  source: LegacySource,
  collection: 'posts' | 'reels',
  ids: ObjectId[],
): Promise<string[]> {
  if (ids.length === 0) return []
  const found = await source.find('sanora', collection, { _id: { $in: ids }, ...IMPORTABLE })
  return found.map((d) => String(d._id))
}

async function prepareComments(
  batch: LegacyDoc[],
  source: LegacySource,
): Promise<CommentsPrepared> {
  const targets = batch.flatMap((d) => commentPostOf(d) ?? [])
  const ids = (c: string) => targets.filter((t) => t.collection === c).map((t) => t.id)
  const [posts, reels, likes] = await Promise.all([
    importedPosts(source, 'posts', ids('posts')),
    importedPosts(source, 'reels', ids('reels')),
    likersByTarget(
      source,
      'comments',
      batch.map((d) => d._id),
    ),
  ])
  // Each parent's own parent, up the chain, to the thread's first comment.
  const parentOfId = new Map<string, ObjectId | null>()
  for (const d of batch) parentOfId.set(String(d._id), parentOf(d) ?? null)
  let pending = batch.flatMap((d) => parentOf(d) ?? [])
  for (let depth = 0; depth < MAX_DEPTH && pending.length > 0; depth++) {
    const unknown = pending.filter((id) => !parentOfId.has(String(id)))
    const found = unknown.length
      ? await source.find('sanora', 'comments', { _id: { $in: unknown } })
      : []
    for (const p of found) parentOfId.set(String(p._id), parentOf(p) ?? null)
    pending = found.flatMap((p) => parentOf(p) ?? [])
  }
  const rootOf = (id: ObjectId): ObjectId | undefined => {
    let current = id
    for (let depth = 0; depth <= MAX_DEPTH; depth++) {
      const parent = parentOfId.get(String(current))
      if (parent === undefined) return undefined
      if (parent === null) return current
      current = parent
    }
    return undefined
  }
  const roots = new Map<string, ObjectId>()
  for (const d of batch) {
    const parent = parentOf(d)
    const root = parent && rootOf(parent)
    if (parent && root) roots.set(String(parent), root)
  }
  // Every reply under each first comment of the batch, however deep, counts toward its replies.
  const replies = new Map<string, number>()
  let frontier = new Map(batch.filter((d) => !parentOf(d)).map((d) => [String(d._id), d._id]))
  for (let depth = 0; depth < MAX_DEPTH && frontier.size > 0; depth++) {
    const children = await source.find(
      'sanora',
      'comments',
      refersToAny(PARENT_FIELDS, [...frontier.values()]),
    )
    const next = new Map<string, ObjectId>()
    for (const child of children) {
      const root = frontier.get(String(parentOf(child)))
      if (!root) continue
      if (!isDeleted(child)) replies.set(String(root), (replies.get(String(root)) ?? 0) + 1)
      next.set(String(child._id), root)
    }
    frontier = next
  }
  return { posts: new Set([...posts, ...reels]), roots, replies, likes }
}

export function transformComment(doc: LegacyDoc, prepared: CommentsPrepared): Transformed {
  const id = String(doc._id)
  if (isDeleted(doc)) return { skip: 'deleted in the old system', outputs: [] }
  const target = commentPostOf(doc)
  if (!target) return { skip: 'no post', outputs: [] }
  const postRef: Ref = {
    field: target.collection === 'reels' ? 'reel' : 'post',
    db: 'sanora',
    collection: target.collection,
    id: target.id,
  }
  if (!prepared.posts.has(String(target.id)))
    return { skip: 'post does not exist', outputs: [], refs: [postRef] }
  const authorId = firstId(doc, AUTHOR_FIELDS)
  if (!authorId) return { skip: 'no author', outputs: [] }
  const notes: Note[] = []
  const parent = parentOf(doc)
  let parentId: ObjectId | null = null
  if (parent) {
    const root = prepared.roots.get(String(parent))
    if (!root)
      notes.push({
        kind: 'reply to a missing comment, imported as a comment',
        detail: { id, parent: String(parent) },
      })
    else {
      parentId = root
      if (!root.equals(parent))
        notes.push({
          kind: 'reply to a reply, joined to the thread of its first comment',
          detail: { id, parent: String(parent), thread: String(root) },
        })
    }
  }
  const likesCount = prepared.likes.get(id)?.size ?? 0
  const repliesCount = parentId ? 0 : (prepared.replies.get(id) ?? 0)
  for (const [name, stored, recomputed] of [
    ['likes', doc.likesCount ?? doc.likes, likesCount],
    ['replies', doc.repliesCount ?? doc.replies, repliesCount],
  ] as const) {
    const value = Array.isArray(stored) ? stored.length : stored
    const difference = counterDifference(`comments.${name}`, id, value, recomputed)
    if (difference) notes.push(difference)
  }
  const { createdAt, updatedAt } = timestamps(doc)
  const comment: CommentDoc & { updatedAt: Date; legacy: Fields } = {
    _id: doc._id,
    postId: target.id,
    authorId,
    parentId,
    text: firstString(doc, TEXT_FIELDS) ?? '',
    likesCount,
    repliesCount,
    createdAt,
    updatedAt,
    legacy: unknownFields(doc, [
      ...TARGET_REF_FIELDS,
      ...AUTHOR_FIELDS,
      ...PARENT_FIELDS,
      ...TEXT_FIELDS,
      'likesCount',
      'repliesCount',
      'createdAt',
      'updatedAt',
    ]),
  }
  const refs: Ref[] = [postRef, { field: 'user', db: 'sanora', collection: 'users', id: authorId }]
  return { outputs: [{ collection: 'comments', document: { ...comment } }], refs, notes }
}

export const sanoraComments: Step<CommentsPrepared> = {
  name: 'sanora.comments',
  group: 'social',
  db: 'sanora',
  collection: 'comments',
  prepare: prepareComments,
  transform: (doc, _ctx, prepared) => transformComment(doc, prepared),
}
