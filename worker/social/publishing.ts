// Handler steps the post and reel routes share: a listing page, a fresh post document, publishing
// it with its media, showing one and deleting one's own. Routes keep their own response keys.
import type { Context } from 'hono'
import { ObjectId } from 'mongodb'
import type { MediaPurpose } from '../../shared/media'
import type { AppEnv } from '../env'
import { posts, type PostDoc, type PostKind } from './store'
import { viewer } from './context'
import { attachMedia } from './media'
import {
  deletePost,
  listPosts,
  loadOwnPost,
  loadVisiblePost,
  publicPost,
  publicPosts,
} from './posts'

/** One cursor page of `kind` the viewer may see, in public shape. */
export async function listPage(
  c: Context<AppEnv>,
  kind: PostKind,
  query: { cursor?: string; limit: number },
) {
  const { db, circle } = await viewer(c)
  const page = await listPosts(db, circle, { kind, before: query.cursor, limit: query.limit })
  return { items: await publicPosts(c, page.items, circle), nextCursor: page.nextCursor }
}

type PostContent = Pick<PostDoc, 'kind' | 'text' | 'mediaIds' | 'visibility' | 'sharedPostId'>

/** A post as first stored: no likes, comments or shares yet. */
export function newPost(authorId: ObjectId, now: Date, content: PostContent): PostDoc {
  return {
    _id: new ObjectId(),
    authorId,
    ...content,
    likesCount: 0,
    commentsCount: 0,
    sharesCount: 0,
    createdAt: now,
    updatedAt: now,
  }
}

/**
 * Claims the post's media (the author's finished uploads of `purpose`, errors reported under
 * `mediaPath`) before storing it, so a stored post never points at someone else's file.
 */
export async function publishPost(
  c: Context<AppEnv>,
  content: PostContent,
  purpose: MediaPurpose,
  mediaPath?: string,
) {
  const { db, circle, now } = await viewer(c)
  const doc = newPost(circle.me, now, content)
  await attachMedia(db, circle.me, doc.mediaIds, purpose, { type: 'post', id: doc._id }, mediaPath)
  await posts(db).insertOne(doc)
  return publicPost(c, doc, circle)
}

/** The public shape of one post the viewer may see (of `kind` when given). */
export async function showPost(c: Context<AppEnv>, id: string, kind?: PostKind) {
  const { db, circle } = await viewer(c)
  return publicPost(c, await loadVisiblePost(db, circle, id, kind), circle)
}

/** Deletes the viewer's own post of `kind` with everything that hangs off it. */
export async function deleteOwnPost(c: Context<AppEnv>, id: string, kind: PostKind) {
  const { db, circle } = await viewer(c)
  await deletePost(c, await loadOwnPost(db, circle, id, kind))
}
