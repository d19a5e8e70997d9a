// People (/api/users…): search by name, a user's profile page with your relation to them, and the
// posts or reels of theirs you may see. Blocked people (either way) are not found.
import { z } from '@hono/zod-openapi'
import { createRouter, errorResponses } from '../../openapi'
import { friendships, pairKey, posts } from '../store'
import { users } from '../../auth/users-store'
import { publicAuthor } from '../authors'
import { PageQuery, viewer } from '../context'
import { listPosts, publicPosts } from '../posts'
import { nameRanges } from '../search'
import { reachableUser } from '../relations'
import { ObjectIdSchema } from '../../../shared/ids'
import { authedRoute } from '../../authed-route'

const SearchQuery = z.object({
  q: z.string().trim().min(1).max(100),
  limit: z.coerce.number().int().min(1).max(50).default(20),
})
const UserParams = z.object({ id: ObjectIdSchema })

export const socialUsers = createRouter()

socialUsers.openapi(
  authedRoute({
    method: 'get',
    path: '/search',
    tags: ['Social'],
    summary: 'Find people whose name starts with `q` (any usual capitalisation)',
    request: { query: SearchQuery },
    responses: { 200: { description: 'Matching users' } },
  }),
  async (c) => {
    const { q, limit } = c.req.valid('query')
    const { db, circle } = await viewer(c)
    const found = await users(db)
      .find(
        { $or: nameRanges(q), isActive: true, _id: { $nin: circle.hidden } },
        { projection: { name: 1, profile: 1 } },
      )
      .limit(limit)
      .toArray()
    return c.json({ success: true, users: found.map(publicAuthor) }, 200)
  },
)

socialUsers.openapi(
  authedRoute({
    method: 'get',
    path: '/{id}/profile',
    tags: ['Social'],
    summary: 'A user’s profile page: who they are, counts, and your relation to them',
    request: { params: UserParams },
    responses: { 200: { description: 'The profile' }, ...errorResponses(404) },
  }),
  async (c) => {
    const { db, circle } = await viewer(c)
    const user = await reachableUser(db, circle.me, c.req.valid('param').id)
    const self = user._id.equals(circle.me)
    const [link, friendsCount, postsCount] = await Promise.all([
      self ? null : friendships(db).findOne({ pairKey: pairKey(circle.me, user._id) }),
      friendships(db).countDocuments({ userIds: user._id, status: 'accepted' }),
      posts(db).countDocuments({ authorId: user._id, kind: 'post' }),
    ])
    const relation = self
      ? 'self'
      : !link
        ? 'none'
        : link.status === 'accepted'
          ? 'friends'
          : link.requesterId.equals(circle.me)
            ? 'request_sent'
            : 'request_received'
    return c.json(
      {
        success: true,
        user: {
          ...publicAuthor(user),
          bio: user.profile.bio ?? null,
          coverPhoto: user.profile.coverPhoto ?? null,
          location: user.profile.location ?? null,
          joinedAt: user.createdAt.toISOString(),
        },
        relation,
        requestId: link && link.status === 'pending' ? link._id.toHexString() : null,
        friendsCount,
        postsCount,
      },
      200,
    )
  },
)

socialUsers.openapi(
  authedRoute({
    method: 'get',
    path: '/{id}/posts',
    tags: ['Social'],
    summary: 'A user’s posts (or reels) you may see, newest first, in cursor pages',
    request: {
      params: UserParams,
      query: PageQuery.extend({ kind: z.enum(['post', 'reel']).default('post') }),
    },
    responses: { 200: { description: 'A page of posts' }, ...errorResponses(404) },
  }),
  async (c) => {
    const { db, circle } = await viewer(c)
    const user = await reachableUser(db, circle.me, c.req.valid('param').id)
    const { cursor, limit, kind } = c.req.valid('query')
    const page = await listPosts(db, circle, { kind, authorId: user._id, before: cursor, limit })
    return c.json(
      {
        success: true,
        posts: await publicPosts(c, page.items, circle),
        nextCursor: page.nextCursor,
      },
      200,
    )
  },
)
