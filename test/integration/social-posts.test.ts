// Posts end to end: publishing with media, editing and deleting your own (never someone else's),
// friends-only visibility, the feed's rules and its stable cursor pages, comments with replies and
// their cascades, shares, and deleting a post taking its comments, likes and media files with it.
import { ObjectId, type Document, type Filter } from 'mongodb'
import { beforeAll, describe, expect, it } from 'vitest'
import { LIST_SORT, listFilter } from '../../worker/social/posts'
import { circleOf } from '../../worker/social/relations'
import { api } from '../harness/http'
import { testDb, type TestUser } from '../harness/users'
import { allPages, befriend, createPost, uploadImage, users } from '../harness/social'

let alice: TestUser, bob: TestUser, carol: TestUser
beforeAll(async () => {
  ;[alice, bob, carol] = await users(3)
  await befriend(alice, bob)
})

const feedOf = (user: TestUser) => allPages('/api/posts/all', user.accessToken, 'posts')
const ids = (list: { id: string }[]) => list.map((p) => p.id)

describe('publishing posts', () => {
  it('creates a post with text and an image, readable with a URL to the file', async () => {
    const mediaId = await uploadImage(alice)
    const res = await api('/api/posts', {
      method: 'POST',
      token: alice.accessToken,
      json: { text: '  First post  ', mediaIds: [mediaId], visibility: 'private' },
    })
    expect(res.status).toBe(201)
    expect(res.body.post).toMatchObject({
      text: 'First post',
      visibility: 'private',
      kind: 'post',
      author: { id: alice.id },
      likesCount: 0,
      commentsCount: 0,
      sharesCount: 0,
      likedByMe: false,
      isOwner: true,
      sharedPost: null,
      media: [{ id: mediaId, kind: 'image', status: 'ready' }],
    })
    const file = await fetch(res.body.post.media[0].urls.original)
    expect(file.status).toBe(200)
    const read = await api(`/api/posts/${res.body.post.id}`, { token: bob.accessToken })
    expect(read.status).toBe(200)
    expect(read.body.post).toMatchObject({ id: res.body.post.id, isOwner: false })
  })

  it('refuses bad input with a 400 and stores nothing', async () => {
    const before = await (await testDb()).collection('posts').countDocuments({
      authorId: new ObjectId(carol.id),
    })
    const bodies = [
      {},
      { text: '   ' },
      { text: 'x'.repeat(5001) },
      { text: 'ok', visibility: 'friends' },
      { text: 'ok', mediaIds: ['nope'] },
      { text: 'ok', extra: true },
      { text: 42 },
    ]
    for (const json of bodies) {
      const res = await api('/api/posts', { method: 'POST', token: carol.accessToken, json })
      expect(res.status, JSON.stringify(json)).toBe(400)
      expect(res.body).toMatchObject({ success: false, code: 'VALIDATION_ERROR' })
    }
    const malformed = await api('/api/posts', {
      method: 'POST',
      token: carol.accessToken,
      body: '{not json',
      headers: { 'content-type': 'application/json' },
    })
    expect(malformed.status).toBe(400)
    expect(
      await (
        await testDb()
      )
        .collection('posts')
        .countDocuments({ authorId: new ObjectId(carol.id) }),
    ).toBe(before)
  })

  it('only attaches your own unused finished uploads of the post purpose', async () => {
    const bobsImage = await uploadImage(bob)
    const avatar = await uploadImage(alice, 'avatar')
    for (const mediaIds of [[bobsImage], [avatar], [new ObjectId().toHexString()]]) {
      const res = await api('/api/posts', {
        method: 'POST',
        token: alice.accessToken,
        json: { text: 'steal', mediaIds },
      })
      expect(res.status).toBe(400)
      expect(res.body.details[0].path).toBe('mediaIds.0')
    }
    const mine = await uploadImage(alice)
    await createPost(alice, { mediaIds: [mine] })
    const reused = await api('/api/posts', {
      method: 'POST',
      token: alice.accessToken,
      json: { text: 'again', mediaIds: [mine] },
    })
    expect(reused.status).toBe(400)
  })

  it('needs a signed-in user for every route', async () => {
    const post = await createPost(alice)
    const calls: [string, string][] = [
      ['GET', '/api/posts/all'],
      ['POST', '/api/posts'],
      ['GET', `/api/posts/${post.id}`],
      ['PUT', `/api/posts/${post.id}`],
      ['DELETE', `/api/posts/${post.id}`],
      ['POST', `/api/posts/${post.id}/comment`],
      ['GET', `/api/posts/${post.id}/comments`],
      ['DELETE', `/api/posts/${post.id}/comment/${new ObjectId().toHexString()}`],
      ['POST', `/api/posts/${post.id}/share`],
    ]
    for (const [method, path] of calls) {
      const res = await api(path, method === 'GET' ? {} : { method, json: { text: 'x' } })
      expect(res.status, `${method} ${path}`).toBe(401)
    }
  })
})

