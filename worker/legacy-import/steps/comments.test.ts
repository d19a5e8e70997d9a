// The comment transform: its post or reel, its thread (a reply to a reply joins the first comment's
// thread), recomputed likes and replies.
import { ObjectId } from 'mongodb'
import { describe, expect, it } from 'vitest'
import type { Fields, LegacyDoc } from '../step'
import { transformComment, type CommentsPrepared } from './comments'

const postId = new ObjectId()
const first = new ObjectId()
const reply = new ObjectId()
const prepared: CommentsPrepared = {
  posts: new Set([String(postId)]),
  roots: new Map([
    [String(first), first],
    [String(reply), first],
  ]),
  replies: new Map([[String(first), 2]]),
  likes: new Map([[String(first), new Set(['u1'])]]),
}
const comment = (fields: Partial<LegacyDoc> = {}): LegacyDoc => ({
  _id: first,
  post: postId,
  user: new ObjectId(),
  text: 'Nice',
  likes: [new ObjectId(), new ObjectId()],
  __v: 0,
  ...fields,
})
const documentOf = (doc: LegacyDoc) => {
  const out = transformComment(doc, prepared)
  const o = out.outputs[0]
  return { out, doc: o && 'document' in o ? (o.document as Fields) : undefined }
}

describe('sanora comments', () => {
  it('keeps a first comment with recomputed likes and replies, reporting the stored ones', () => {
    const { out, doc } = documentOf(comment())
    expect(doc).toMatchObject({ postId, parentId: null, likesCount: 1, repliesCount: 2 })
    expect(out.notes?.map((n) => n.kind)).toEqual([
      'counter comments.likes: old value differs, recomputed one imported',
    ])
  })

  it('joins a reply to a reply to the thread of its first comment', () => {
    const { out, doc } = documentOf(
      comment({ _id: new ObjectId(), parentComment: reply, content: 'deep', text: undefined }),
    )
    expect(doc).toMatchObject({ parentId: first, text: 'deep', repliesCount: 0 })
    expect(out.notes?.[0]?.kind).toBe('reply to a reply, joined to the thread of its first comment')
  })

  it('skips a comment of a post that does not exist, with the reference to report', () => {
    const gone = new ObjectId()
    const out = transformComment(comment({ post: gone }), prepared)
    expect(out.skip).toBe('post does not exist')
    expect(out.refs).toEqual([{ field: 'post', db: 'sanora', collection: 'posts', id: gone }])
  })
})
