// The like transform: targets in every field variant, comment likes carry their post, a second
// like of the same target by the same person is reported once.
import { ObjectId } from 'mongodb'
import { describe, expect, it } from 'vitest'
import type { Fields, LegacyDoc } from '../step'
import { transformLike, type LikesPrepared } from './likes'

const postId = new ObjectId()
const reelId = new ObjectId()
const commentId = new ObjectId()
const userId = new ObjectId()
const like = (fields: Partial<LegacyDoc>): LegacyDoc => ({ _id: new ObjectId(), __v: 0, ...fields })
const prepared = (kept: [ObjectId, string][] = []): LikesPrepared => ({
  posts: new Set([String(postId), String(reelId)]),
  commentPosts: new Map([[String(commentId), postId]]),
  kept: new Map(kept.map(([target, id]) => [`${String(target)}:${String(userId)}`, id])),
})
const documentOf = (doc: LegacyDoc, p: LikesPrepared) => {
  const out = transformLike(doc, p)
  const first = out.outputs[0]
  return first && 'document' in first ? (first.document as Fields) : out
}

describe('sanora likes', () => {
  it.each([
    ['post', { post: postId }, 'post', postId, postId],
    ['targetId + targetType', { targetId: postId, targetType: 'Post' }, 'post', postId, postId],
    ['reel by onModel', { targetId: reelId, onModel: 'Reel' }, 'post', reelId, reelId],
    ['comment', { comment: commentId }, 'comment', commentId, postId],
  ])('reads a like of a %s', (_, fields, targetType, targetId, post) => {
    const doc = like({ user: userId, ...fields })
    expect(documentOf(doc, prepared([[targetId, String(doc._id)]]))).toMatchObject({
      _id: doc._id,
      userId,
      targetType,
      targetId,
      postId: post,
    })
  })

  it('reports a second like of the same target by the same person', () => {
    const first = new ObjectId()
    const out = transformLike(like({ userId, post: postId }), prepared([[postId, String(first)]]))
    expect(out.skip).toBe('duplicate like (same user, same target)')
    expect(out.notes?.[0]?.detail).toMatchObject({ kept: String(first) })
  })

  it('skips a like of something that does not exist, with the reference to report', () => {
    const gone = new ObjectId()
    const out = transformLike(like({ user: userId, post: gone }), prepared())
    expect(out.skip).toBe('target does not exist')
    expect(out.refs).toEqual([{ field: 'post', db: 'sanora', collection: 'posts', id: gone }])
  })
})
