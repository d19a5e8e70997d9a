// Stories and reels: posting from finished uploads only, visibility, views counted once with the
// viewers list for the author alone, expiry that needs no cron (and a sweep that removes the
// media afterwards), and reels published only once their video is transcoded.
import { ObjectId } from 'mongodb'
import { beforeAll, describe, expect, it } from 'vitest'
import { api } from '../harness/http'
import { testDb, type TestUser } from '../harness/users'
import { befriend, insertVideo, uploadImage, users } from '../harness/social'

let author: TestUser, friend: TestUser, stranger: TestUser
beforeAll(async () => {
  ;[author, friend, stranger] = await users(3)
  await befriend(author, friend)
})

async function postStory(user: TestUser, json: Record<string, unknown> = {}) {
  const mediaId = (json.mediaId as string) ?? (await uploadImage(user, 'story'))
  const res = await api('/api/stories', {
    method: 'POST',
    token: user.accessToken,
    json: { ...json, mediaId },
  })
  if (res.status !== 201) throw new Error(`story: ${res.status} ${JSON.stringify(res.body)}`)
  return { ...res.body.story, mediaId } as { id: string; mediaId: string; [k: string]: any }
}

const storyIdsSeenBy = async (user: TestUser) =>
  (await api('/api/stories', { token: user.accessToken })).body.stories.flatMap((g: any) =>
    g.stories.map((s: any) => s.id),
  )

describe('stories', () => {
  it('posts an image story that expires in 24 hours, visible by its rules', async () => {
    const open = await postStory(author, { caption: 'hello' })
    expect(open).toMatchObject({
      caption: 'hello',
      visibility: 'public',
      author: { id: author.id },
      media: { kind: 'image', status: 'ready' },
      viewsCount: 0,
    })
    const lifetime = Date.parse(open.expiresAt) - Date.parse(open.createdAt)
    expect(lifetime).toBe(24 * 3_600_000)
    const closed = await postStory(author, { visibility: 'private' })
    expect(await storyIdsSeenBy(friend)).toEqual(expect.arrayContaining([open.id, closed.id]))
    const forStranger = await storyIdsSeenBy(stranger)
    expect(forStranger).toContain(open.id)
    expect(forStranger).not.toContain(closed.id)
    expect((await api(`/api/stories/${closed.id}`, { token: stranger.accessToken })).status).toBe(
      404,
    )
    const byUser = await api(`/api/stories/user/${author.id}`, { token: stranger.accessToken })
    expect(byUser.body.stories.map((s: any) => s.id)).toEqual([open.id])
    const own = (await api('/api/stories', { token: author.accessToken })).body.stories[0]
    expect(own.author.id).toBe(author.id)
  })

  it('refuses bad input, others’ media, unfinished videos and anonymous callers', async () => {
    const bad = [{}, { mediaId: 'x' }, { mediaId: new ObjectId().toHexString(), visibility: 'all' }]
    for (const json of bad) {
      const res = await api('/api/stories', { method: 'POST', token: author.accessToken, json })
      expect(res.status, JSON.stringify(json)).toBe(400)
    }
    const friendsImage = await uploadImage(friend, 'story')
    const notMine = await api('/api/stories', {
      method: 'POST',
      token: author.accessToken,
      json: { mediaId: friendsImage },
    })
    expect(notMine.status).toBe(400)
    const processing = await insertVideo(author.id, 'story', 'processing')
    const early = await api('/api/stories', {
      method: 'POST',
      token: author.accessToken,
      json: { mediaId: processing },
    })
    expect(early.status).toBe(409)
    const ready = await insertVideo(author.id, 'story')
    await postStory(author, { mediaId: ready })
    expect((await api('/api/stories')).status).toBe(401)
    expect((await api('/api/stories', { method: 'POST', json: { mediaId: ready } })).status).toBe(
      401,
    )
  })

  it('counts each viewer once and shows the viewers to the author only', async () => {
    const story = await postStory(author)
    const view = (user: TestUser) =>
      api(`/api/stories/${story.id}/view`, { method: 'POST', token: user.accessToken })
    expect((await view(friend)).body.firstView).toBe(true)
    expect((await view(friend)).body.firstView).toBe(false)
    expect((await view(stranger)).body.firstView).toBe(true)
    expect((await view(author)).body.firstView).toBe(false)
    const viewers = await api(`/api/stories/${story.id}/viewers`, { token: author.accessToken })
    expect(viewers.status).toBe(200)
    expect(viewers.body.viewsCount).toBe(2)
    expect(viewers.body.viewers.map((v: any) => v.user.id).sort()).toEqual(
      [friend.id, stranger.id].sort(),
    )
    const peek = await api(`/api/stories/${story.id}/viewers`, { token: friend.accessToken })
    expect(peek.status).toBe(403)
    const forFriend = await api(`/api/stories/${story.id}`, { token: friend.accessToken })
    expect(forFriend.body.story.seen).toBe(true)
    expect(forFriend.body.story).not.toHaveProperty('viewsCount')
  })

  it('lets only the author delete a story, removing its media', async () => {
    const story = await postStory(author)
    const url = (await api(`/api/stories/${story.id}`, { token: author.accessToken })).body.story
      .media.urls.original
    expect((await fetch(url)).status).toBe(200)
    const byFriend = await api(`/api/stories/${story.id}`, {
      method: 'DELETE',
      token: friend.accessToken,
    })
    expect(byFriend.status).toBe(403)
    const res = await api(`/api/stories/${story.id}`, {
      method: 'DELETE',
      token: author.accessToken,
    })
    expect(res.status).toBe(200)
    expect((await fetch(url)).status).toBe(404)
    expect((await api(`/api/stories/${story.id}`, { token: author.accessToken })).status).toBe(404)
  })

  it('hides an expired story at once, without the cron, and the sweep then removes its media', async () => {
    const story = await postStory(author)
    const url = (await api(`/api/stories/${story.id}`, { token: author.accessToken })).body.story
      .media.urls.original
    const db = await testDb()
    await db
      .collection('stories')
      .updateOne(
        { _id: new ObjectId(story.id) },
        { $set: { expiresAt: new Date(Date.now() - 1000) } },
      )
    for (const user of [author, friend]) {
      expect(await storyIdsSeenBy(user)).not.toContain(story.id)
      expect((await api(`/api/stories/${story.id}`, { token: user.accessToken })).status).toBe(404)
    }
    const view = await api(`/api/stories/${story.id}/view`, {
      method: 'POST',
      token: friend.accessToken,
    })
    expect(view.status).toBe(404)
    expect((await fetch(url)).status).toBe(200)

    // The cron handler runs its sweeps in waitUntil, after answering: poll for the outcome.
    expect((await api('/__scheduled?cron=*+*+*+*+*')).status).toBe(200)
    await expect
      .poll(
        async () =>
          (await db.collection('stories').findOne({ _id: new ObjectId(story.id) }))?.mediaPurged,
        { timeout: 10_000, interval: 100 },
      )
      .toBe(true)
    expect(await db.collection('media').countDocuments({ _id: new ObjectId(story.mediaId) })).toBe(
      0,
    )
    expect((await fetch(url)).status).toBe(404)
    // The TTL index removes the document itself later; readers never depended on it.
    const ttl = (await db.collection('stories').indexes()).find((i) => i.name === 'expiresAt_ttl')
    expect(ttl?.expireAfterSeconds).toBeGreaterThan(0)
  })
})

