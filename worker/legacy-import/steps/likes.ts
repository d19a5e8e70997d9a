// Sanora `likes` → `likes`: a like of a post or reel (our `post` target: a reel is a post) or of a
// comment (with the comment's post, as ours carry). One like per person and target, as our unique
// index has it: a second like of the same target by the same person is reported and not imported.
// A like of something that no longer exists (or was not imported) is reported and skipped.
import type { Db, ObjectId } from 'mongodb'
import type { LikeDoc } from '../../social/store'
import { unknownFields } from '../legacy-fields'
import type { LegacySource } from '../legacy-source'
import type { Fields, LegacyDoc, Ref, Step, Transformed } from '../step'
import { importedPosts } from './comments'
import { IMPORTABLE } from './posts'
import { firstId, timestamps } from './social-fields'
import {
  LIKER_FIELDS,
  TARGET_REF_FIELDS,
  commentPostOf,
  legacyTarget,
  type LegacyTarget,
} from './social-refs'

export interface LikesPrepared {
  /** Existing posts and reels, by hex. */
  posts: Set<string>
  /** Existing comments of existing posts: the comment's hex → its post. */
  commentPosts: Map<string, ObjectId>
  /** `<target>:<user>` → the like kept for that pair (stored, or the batch's first). */
  kept: Map<string, string>
}

const pairOf = (target: ObjectId, user: ObjectId) => `${String(target)}:${String(user)}`

async function prepareLikes(
  batch: LegacyDoc[],
  source: LegacySource,
  target: Db,
): Promise<LikesPrepared> {
  const parsed = batch.map((d) => ({
    doc: d,
    target: legacyTarget(d),
    user: firstId(d, LIKER_FIELDS),
  }))
  const idsOf = (c: LegacyTarget['collection']) =>
    parsed.flatMap((p) => (p.target?.collection === c ? [p.target.id] : []))
  const commentDocs = idsOf('comments').length
    ? await source.find('sanora', 'comments', { _id: { $in: idsOf('comments') }, ...IMPORTABLE })
    : []
  const commentTargets = commentDocs.flatMap((c) => {
    const post = commentPostOf(c)
    return post ? [{ comment: c._id, post }] : []
  })
  const postIds = [
    ...idsOf('posts'),
    ...commentTargets.flatMap((c) => (c.post.collection === 'posts' ? [c.post.id] : [])),
  ]
  const reelIds = [
    ...idsOf('reels'),
    ...commentTargets.flatMap((c) => (c.post.collection === 'reels' ? [c.post.id] : [])),
  ]
  const posts = new Set([
    ...(await importedPosts(source, 'posts', postIds)),
    ...(await importedPosts(source, 'reels', reelIds)),
  ])
  const commentPosts = new Map(
    commentTargets
      .filter((c) => posts.has(String(c.post.id)))
      .map((c) => [String(c.comment), c.post.id]),
  )
  // Likes already here for the same pairs (an earlier batch or run, or one made here since).
  const pairs = parsed.filter((p) => p.target && p.user)
  const stored = pairs.length
    ? await target
        .collection<LikeDoc>('likes')
        .find(
          {
            targetId: { $in: pairs.map((p) => p.target!.id) },
            userId: { $in: pairs.map((p) => p.user!) },
          },
          { projection: { targetId: 1, userId: 1 } },
        )
        .toArray()
    : []
  const kept = new Map(stored.map((l) => [pairOf(l.targetId, l.userId), String(l._id)]))
  for (const p of pairs) {
    const key = pairOf(p.target!.id, p.user!)
    if (!kept.has(key)) kept.set(key, String(p.doc._id))
  }
  return { posts, commentPosts, kept }
}

const REF_FIELD: Record<LegacyTarget['collection'], string> = {
  posts: 'post',
  reels: 'reel',
  comments: 'comment',
}

export function transformLike(doc: LegacyDoc, prepared: LikesPrepared): Transformed {
  const id = String(doc._id)
  const target = legacyTarget(doc)
  if (!target) return { skip: 'no target', outputs: [] }
  const userId = firstId(doc, LIKER_FIELDS)
  if (!userId) return { skip: 'no user', outputs: [] }
  const targetRef: Ref = {
    field: REF_FIELD[target.collection],
    db: 'sanora',
    collection: target.collection,
    id: target.id,
  }
  const postId =
    target.collection === 'comments'
      ? prepared.commentPosts.get(String(target.id))
      : prepared.posts.has(String(target.id))
        ? target.id
        : undefined
  if (!postId) return { skip: 'target does not exist', outputs: [], refs: [targetRef] }
  const kept = prepared.kept.get(pairOf(target.id, userId))
  if (kept !== id)
    return {
      skip: 'duplicate like (same user, same target)',
      outputs: [],
      notes: [
        {
          kind: 'duplicate like imported once',
          detail: { id, kept, target: String(target.id), user: String(userId) },
        },
      ],
    }
  const like: LikeDoc & { legacy: Fields } = {
    _id: doc._id,
    userId,
    targetType: target.collection === 'comments' ? 'comment' : 'post',
    targetId: target.id,
    postId,
    createdAt: timestamps(doc).createdAt,
    legacy: unknownFields(doc, [...TARGET_REF_FIELDS, ...LIKER_FIELDS, 'createdAt', 'updatedAt']),
  }
  return {
    outputs: [{ collection: 'likes', document: { ...like } }],
    refs: [targetRef, { field: 'user', db: 'sanora', collection: 'users', id: userId }],
  }
}

export const sanoraLikes: Step<LikesPrepared> = {
  name: 'sanora.likes',
  group: 'social',
  db: 'sanora',
  collection: 'likes',
  prepare: prepareLikes,
  transform: (doc, _ctx, prepared) => transformLike(doc, prepared),
}
