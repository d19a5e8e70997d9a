// Likes (/api/likes): like, unlike or toggle a like on a post, a reel or a comment you can see.
// Counters stay exact under concurrency (see social/likes.ts); likes notify the liked item's author.
import { z } from '@hono/zod-openapi'
import { ObjectId } from 'mongodb'
import { AppError } from '../../errors'
import { createRouter, errorResponses, jsonBody } from '../../openapi'
import { comments, type LikeTarget } from '../store'
import { viewer } from '../context'
import { applyLike } from '../likes'
import { actor, tell } from '../notify'
import { loadVisiblePost } from '../posts'
import { isHidden } from '../relations'
import { ObjectIdSchema } from '../../../shared/ids'
import { authedRoute } from '../../authed-route'

const Action = { action: z.enum(['like', 'unlike', 'toggle']).default('toggle') }
// The old clients send `{ postId }` or `{ reelId }`; `{ targetType, targetId }` covers comments too.
const LikeSchema = z.union([
  z.strictObject({ postId: ObjectIdSchema, ...Action }),
  z.strictObject({ reelId: ObjectIdSchema, ...Action }),
  z.strictObject({ commentId: ObjectIdSchema, ...Action }),
  z.strictObject({
    targetType: z.enum(['post', 'reel', 'comment']),
    targetId: ObjectIdSchema,
    ...Action,
  }),
])

function targetOf(body: z.infer<typeof LikeSchema>): {
  type: 'post' | 'reel' | 'comment'
  id: string
} {
  if ('postId' in body) return { type: 'post', id: body.postId }
  if ('reelId' in body) return { type: 'reel', id: body.reelId }
  if ('commentId' in body) return { type: 'comment', id: body.commentId }
  return { type: body.targetType, id: body.targetId }
}

export const likeRoutes = createRouter()

likeRoutes.openapi(
  authedRoute({
    method: 'post',
    path: '/',
    tags: ['Social'],
    summary: 'Like, unlike or toggle (default) your like on a post, reel or comment',
    request: jsonBody(LikeSchema),
    responses: { 200: { description: 'The like state' }, ...errorResponses(404) },
  }),
  async (c) => {
    const body = c.req.valid('json')
    const target = targetOf(body)
    const { db, circle, now } = await viewer(c)
    let type: LikeTarget = 'post'
    let postId: ObjectId
    let ownerId: ObjectId
    let kind: string
    if (target.type === 'comment') {
      const comment = await comments(db).findOne({ _id: new ObjectId(target.id) })
      if (!comment || isHidden(circle, comment.authorId))
        throw new AppError('NOT_FOUND', 'Comment not found')
      // A comment is as visible as its post.
      await loadVisiblePost(db, circle, comment.postId.toHexString()).catch(() => {
        throw new AppError('NOT_FOUND', 'Comment not found')
      })
      type = 'comment'
      postId = comment.postId
      ownerId = comment.authorId
      kind = 'comment'
    } else {
      const post = await loadVisiblePost(db, circle, target.id, target.type)
      postId = post._id
      ownerId = post.authorId
      kind = post.kind
    }
    const id = new ObjectId(target.id)
    const outcome = await applyLike(db, { type, id, postId }, circle.me, body.action, now)
    if (outcome.changed && outcome.liked)
      await tell(c, ownerId, {
        type: type === 'comment' ? 'comment.like' : 'post.like',
        title: `${c.get('user').name} liked your ${kind}`,
        data: {
          ...actor(c),
          postId: postId.toHexString(),
          ...(type === 'comment' ? { commentId: target.id } : {}),
        },
      })
    return c.json(
      {
        success: true,
        targetType: target.type,
        targetId: target.id,
        liked: outcome.liked,
        changed: outcome.changed,
        likesCount: outcome.likesCount,
      },
      200,
    )
  },
)
