// Comments on posts and reels (/api/posts/:id/comment…): add a comment or a reply, list them
// oldest first in cursor pages, delete your own (or any on your post).
import { z } from '@hono/zod-openapi'
import { ObjectId } from 'mongodb'
import { AppError } from '../../errors'
import { createRouter, errorResponses, jsonBody } from '../../openapi'
import { comments } from '../store'
import { addComment, publicComments, removeComment } from '../comments'
import { IdParams, viewer } from '../context'
import { actor, tell } from '../notify'
import { loadVisiblePost } from '../posts'
import { isHidden } from '../relations'
import { ObjectIdSchema } from '../../../shared/ids'
import { authedRoute } from '../../authed-route'
import { hexId, readPage } from '../../paging'

const CommentSchema = z.strictObject({
  text: z.string().trim().min(1).max(2000),
  /** Reply to this comment of the same post. */
  parentId: ObjectIdSchema.optional(),
})
const ListQuery = z.object({
  /** Replies to this comment; top-level comments when absent. */
  parentId: ObjectIdSchema.optional(),
  cursor: ObjectIdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
})

export const postComments = createRouter()

postComments.openapi(
  authedRoute({
    method: 'post',
    path: '/{id}/comment',
    tags: ['Social'],
    summary: 'Comment on a post or reel you can see, or reply to one of its comments',
    request: { params: IdParams, ...jsonBody(CommentSchema) },
    responses: { 201: { description: 'The comment' }, ...errorResponses(404) },
  }),
  async (c) => {
    const { db, circle, now } = await viewer(c)
    const post = await loadVisiblePost(db, circle, c.req.valid('param').id)
    const body = c.req.valid('json')
    let parent = null
    if (body.parentId) {
      parent = await comments(db).findOne({ _id: new ObjectId(body.parentId), postId: post._id })
      if (!parent || isHidden(circle, parent.authorId))
        throw new AppError('NOT_FOUND', 'Comment not found')
      if (parent.parentId)
        throw new AppError('BAD_REQUEST', 'Replies are one level deep; reply to the comment')
    }
    const added = await addComment(db, post, circle.me, body.text, parent, now)
    const data = {
      ...actor(c),
      postId: post._id.toHexString(),
      commentId: added.comment._id.toHexString(),
    }
    await tell(c, post.authorId, {
      type: 'post.comment',
      title: `${c.get('user').name} commented on your ${post.kind}`,
      body: body.text.slice(0, 200),
      data,
    })
    if (parent && !parent.authorId.equals(post.authorId))
      await tell(c, parent.authorId, {
        type: 'comment.reply',
        title: `${c.get('user').name} replied to your comment`,
        body: body.text.slice(0, 200),
        data: { ...data, parentId: parent._id.toHexString() },
      })
    return c.json(
      {
        success: true,
        comment: (await publicComments(c, [added.comment], circle))[0],
        commentsCount: added.commentsCount,
      },
      201,
    )
  },
)

postComments.openapi(
  authedRoute({
    method: 'get',
    path: '/{id}/comments',
    tags: ['Social'],
    summary: 'Comments of a post or reel (or replies to one comment), oldest first',
    request: { params: IdParams, query: ListQuery },
    responses: { 200: { description: 'A page of comments' }, ...errorResponses(404) },
  }),
  async (c) => {
    const { db, circle } = await viewer(c)
    const post = await loadVisiblePost(db, circle, c.req.valid('param').id)
    const { parentId, cursor, limit } = c.req.valid('query')
    const { items, nextCursor } = await readPage(
      comments(db)
        .find({
          postId: post._id,
          parentId: parentId ? new ObjectId(parentId) : null,
          authorId: { $nin: circle.hidden },
          ...(cursor ? { _id: { $gt: new ObjectId(cursor) } } : {}),
        })
        .sort({ _id: 1 }),
      limit,
      hexId,
    )
    return c.json(
      { success: true, comments: await publicComments(c, items, circle), nextCursor },
      200,
    )
  },
)

postComments.openapi(
  authedRoute({
    method: 'delete',
    path: '/{id}/comment/{commentId}',
    tags: ['Social'],
    summary: 'Delete your comment, or any comment on your post (its replies go with it)',
    request: { params: IdParams.extend({ commentId: ObjectIdSchema }) },
    responses: { 200: { description: 'Deleted' }, ...errorResponses(403, 404) },
  }),
  async (c) => {
    const { db, circle } = await viewer(c)
    const { id, commentId } = c.req.valid('param')
    const post = await loadVisiblePost(db, circle, id)
    const comment = await comments(db).findOne({ _id: new ObjectId(commentId), postId: post._id })
    if (!comment || isHidden(circle, comment.authorId))
      throw new AppError('NOT_FOUND', 'Comment not found')
    if (!comment.authorId.equals(circle.me) && !post.authorId.equals(circle.me))
      throw new AppError(
        'FORBIDDEN',
        'Only the comment’s author or the post’s author may delete it',
      )
    const { removed, commentsCount } = await removeComment(db, comment)
    return c.json({ success: true, message: 'Comment deleted', removed, commentsCount }, 200)
  },
)