describe('reels', () => {
  it('publishes a transcoded reel, listed with the feed’s visibility rules', async () => {
    const processing = await insertVideo(author.id, 'reel', 'processing')
    const early = await api('/api/reels', {
      method: 'POST',
      token: author.accessToken,
      json: { mediaId: processing },
    })
    expect(early.status).toBe(409)
    const image = await uploadImage(author, 'post')
    const wrongPurpose = await api('/api/reels', {
      method: 'POST',
      token: author.accessToken,
      json: { mediaId: image },
    })
    expect(wrongPurpose.status).toBe(400)
    const othersVideo = await insertVideo(friend.id, 'reel')
    const stolen = await api('/api/reels', {
      method: 'POST',
      token: author.accessToken,
      json: { mediaId: othersVideo },
    })
    expect(stolen.status).toBe(400)

    const mediaId = await insertVideo(author.id, 'reel')
    const reel = await api('/api/reels', {
      method: 'POST',
      token: author.accessToken,
      json: { mediaId, caption: 'my reel', visibility: 'private' },
    })
    expect(reel.status).toBe(201)
    expect(reel.body.reel).toMatchObject({
      kind: 'reel',
      text: 'my reel',
      media: [{ id: mediaId, kind: 'video', status: 'ready' }],
    })
    const id = reel.body.reel.id
    const list = await api('/api/reels', { token: friend.accessToken })
    expect(list.body.reels.map((r: any) => r.id)).toContain(id)
    expect(
      (await api('/api/reels', { token: stranger.accessToken })).body.reels.map((r: any) => r.id),
    ).not.toContain(id)
    expect((await api(`/api/reels/${id}`, { token: stranger.accessToken })).status).toBe(404)
    // Reels stay out of the posts feed, and a post id is not a reel.
    const feed = await api('/api/posts/all?limit=50', { token: author.accessToken })
    expect(feed.body.posts.map((p: any) => p.id)).not.toContain(id)

    const edit = (user: TestUser, json: unknown) =>
      api(`/api/reels/${id}`, { method: 'PUT', token: user.accessToken, json })
    expect((await edit(friend, { caption: 'mine now' })).status).toBe(403)
    expect((await edit(author, {})).status).toBe(400)
    const edited = await edit(author, { caption: 'edited', visibility: 'public' })
    expect(edited.body.reel).toMatchObject({ text: 'edited', visibility: 'public' })
    expect((await api(`/api/reels/${id}`, { token: stranger.accessToken })).status).toBe(200)

    const comment = await api(`/api/posts/${id}/comment`, {
      method: 'POST',
      token: stranger.accessToken,
      json: { text: 'cool reel' },
    })
    expect(comment.status).toBe(201)
    expect(
      (await api(`/api/reels/${id}`, { method: 'DELETE', token: stranger.accessToken })).status,
    ).toBe(403)
    const removed = await api(`/api/reels/${id}`, { method: 'DELETE', token: author.accessToken })
    expect(removed.status).toBe(200)
    const db = await testDb()
    expect(await db.collection('media').countDocuments({ _id: new ObjectId(mediaId) })).toBe(0)
    expect(await db.collection('comments').countDocuments({ postId: new ObjectId(id) })).toBe(0)
  })
})
