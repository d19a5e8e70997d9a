// Stories (/api/stories): post an image or video story for 24 hours, see the active stories of
// yourself, your friends and public ones, mark one viewed, and (as its author) see who viewed it.
import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { ObjectId, type Db } from 'mongodb'
import type { AppEnv } from '../../env'
import { AppError } from '../../errors'
import { createRouter, errorResponses, jsonBody } from '../../openapi'
import { stories, storyViews, type StoryDoc } from '../store'
import { authorsById, deletedAuthor } from '../authors'
import { IdParams, VisibilitySchema, viewer } from '../context'
import { attachMedia } from '../media'
import { canSee, reachableUser, visibleToFilter, type Circle } from '../relations'
import {
  STORY_GRACE_SECONDS,
  STORY_LIFETIME_MS,
  activeFilter,
  publicStories,
  purgeStoryMedia,
} from '../stories'
import { ObjectIdSchema } from '../../../shared/ids'
import { authedRoute } from '../../authed-route'

const CreateSchema = z.strictObject({
  mediaId: ObjectIdSchema,
  caption: z.string().trim().max(500).default(''),
  visibility: VisibilitySchema.default('public'),
})
const MAX_ACTIVE = 500

/** An active story the viewer may see; expired, hidden or missing ones are all a 404. */
async function visibleStory(db: Db, circle: Circle, id: string, now: Date) {
  const doc = await stories(db).findOne({ _id: new ObjectId(id), ...activeFilter(now) })
  if (!doc || !canSee(circle, doc.authorId, doc.visibility))
    throw new AppError('NOT_FOUND', 'Story not found')
  return doc
}

/** Stories grouped by author: the viewer's own first, then authors with unseen stories. */
async function grouped(c: Context<AppEnv>, docs: StoryDoc[], circle: Circle) {
  const shaped = await publicStories(c, docs, circle)
  const groups = new Map<
    string,
    { author: (typeof shaped)[number]['author']; stories: typeof shaped }
  >()
  // Oldest first inside a group: stories play in the order they were posted.
  for (const story of [...shaped].reverse()) {
    const group = groups.get(story.author.id) ?? { author: story.author, stories: [] }
    group.stories.push(story)
    groups.set(story.author.id, group)
  }
  const me = circle.me.toHexString()
  return [...groups.values()]
    .map((g) => ({ ...g, hasUnseen: g.stories.some((s) => !s.seen) }))
    .sort((a, b) => {
      if (a.author.id === me || b.author.id === me) return a.author.id === me ? -1 : 1
      if (a.hasUnseen !== b.hasUnseen) return a.hasUnseen ? -1 : 1
      return b.stories.at(-1)!.createdAt.localeCompare(a.stories.at(-1)!.createdAt)
    })
}

export const storyRoutes = createRouter()

storyRoutes.openapi(
  authedRoute({
    method: 'get',
    path: '/',
    tags: ['Social'],
    summary: 'Active stories you may see, grouped by author',
    responses: { 200: { description: 'Stories by author' } },
  }),
  async (c) => {
    const { db, circle, now } = await viewer(c)
    const docs = await stories(db)
      .find({ ...activeFilter(now), ...visibleToFilter(circle) })
      .sort({ _id: -1 })
      .limit(MAX_ACTIVE)
      .toArray()
    return c.json({ success: true, stories: await grouped(c, docs, circle) }, 200)
  },
)

storyRoutes.openapi(
  authedRoute({
    method: 'post',
    path: '/',
    tags: ['Social'],
    summary: 'Post a story from your finished `story` upload (image or transcoded video)',
    request: jsonBody(CreateSchema),
    responses: { 201: { description: 'The story' }, ...errorResponses(409) },
  }),
  async (c) => {
    const body = c.req.valid('json')
    const { db, circle, now } = await viewer(c)
    const doc: StoryDoc = {
      _id: new ObjectId(),
      authorId: circle.me,
      mediaId: new ObjectId(body.mediaId),
      caption: body.caption,
      visibility: body.visibility,
      viewsCount: 0,
      createdAt: now,
      expiresAt: new Date(now.getTime() + STORY_LIFETIME_MS),
      mediaPurged: false,
    }
    await attachMedia(
      db,
      circle.me,
      [doc.mediaId],
      'story',
      { type: 'story', id: doc._id },
      'mediaId',
    )
    await stories(db).insertOne(doc)
    return c.json({ success: true, story: (await publicStories(c, [doc], circle))[0] }, 201)
  },
)

