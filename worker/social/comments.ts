// Comments and one level of replies on posts and reels: adding one keeps the post's counter exact,
// deleting one (by its author or the post's author) removes its replies and their likes too.
import type { Context } from 'hono'
import { ObjectId, type Db } from 'mongodb'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { comments, likes, posts, type CommentDoc, type PostDoc } from './store'
import { authorsById, deletedAuthor } from './authors'
import type { Circle } from './relations'

export async function addComment(
  db: Db,
  post: PostDoc,
  authorId: ObjectId,
  text: string,
  parent: CommentDoc | null,
  now: Date,
) {
  const doc: CommentDoc = {
    _id: new ObjectId(),
    postId: post._id,
    authorId,
    parentId: parent?._id ?? null,
    text,
    likesCount: 0,
    repliesCount: 0,
    createdAt: now,
  }
  await comments(db).insertOne(doc)
  const counted = await posts(db).findOneAndUpdate(
    { _id: post._id },
    { $inc: { commentsCount: 1 } },
    { returnDocument: 'after', projection: { commentsCount: 1 } },
  )
  const parentKept =
    !parent ||
    (await comments(db).updateOne({ _id: parent._id }, { $inc: { repliesCount: 1 } }))
      .matchedCount === 1
  if (!counted || !parentKept) {
    // The post or the parent went away meanwhile: take the comment back out.
    await comments(db).deleteOne({ _id: doc._id })
    if (counted) await posts(db).updateOne({ _id: post._id }, { $inc: { commentsCount: -1 } })
    throw new AppError('NOT_FOUND', counted ? 'Comment not found' : 'Post not found')
  }
  return { comment: doc, commentsCount: counted.commentsCount }
}

/** Deletes a comment and its replies (and all their likes); answers how many comments went. */
export async function removeComment(db: Db, comment: CommentDoc) {
  const { deletedCount } = await comments(db).deleteOne({ _id: comment._id })
  if (deletedCount === 0) throw new AppError('NOT_FOUND', 'Comment not found')
  let removed = 1
  const replyIds: ObjectId[] = []
  if (comment.parentId) {
    await comments(db).updateOne({ _id: comment.parentId }, { $inc: { repliesCount: -1 } })
  } else {
    const replies = await comments(db)
      .find({ postId: comment.postId, parentId: comment._id }, { projection: { _id: 1 } })
      .toArray()
    replyIds.push(...replies.map((r) => r._id))
    if (replyIds.length > 0)
      removed += (await comments(db).deleteMany({ _id: { $in: replyIds } })).deletedCount
  }
  await likes(db).deleteMany({ targetId: { $in: [comment._id, ...replyIds] } })
  const post = await posts(db).findOneAndUpdate(
    { _id: comment.postId },
    { $inc: { commentsCount: -removed } },
    { returnDocument: 'after', projection: { commentsCount: 1 } },
  )
  return { removed, commentsCount: post?.commentsCount ?? 0 }
}

/** Public shapes of comments, without those by people hidden from the viewer. */
export async function publicComments(c: Context<AppEnv>, docs: CommentDoc[], circle: Circle) {
  const db = await c.get('services').database.db()
  const [authors, liked] = await Promise.all([
    authorsById(
      db,
      docs.map((d) => d.authorId),
    ),
    likes(db)
      .find(
        { targetId: { $in: docs.map((d) => d._id) }, userId: circle.me },
        { projection: { targetId: 1 } },
      )
      .toArray(),
  ])
  const likedIds = new Set(liked.map((l) => l.targetId.toHexString()))
  return docs.map((doc) => ({
    id: doc._id.toHexString(),
    _id: doc._id.toHexString(),
    postId: doc.postId.toHexString(),
    parentId: doc.parentId?.toHexString() ?? null,
    author: authors.get(doc.authorId.toHexString()) ?? deletedAuthor(doc.authorId),
    text: doc.text,
    likesCount: doc.likesCount,
    repliesCount: doc.repliesCount,
    likedByMe: likedIds.has(doc._id.toHexString()),
    isOwner: doc.authorId.equals(circle.me),
    createdAt: doc.createdAt.toISOString(),
  }))
}