describe('editing and deleting', () => {
  it('lets the author edit text and visibility; others get 403 and change nothing', async () => {
    const post = await createPost(alice, { text: 'original' })
    const intruder = await api(`/api/posts/${post.id}`, {
      method: 'PUT',
      token: bob.accessToken,
      json: { text: 'hacked' },
    })
    expect(intruder.status).toBe(403)
    const gone = await api(`/api/posts/${post.id}`, { method: 'DELETE', token: carol.accessToken })
    expect(gone.status).toBe(403)
    const bad = await api(`/api/posts/${post.id}`, {
      method: 'PUT',
      token: alice.accessToken,
      json: {},
    })
    expect(bad.status).toBe(400)
    const emptied = await api(`/api/posts/${post.id}`, {
      method: 'PUT',
      token: alice.accessToken,
      json: { text: '' },
    })
    expect(emptied.status).toBe(400)
    const edited = await api(`/api/posts/${post.id}`, {
      method: 'PUT',
      token: alice.accessToken,
      json: { text: 'edited', visibility: 'private' },
    })
    expect(edited.status).toBe(200)
    expect(edited.body.post).toMatchObject({ text: 'edited', visibility: 'private' })
    const read = await api(`/api/posts/${post.id}`, { token: alice.accessToken })
    expect(read.body.post.text).toBe('edited')
    // Now friends-only: carol (not a friend) cannot see it any more.
    expect((await api(`/api/posts/${post.id}`, { token: carol.accessToken })).status).toBe(404)
  })

  it('answers 404 for a missing post and 400 for a malformed id', async () => {
    const missing = new ObjectId().toHexString()
    expect((await api(`/api/posts/${missing}`, { token: alice.accessToken })).status).toBe(404)
    const bad = await api('/api/posts/not-an-id', { token: alice.accessToken })
    expect(bad.status).toBe(400)
    expect(bad.body.code).toBe('VALIDATION_ERROR')
  })

  it('deleting a post removes its comments, likes and media files', async () => {
    const mediaId = await uploadImage(alice)
    const post = await createPost(alice, { mediaIds: [mediaId] })
    const fileUrl = post.media[0].urls.original
    const comment = await api(`/api/posts/${post.id}/comment`, {
      method: 'POST',
      token: bob.accessToken,
      json: { text: 'nice' },
    })
    await api(`/api/posts/${post.id}/comment`, {
      method: 'POST',
      token: alice.accessToken,
      json: { text: 'thanks', parentId: comment.body.comment.id },
    })
    await api('/api/likes', { method: 'POST', token: bob.accessToken, json: { postId: post.id } })
    await api('/api/likes', {
      method: 'POST',
      token: alice.accessToken,
      json: { commentId: comment.body.comment.id },
    })
    const db = await testDb()
    const postId = new ObjectId(post.id)
    expect(await db.collection('comments').countDocuments({ postId })).toBe(2)
    expect(await db.collection('likes').countDocuments({ postId })).toBe(2)

    const res = await api(`/api/posts/${post.id}`, { method: 'DELETE', token: alice.accessToken })
    expect(res.status).toBe(200)
    expect((await api(`/api/posts/${post.id}`, { token: alice.accessToken })).status).toBe(404)
    expect(await db.collection('comments').countDocuments({ postId })).toBe(0)
    expect(await db.collection('likes').countDocuments({ postId })).toBe(0)
    expect(await db.collection('media').countDocuments({ _id: new ObjectId(mediaId) })).toBe(0)
    expect((await fetch(fileUrl)).status).toBe(404)
    const again = await api(`/api/posts/${post.id}`, { method: 'DELETE', token: alice.accessToken })
    expect(again.status).toBe(404)
  })

  it('replacing media deletes the files taken out of the post', async () => {
    const [first, second] = [await uploadImage(alice), await uploadImage(alice)]
    const post = await createPost(alice, { mediaIds: [first] })
    const firstUrl = post.media[0].urls.original
    const res = await api(`/api/posts/${post.id}`, {
      method: 'PUT',
      token: alice.accessToken,
      json: { mediaIds: [second] },
    })
    expect(res.status).toBe(200)
    expect(res.body.post.media.map((m: any) => m.id)).toEqual([second])
    expect((await fetch(firstUrl)).status).toBe(404)
  })
})