storyRoutes.openapi(
  authedRoute({
    method: 'get',
    path: '/user/{userId}',
    tags: ['Social'],
    summary: 'A user’s active stories you may see, oldest first',
    request: { params: z.object({ userId: ObjectIdSchema }) },
    responses: { 200: { description: 'Stories' }, ...errorResponses(404) },
  }),
  async (c) => {
    const { db, circle, now } = await viewer(c)
    const author = await reachableUser(db, circle.me, c.req.valid('param').userId)
    const docs = (
      await stories(db)
        .find({ authorId: author._id, ...activeFilter(now) })
        .sort({ expiresAt: 1 })
        .limit(MAX_ACTIVE)
        .toArray()
    ).filter((s) => canSee(circle, s.authorId, s.visibility))
    return c.json({ success: true, stories: await publicStories(c, docs, circle) }, 200)
  },
)

storyRoutes.openapi(
  authedRoute({
    method: 'get',
    path: '/{id}',
    tags: ['Social'],
    summary: 'One active story you may see',
    request: { params: IdParams },
    responses: { 200: { description: 'The story' }, ...errorResponses(404) },
  }),
  async (c) => {
    const { db, circle, now } = await viewer(c)
    const doc = await visibleStory(db, circle, c.req.valid('param').id, now)
    return c.json({ success: true, story: (await publicStories(c, [doc], circle))[0] }, 200)
  },
)

storyRoutes.openapi(
  authedRoute({
    method: 'post',
    path: '/{id}/view',
    tags: ['Social'],
    summary: 'Mark a story viewed (once per viewer; the author’s own views are not counted)',
    request: { params: IdParams },
    responses: { 200: { description: 'Viewed' }, ...errorResponses(404) },
  }),
  async (c) => {
    const { db, circle, now } = await viewer(c)
    const doc = await visibleStory(db, circle, c.req.valid('param').id, now)
    let firstView = false
    if (!doc.authorId.equals(circle.me)) {
      const result = await storyViews(db).updateOne(
        { storyId: doc._id, viewerId: circle.me },
        {
          $setOnInsert: {
            viewedAt: now,
            expiresAt: new Date(doc.expiresAt.getTime() + STORY_GRACE_SECONDS * 1000),
          },
        },
        { upsert: true },
      )
      firstView = result.upsertedCount === 1
      if (firstView) await stories(db).updateOne({ _id: doc._id }, { $inc: { viewsCount: 1 } })
    }
    return c.json({ success: true, firstView }, 200)
  },
)

storyRoutes.openapi(
  authedRoute({
    method: 'get',
    path: '/{id}/viewers',
    tags: ['Social'],
    summary: 'Who viewed your story, most recent first (author only)',
    request: { params: IdParams },
    responses: { 200: { description: 'Viewers' }, ...errorResponses(403, 404) },
  }),
  async (c) => {
    const { db, circle, now } = await viewer(c)
    const doc = await visibleStory(db, circle, c.req.valid('param').id, now)
    if (!doc.authorId.equals(circle.me))
      throw new AppError('FORBIDDEN', 'Only the author sees who viewed a story')
    const views = await storyViews(db)
      .find({ storyId: doc._id, viewerId: { $nin: circle.hidden } })
      .sort({ viewedAt: -1 })
      .limit(MAX_ACTIVE * 10)
      .toArray()
    const people = await authorsById(
      db,
      views.map((v) => v.viewerId),
    )
    return c.json(
      {
        success: true,
        viewsCount: doc.viewsCount,
        viewers: views.map((v) => ({
          user: people.get(v.viewerId.toHexString()) ?? deletedAuthor(v.viewerId),
          viewedAt: v.viewedAt.toISOString(),
        })),
      },
      200,
    )
  },
)

storyRoutes.openapi(
  authedRoute({
    method: 'delete',
    path: '/{id}',
    tags: ['Social'],
    summary: 'Delete your story and its media now',
    request: { params: IdParams },
    responses: { 200: { description: 'Deleted' }, ...errorResponses(403, 404) },
  }),
  async (c) => {
    const { db, circle, now } = await viewer(c)
    const doc = await visibleStory(db, circle, c.req.valid('param').id, now)
    if (!doc.authorId.equals(circle.me))
      throw new AppError('FORBIDDEN', 'Only the author may delete a story')
    await purgeStoryMedia(db, c.get('services').storage, doc)
    await Promise.all([
      stories(db).deleteOne({ _id: doc._id }),
      storyViews(db).deleteMany({ storyId: doc._id }),
    ])
    return c.json({ success: true, message: 'Story deleted' }, 200)
  },
)
