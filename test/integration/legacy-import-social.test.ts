// The social import against fixture databases: posts, reels, comments, likes, stories, friends,
// blocks and chats, read through the running Worker by the old accounts with their old passwords
// (a post in its author's listing and the feed with its recomputed counts, a chat readable by its
// members only and continued after its imported messages, a block in effect), and a re-run that
// writes nothing.
import { randomBytes } from 'node:crypto'
import { MongoClient, type Db } from 'mongodb'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { ensureIndexes } from '../../worker/db/indexes'
import { runImport } from '../../worker/legacy-import/engine'
import { legacySource, type LegacySource } from '../../worker/legacy-import/legacy-source'
import type { StepReport } from '../../worker/legacy-import/report'
import { selectSteps } from '../../worker/legacy-import/steps'
import { buildLegacyFixtures } from '../harness/legacy-fixtures'
import type { SocialFixtures } from '../harness/legacy/social'
import { api, type ApiResponse } from '../harness/http'
import { putObject } from '../harness/storage'
import { freshIp, testDb } from '../harness/users'

const SCALE = 300
const tag = randomBytes(3).toString('hex')
let client: MongoClient
let source: LegacySource
let social: SocialFixtures
let target: Db
let report: Awaited<ReturnType<typeof runImport>>
const scratch: Db[] = []

const importSocial = (groups = ['users', 'social']) =>
  runImport({ source, target, steps: selectSteps(groups), batchSize: 250 })
const step = (name: string) => report.steps.find((s) => s.step === name) as StepReport

async function signIn(who: { email: string; password: string }) {
  const login = await api('/api/auth/login', {
    method: 'POST',
    json: { email: who.email, password: who.password },
    headers: { 'cf-connecting-ip': freshIp() },
  })
  expect(login.status, JSON.stringify(login.body)).toBe(200)
  return login.body.accessToken as string
}

beforeAll(async () => {
  client = await new MongoClient(inject('workerVars').MONGODB_URI!).connect()
  const sanora = client.db(`legacy_sanora_${tag}`)
  const videodesk = client.db(`legacy_videodesk_${tag}`)
  scratch.push(sanora, videodesk)
  social = (await buildLegacyFixtures(sanora, videodesk, { scale: SCALE, tag })).groups.social
  source = legacySource({ sanora, videodesk })
  target = await testDb()
  await ensureIndexes(target)
  report = await importSocial()
}, 120_000)

afterAll(async () => {
  for (const db of scratch) await db.dropDatabase()
  await client?.close()
})

describe('legacy import of the social collections: the report', () => {
  it('imports posts with recomputed likes, skipping deleted ones and reporting deleted authors', () => {
    const posts = step('sanora.posts')
    expect(posts).toMatchObject({
      read: social.posts.read,
      written: social.posts.read - social.posts.deleted,
      skipped: { 'deleted in the old system': social.posts.deleted },
    })
    expect(posts.failed.count).toBe(0)
    expect(posts.dangling.user!.count).toBe(social.posts.danglingAuthors)
    expect(
      posts.notes['counter posts.likes: old value differs, recomputed one imported']!.count,
    ).toBe(social.posts.likesDiffer)
    expect(posts.notes['media without an S3 key (kept under legacy)']!.count).toBeGreaterThan(0)
    expect(step('sanora.reels')).toMatchObject({
      read: social.reels.read,
      written: social.reels.read,
    })
  })

  it('imports comments of existing posts, flattening replies to replies', () => {
    const comments = step('sanora.comments')
    expect(comments).toMatchObject({
      read: social.comments.read,
      written: social.comments.read - social.comments.ofMissingPosts,
      skipped: { 'post does not exist': social.comments.ofMissingPosts },
    })
    expect(comments.dangling.post!.count).toBe(social.comments.ofMissingPosts)
    expect(
      comments.notes['reply to a reply, joined to the thread of its first comment']!.count,
    ).toBe(social.comments.replyToReply)
  })

  it('imports each like once, reporting duplicates and likes of deleted or missing posts', () => {
    const likes = step('sanora.likes')
    expect(likes).toMatchObject({
      read: social.likes.read,
      written: social.likes.read - social.likes.duplicates - social.likes.ofMissingTargets,
      skipped: {
        'duplicate like (same user, same target)': social.likes.duplicates,
        'target does not exist': social.likes.ofMissingTargets,
      },
    })
    expect(likes.failed.count).toBe(0)
    expect(likes.notes['duplicate like imported once']!.count).toBe(social.likes.duplicates)
    expect(likes.dangling.post!.count).toBe(social.likes.danglingTargets)
  })

  it('imports active and recently expired stories with their viewers', () => {
    const stories = step('sanora.stories')
    expect(stories).toMatchObject({
      read: social.stories.read,
      written: social.stories.active + social.stories.expired,
      skipped: { 'expired before our stories are kept': social.stories.gone },
    })
    expect(stories.writesByCollection.story_views).toBe(social.stories.views)
  })

  it('makes one friendship per pair and one block per blocked user that exists', () => {
    const relations = step('sanora.users.relations')
    expect(relations.failed.count).toBe(0)
    expect(relations.writesByCollection).toMatchObject({
      friendships: social.friendships,
      blocks: social.blocks,
    })
    expect(relations.dangling.blockedUsers!.count).toBe(social.danglingBlocks)
  })

  it('imports conversations (one per pair) and their messages', () => {
    expect(step('sanora.conversations')).toMatchObject({
      read: social.conversations.read,
      written: social.conversations.read - social.conversations.duplicatePairs,
      skipped: { 'a second conversation of the same two people': 1 },
    })
    const messages = step('sanora.messages')
    expect(messages).toMatchObject({
      read: social.messages.read,
      written: social.messages.read - social.messages.ofMissingConversations,
      skipped: { 'conversation not imported': social.messages.ofMissingConversations },
    })
    expect(messages.failed.count).toBe(0)
    expect(messages.dangling.conversation!.count).toBe(social.messages.ofMissingConversations)
  })
})

