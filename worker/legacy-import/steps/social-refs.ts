// How a Sanora like or comment names what it is about. Likes point at a post, a reel or a comment
// (`post`/`reel`/`comment`, their `…Id` forms, or `targetId` with `targetType`/`onModel`);
// comments at a post or a reel. The posts step counts likes with the same reading the likes step
// imports them with, so a recomputed count is the number of like documents imported.
import type { ObjectId } from 'mongodb'
import { asString } from '../legacy-fields'
import type { LegacySource } from '../legacy-source'
import type { Fields } from '../step'
import { firstId, refersToAny } from './social-fields'

export type LegacyTargetCollection = 'posts' | 'reels' | 'comments'

export interface LegacyTarget {
  collection: LegacyTargetCollection
  id: ObjectId
}

const TARGET_FIELDS: Record<LegacyTargetCollection, readonly string[]> = {
  posts: ['post', 'postId'],
  reels: ['reel', 'reelId'],
  comments: ['comment', 'commentId'],
}

const MODEL_COLLECTIONS: Record<string, LegacyTargetCollection> = {
  post: 'posts',
  posts: 'posts',
  reel: 'reels',
  reels: 'reels',
  comment: 'comments',
  comments: 'comments',
}

export const TARGET_REF_FIELDS = [
  ...Object.values(TARGET_FIELDS).flat(),
  'targetId',
  'targetType',
  'onModel',
  'targetModel',
]

/** What a like (or, without comments, a comment) is about; a `targetId` without a type is a post. */
export function legacyTarget(
  doc: Fields,
  allowed: readonly LegacyTargetCollection[] = ['posts', 'reels', 'comments'],
): LegacyTarget | undefined {
  for (const collection of allowed) {
    const id = firstId(doc, TARGET_FIELDS[collection])
    if (id) return { collection, id }
  }
  const id = firstId(doc, ['targetId'])
  if (!id) return undefined
  const model = asString(doc.targetType) ?? asString(doc.onModel) ?? asString(doc.targetModel)
  const collection = model ? MODEL_COLLECTIONS[model.toLowerCase()] : 'posts'
  return collection && allowed.includes(collection) ? { collection, id } : undefined
}

export const LIKER_FIELDS = ['user', 'userId', 'likedBy'] as const

/** Where a comment belongs: a post or a reel. */
export const commentPostOf = (doc: Fields) => legacyTarget(doc, ['posts', 'reels'])

/**
 * The distinct people who liked each of `ids` (of `collection`), keyed by the target's hex: a
 * user's second like of one target is imported once, so it counts once.
 */
export async function likersByTarget(
  source: LegacySource,
  collection: LegacyTargetCollection,
  ids: ObjectId[],
): Promise<Map<string, Set<string>>> {
  const likers = new Map<string, Set<string>>()
  if (ids.length === 0) return likers
  const wanted = new Set(ids.map(String))
  const found = await source.find(
    'sanora',
    'likes',
    refersToAny([...TARGET_FIELDS[collection], 'targetId'], ids),
  )
  for (const like of found) {
    const target = legacyTarget(like)
    const user = firstId(like, LIKER_FIELDS)
    if (!target || !user || target.collection !== collection) continue
    const key = String(target.id)
    if (!wanted.has(key)) continue
    const set = likers.get(key) ?? new Set<string>()
    set.add(String(user))
    likers.set(key, set)
  }
  return likers
}