describe('visibility and the feed', () => {
  it('shows a friends-only post to the author and friends only', async () => {
    const post = await createPost(alice, { text: 'for friends', visibility: 'private' })
    expect((await api(`/api/posts/${post.id}`, { token: bob.accessToken })).status).toBe(200)
    const stranger = await api(`/api/posts/${post.id}`, { token: carol.accessToken })
    expect(stranger.status).toBe(404)
    // Nor can a non-friend reach it by commenting, liking or sharing.
    for (const [path, json] of [
      [`/api/posts/${post.id}/comment`, { text: 'hi' }],
      [`/api/posts/${post.id}/share`, {}],
      ['/api/likes', { postId: post.id }],
    ] as const) {
      const res = await api(path, { method: 'POST', token: carol.accessToken, json })
      expect(res.status, path).toBe(404)
    }
    expect(ids(await feedOf(carol))).not.toContain(post.id)
    expect(ids(await feedOf(bob))).toContain(post.id)
  })

  it('lists own, friends’ and public posts newest first; a stranger’s private post never', async () => {
    const [viewer, friend, stranger] = await users(3)
    await befriend(viewer, friend)
    const mine = await createPost(viewer, { visibility: 'private' })
    const friends = await createPost(friend, { visibility: 'private' })
    const publicOne = await createPost(stranger, { visibility: 'public' })
    const hidden = await createPost(stranger, { visibility: 'private' })
    const feed = ids(await feedOf(viewer))
    expect(feed).toEqual(expect.arrayContaining([mine.id, friends.id, publicOne.id]))
    expect(feed).not.toContain(hidden.id)
    // Newest first.
    const positions = [hidden.id, publicOne.id, friends.id, mine.id].map((id) => feed.indexOf(id))
    expect(positions.slice(1)).toEqual([...positions.slice(1)].sort((a, b) => a - b))
  })

  it('keeps cursor pages stable while new posts arrive', async () => {
    const [viewer, friend] = await users(2)
    await befriend(viewer, friend)
    const created: string[] = []
    for (let i = 0; i < 7; i++)
      created.push((await createPost(friend, { visibility: 'private', text: `p${i}` })).id)
    const seen: string[] = []
    let cursor: string | null = null
    let page = 0
    do {
      const res: { status: number; body: any } = await api(
        `/api/posts/all?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
        {
          token: viewer.accessToken,
        },
      )
      expect(res.status).toBe(200)
      expect(res.body.posts.length).toBeLessThanOrEqual(3)
      seen.push(...ids(res.body.posts))
      cursor = res.body.nextCursor
      // New posts published between pages must not shift what later pages hold.
      if (page++ === 0) await createPost(friend, { visibility: 'private', text: 'late' })
    } while (cursor)
    const friendsSeen = seen.filter((id) => created.includes(id))
    expect(friendsSeen).toEqual([...created].reverse())
    expect(new Set(seen).size).toBe(seen.length)
    const bad = await api('/api/posts/all?cursor=zzz', { token: viewer.accessToken })
    expect(bad.status).toBe(400)
    const tooMany = await api('/api/posts/all?limit=500', { token: viewer.accessToken })
    expect(tooMany.status).toBe(400)
  })

  it('reads feed and profile pages through an index, never a collection scan', async () => {
    const db = await testDb()
    const circle = await circleOf(db, new ObjectId(alice.id))
    const cursor = new ObjectId().toHexString()
    for (const opts of [
      { kind: 'post' as const },
      { kind: 'post' as const, before: cursor },
      { kind: 'reel' as const, authorId: new ObjectId(bob.id), before: cursor },
    ]) {
      const plan = await db
        .collection('posts')
        .find(listFilter(circle, opts) as Filter<Document>)
        .sort(LIST_SORT)
        .limit(21)
        .explain()
      expect(JSON.stringify(plan.queryPlanner.winningPlan)).not.toContain('COLLSCAN')
    }
  })

  it('shows a user’s profile posts according to the same rules', async () => {
    const [owner, friend, stranger] = await users(3)
    await befriend(owner, friend)
    const open = await createPost(owner, { visibility: 'public' })
    const closed = await createPost(owner, { visibility: 'private' })
    const forFriend = await allPages(`/api/users/${owner.id}/posts`, friend.accessToken, 'posts')
    expect(ids(forFriend)).toEqual([closed.id, open.id])
    const forStranger = await allPages(
      `/api/users/${owner.id}/posts`,
      stranger.accessToken,
      'posts',
    )
    expect(ids(forStranger)).toEqual([open.id])
  })
})

describe('comments and replies', () => {
  it('adds comments and replies with exact counters, listed oldest first in pages', async () => {
    const post = await createPost(alice)
    const first = await api(`/api/posts/${post.id}/comment`, {
      method: 'POST',
      token: bob.accessToken,
      json: { text: 'first' },
    })
    expect(first.status).toBe(201)
    expect(first.body).toMatchObject({
      comment: { text: 'first', parentId: null },
      commentsCount: 1,
    })
    await api(`/api/posts/${post.id}/comment`, {
      method: 'POST',
      token: carol.accessToken,
      json: { text: 'second' },
    })
    const reply = await api(`/api/posts/${post.id}/comment`, {
      method: 'POST',
      token: alice.accessToken,
      json: { text: 'reply', parentId: first.body.comment.id },
    })
    expect(reply.body).toMatchObject({
      comment: { parentId: first.body.comment.id },
      commentsCount: 3,
    })
    const nested = await api(`/api/posts/${post.id}/comment`, {
      method: 'POST',
      token: bob.accessToken,
      json: { text: 'deeper', parentId: reply.body.comment.id },
    })
    expect(nested.status).toBe(400)
    const otherPost = await createPost(alice)
    const crossPost = await api(`/api/posts/${otherPost.id}/comment`, {
      method: 'POST',
      token: bob.accessToken,
      json: { text: 'x', parentId: first.body.comment.id },
    })
    expect(crossPost.status).toBe(404)
    for (const json of [
      {},
      { text: '' },
      { text: 'x'.repeat(2001) },
      { text: 'x', parentId: 'bad' },
    ]) {
      const res = await api(`/api/posts/${post.id}/comment`, {
        method: 'POST',
        token: bob.accessToken,
        json,
      })
      expect(res.status).toBe(400)
    }

    const page1 = await api(`/api/posts/${post.id}/comments?limit=1`, { token: carol.accessToken })
    expect(page1.body.comments.map((c: any) => c.text)).toEqual(['first'])
    expect(page1.body.comments[0].repliesCount).toBe(1)
    const page2 = await api(
      `/api/posts/${post.id}/comments?limit=1&cursor=${page1.body.nextCursor}`,
      {
        token: carol.accessToken,
      },
    )
    expect(page2.body.comments.map((c: any) => c.text)).toEqual(['second'])
    const replies = await api(`/api/posts/${post.id}/comments?parentId=${first.body.comment.id}`, {
      token: carol.accessToken,
    })
    expect(replies.body.comments.map((c: any) => c.text)).toEqual(['reply'])
    expect(
      (await api(`/api/posts/${post.id}`, { token: bob.accessToken })).body.post.commentsCount,
    ).toBe(3)
  })

  it('lets the comment’s author or the post’s author delete it, its replies going too', async () => {
    const post = await createPost(alice)
    const add = (user: TestUser, text: string, parentId?: string) =>
      api(`/api/posts/${post.id}/comment`, {
        method: 'POST',
        token: user.accessToken,
        json: { text, ...(parentId ? { parentId } : {}) },
      }).then((r) => r.body.comment.id as string)
    const bobs = await add(bob, 'bob says')
    const carols = await add(carol, 'carol says')
    await add(alice, 'reply 1', bobs)
    await add(carol, 'reply 2', bobs)

    const stranger = await api(`/api/posts/${post.id}/comment/${bobs}`, {
      method: 'DELETE',
      token: carol.accessToken,
    })
    expect(stranger.status).toBe(403)
    const wrongPost = await createPost(alice)
    expect(
      (
        await api(`/api/posts/${wrongPost.id}/comment/${bobs}`, {
          method: 'DELETE',
          token: bob.accessToken,
        })
      ).status,
    ).toBe(404)

    const own = await api(`/api/posts/${post.id}/comment/${bobs}`, {
      method: 'DELETE',
      token: bob.accessToken,
    })
    expect(own.status).toBe(200)
    expect(own.body).toMatchObject({ removed: 3, commentsCount: 1 })
    const byPostAuthor = await api(`/api/posts/${post.id}/comment/${carols}`, {
      method: 'DELETE',
      token: alice.accessToken,
    })
    expect(byPostAuthor.body).toMatchObject({ removed: 1, commentsCount: 0 })
    const db = await testDb()
    expect(await db.collection('comments').countDocuments({ postId: new ObjectId(post.id) })).toBe(
      0,
    )
  })
})

describe('shares', () => {
  it('shares a public post, counting shares; a share of a share points at the original', async () => {
    const original = await createPost(carol, { text: 'share me' })
    const share = await api(`/api/posts/${original.id}/share`, {
      method: 'POST',
      token: alice.accessToken,
      json: { text: 'look' },
    })
    expect(share.status).toBe(201)
    expect(share.body.post).toMatchObject({
      text: 'look',
      sharedPostId: original.id,
      sharedPost: { id: original.id, text: 'share me', author: { id: carol.id } },
    })
    const again = await api(`/api/posts/${share.body.post.id}/share`, {
      method: 'POST',
      token: bob.accessToken,
      json: {},
    })
    expect(again.body.post.sharedPostId).toBe(original.id)
    const read = await api(`/api/posts/${original.id}`, { token: carol.accessToken })
    expect(read.body.post.sharesCount).toBe(2)

    const privatePost = await createPost(alice, { visibility: 'private' })
    const refused = await api(`/api/posts/${privatePost.id}/share`, {
      method: 'POST',
      token: bob.accessToken,
      json: {},
    })
    expect(refused.status).toBe(403)

    await api(`/api/posts/${again.body.post.id}`, { method: 'DELETE', token: bob.accessToken })
    expect(
      (await api(`/api/posts/${original.id}`, { token: carol.accessToken })).body.post.sharesCount,
    ).toBe(1)
    await api(`/api/posts/${original.id}`, { method: 'DELETE', token: carol.accessToken })
    const orphan = await api(`/api/posts/${share.body.post.id}`, { token: alice.accessToken })
    expect(orphan.body.post).toMatchObject({ sharedPostId: original.id, sharedPost: null })
  })
})