/** The post `id` as the feed shows it to the bearer of `token`, walking its pages. */
async function inFeed(token: string, id: string) {
  let cursor: string | null = null
  for (let page = 0; page < 500; page++) {
    const res: ApiResponse = await api(
      `/api/posts/all?limit=50${cursor ? `&cursor=${cursor}` : ''}`,
      {
        token,
      },
    )
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const hit = res.body.posts.find((p: { id: string }) => p.id === id)
    if (hit) return hit
    cursor = res.body.nextCursor
    if (!cursor) return undefined
  }
  return undefined
}

describe('legacy import of the social collections: through the Worker', () => {
  it("lists an imported post in its author's posts and in the feed, with its counts and media", async () => {
    const { author, stranger, post } = social.showcase
    await putObject(post.mediaKey, 'old post image', 'image/jpeg')
    const authorToken = await signIn(author)
    const own = await api(`/api/users/${author.id}/posts?limit=50`, { token: authorToken })
    expect(own.status, JSON.stringify(own.body)).toBe(200)
    const listed = own.body.posts.find((p: { id: string }) => p.id === String(post.id))
    expect(listed).toMatchObject({
      kind: 'post',
      likesCount: post.likes,
      commentsCount: post.comments,
      likedByMe: false,
      isOwner: true,
    })
    const image = await fetch(listed.media[0].urls.original)
    expect(await image.text()).toBe('old post image')

    const strangerToken = await signIn(stranger)
    // Other files' posts share this database and are newer: walk the feed to the old post.
    expect(await inFeed(strangerToken, String(post.id))).toMatchObject({
      likesCount: post.likes,
      likedByMe: true,
    })
    // The friend's friends-only post: in the author's feed, not open to a stranger.
    const privatePost = String(social.showcase.privatePost)
    expect(await inFeed(authorToken, privatePost)).toBeDefined()
    expect((await api(`/api/posts/${privatePost}`, { token: strangerToken })).status).toBe(404)
    const thread = await api(`/api/posts/${post.id}/comments`, { token: strangerToken })
    expect(thread.body.comments).toMatchObject([{ repliesCount: 1, parentId: null }])
  })

  it('shows an imported chat to its members with its read state, and continues it', async () => {
    const { author, stranger, conversation } = social.showcase
    const token = await signIn(author)
    const list = await api('/api/chat/conversations?limit=100', { token })
    const listed = list.body.conversations.find(
      (c: { id: string }) => c.id === String(conversation.id),
    )
    expect(listed).toMatchObject({
      type: 'direct',
      lastSeq: conversation.messages,
      unreadCount: conversation.unreadForAuthor,
      lastMessage: { seq: conversation.messages },
    })
    const history = await api(`/api/chat/conversations/${conversation.id}/messages`, { token })
    expect(history.status, JSON.stringify(history.body)).toBe(200)
    expect(history.body.messages.map((m: { seq: number }) => m.seq)).toEqual([1, 2, 3])
    const sent = await api('/api/chat/message', {
      method: 'POST',
      token,
      json: { conversationId: String(conversation.id), text: 'after the move' },
    })
    expect(sent.status, JSON.stringify(sent.body)).toBe(201)
    expect(sent.body.message.seq).toBe(conversation.messages + 1)

    const outsider = await signIn(stranger)
    const refused = await api(`/api/chat/conversations/${conversation.id}/messages`, {
      token: outsider,
    })
    expect(refused.status).toBe(404)
  })

  it('puts imported friendships, stories and blocks in effect', async () => {
    const { author, friend, blocker, blocked, story, expiredStory } = social.showcase
    const friendToken = await signIn(friend)
    const friends = await api('/api/friend/list', { token: friendToken })
    expect(friends.body.friends.map((f: { id: string }) => f.id)).toContain(String(author.id))
    const seen = await api(`/api/stories/${story}`, { token: friendToken })
    expect(seen.status).toBe(200)
    expect(seen.body.story).toMatchObject({ seen: true })
    expect((await api(`/api/stories/${expiredStory}`, { token: friendToken })).status).toBe(404)

    const token = await signIn(blocker)
    const listed = await api('/api/friend/blocked', { token })
    expect(listed.body.blocked.map((b: { id: string }) => b.id)).toContain(String(blocked.id))
    expect((await api(`/api/users/${blocked.id}/profile`, { token })).status).toBe(404)
    const chat = await api('/api/chat/conversations/direct', {
      method: 'POST',
      token,
      json: { userId: String(blocked.id) },
    })
    expect(chat.status).toBe(403)
  })

  it('says on a dry run into an empty database what a run writes', async () => {
    const empty = client.db(`legacy_dry_${tag}`)
    scratch.push(empty)
    const dry = await runImport({
      source,
      target: empty,
      steps: selectSteps(['social']),
      dryRun: true,
    })
    const counts = (r: typeof report) =>
      r.steps.filter((s) => s.step !== 'sanora.users').map((s) => [s.step, s.written, s.skipped])
    expect(counts(dry)).toEqual(counts(report).filter(([name]) => name !== 'videodesk.users'))
  }, 60_000)

  it('writes nothing on a second run', async () => {
    const again = await importSocial(['social'])
    expect(Object.fromEntries(again.steps.map((s) => [s.step, s.written]))).toEqual(
      Object.fromEntries(again.steps.map((s) => [s.step, 0])),
    )
  }, 120_000)
})
