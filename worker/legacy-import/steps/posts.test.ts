// The post and reel transforms: authors in any field variant, media by S3 key or URL, visibility,
// counters recomputed (the stored ones reported when they differ).
import { ObjectId } from 'mongodb'
import { describe, expect, it } from 'vitest'
import type { Fields, LegacyDoc, Transformed } from '../step'
import { POST_KINDS, transformPost, type PostCounts } from './posts'
import { s3KeyOfUrl } from './social-fields'

const at = new Date('2024-03-01T10:00:00Z')
const noCounts: PostCounts = { likes: new Map(), comments: new Map(), shares: new Map() }
const docOf = (out: Transformed, collection: string) =>
  out.outputs
    .filter((o) => o.collection === collection)
    .map((o) => ('document' in o ? o.document : undefined)) as Fields[]

const post = (fields: Partial<LegacyDoc> = {}): LegacyDoc => ({
  _id: new ObjectId(),
  user: new ObjectId(),
  content: 'Hello',
  media: [
    { url: 'https://old-bucket.s3.eu-west-2.amazonaws.com/posts/a%20b.jpg', type: 'image' },
    'https://s3.eu-west-2.amazonaws.com/old-bucket/posts/v.mp4',
    'https://res.cloudinary.com/x/image.jpg',
  ],
  visibility: 'public',
  likesCount: 5,
  commentsCount: 1,
  location: 'Leeds',
  createdAt: at,
  updatedAt: at,
  __v: 0,
  ...fields,
})

describe('sanora posts and reels', () => {
  it('keeps the id, author, text, visibility and timestamps; media become attached records', () => {
    const doc = post()
    const out = transformPost(POST_KINDS.post, doc, noCounts)
    const [imported] = docOf(out, 'posts')
    expect(imported).toMatchObject({
      _id: doc._id,
      authorId: doc.user,
      kind: 'post',
      text: 'Hello',
      visibility: 'public',
      createdAt: at,
      legacy: { location: 'Leeds' },
    })
    expect(imported!.legacy).not.toHaveProperty('__v')
    const media = docOf(out, 'media')
    expect(media.map((m) => [m.key, m.kind, m.contentType])).toEqual([
      ['posts/a b.jpg', 'image', 'image/jpeg'],
      ['posts/v.mp4', 'video', 'video/mp4'],
    ])
    expect(media[0]).toMatchObject({
      ownerId: doc.user,
      status: 'ready',
      attachedTo: { type: 'post', id: doc._id },
    })
    expect(imported!.mediaIds).toEqual(media.map((m) => m._id))
    expect((imported!.legacy as Fields).mediaWithoutKey).toEqual([
      'https://res.cloudinary.com/x/image.jpg',
    ])
    // The same ids on every run.
    expect(docOf(transformPost(POST_KINDS.post, doc, noCounts), 'media').map((m) => m._id)).toEqual(
      media.map((m) => m._id),
    )
  })

  it('imports recomputed counters and reports the stored ones that differ', () => {
    const doc = post({ media: [] })
    const id = String(doc._id)
    const out = transformPost(POST_KINDS.post, doc, {
      likes: new Map([[id, new Set(['a', 'b'])]]),
      comments: new Map([[id, 1]]),
      shares: new Map(),
    })
    expect(docOf(out, 'posts')[0]).toMatchObject({
      likesCount: 2,
      commentsCount: 1,
      sharesCount: 0,
    })
    expect(out.notes).toEqual([
      {
        kind: 'counter posts.likes: old value differs, recomputed one imported',
        detail: { id, old: 5, recomputed: 2 },
      },
    ])
  })

  it('maps friends-only to private, an unknown visibility to private with a note', () => {
    const friends = transformPost(POST_KINDS.post, post({ visibility: 'friends' }), noCounts)
    expect(docOf(friends, 'posts')[0]!.visibility).toBe('private')
    const odd = transformPost(POST_KINDS.post, post({ visibility: 'followers' }), noCounts)
    expect(docOf(odd, 'posts')[0]!.visibility).toBe('private')
    expect(odd.notes?.map((n) => n.kind)).toContain('unknown visibility, imported as private')
  })

  it('makes a reel a post of kind reel with its video', () => {
    const out = transformPost(
      POST_KINDS.reel,
      {
        _id: new ObjectId(),
        userId: new ObjectId(),
        caption: 'Reel',
        video: 'https://b.s3.amazonaws.com/r.mp4',
      },
      noCounts,
    )
    expect(docOf(out, 'posts')[0]).toMatchObject({ kind: 'reel', text: 'Reel' })
    expect(docOf(out, 'media')[0]).toMatchObject({ purpose: 'reel', kind: 'video', key: 'r.mp4' })
  })

  it('skips a soft-deleted post and one without an author', () => {
    expect(transformPost(POST_KINDS.post, post({ isDeleted: true }), noCounts).skip).toBe(
      'deleted in the old system',
    )
    expect(transformPost(POST_KINDS.post, post({ user: undefined }), noCounts).skip).toBe(
      'no author',
    )
  })

  it('finds the key of an S3 URL only', () => {
    expect(s3KeyOfUrl('https://cdn.example.com/a.jpg')).toBeUndefined()
    expect(s3KeyOfUrl('https://bucket.s3-eu-west-1.amazonaws.com/x/y.png')).toBe('x/y.png')
  })
})
