// Likes of posts, reels and comments: one like per person whatever is sent twice, exact counts
// under 50 concurrent likes and unlikes, refusals for what you cannot see, and the notifications
// likes and comments send to an online author.
import { ObjectId } from 'mongodb'
import { beforeAll, describe, expect, it } from 'vitest'
import { api } from '../harness/http'
import { testDb, type TestUser } from '../harness/users'
import { createPost, insertVideo, userChannel, users } from '../harness/social'

let author: TestUser, fans: TestUser[]
beforeAll(async () => {
  ;[author, ...fans] = await users(51)
})

const like = (user: TestUser, json: Record<string, unknown>) =>
  api('/api/likes', { method: 'POST', token: user.accessToken, json })
/**
 * An explicit like/unlike as a well-behaved client sends it: retried when the Worker answers 503
 * (each request opens its own MongoDB connection, which can time out on a loaded 2-core machine).
 * Explicit actions are idempotent, so a retry of a request that did land changes nothing.
 */
async function likeSettled(
  user: TestUser,
  json: { action: 'like' | 'unlike' } & Record<string, unknown>,
) {
  for (let attempt = 1; ; attempt++) {
    const res = await like(user, json)
    if (res.status !== 503 || attempt === 3) return res
  }
}
const countOf = async (postId: string) =>
  (await api(`/api/posts/${postId}`, { token: author.accessToken })).body.post.likesCount as number
const likeDocs = async (targetId: string) =>
  (await testDb()).collection('likes').countDocuments({ targetId: new ObjectId(targetId) })

describe('liking', () => {
  it('toggles by default, and explicit like/unlike are idempotent', async () => {
    const post = await createPost(author)
    const [fan] = fans as [TestUser]
    const first = await like(fan, { postId: post.id })
    expect(first.status).toBe(200)
    expect(first.body).toMatchObject({ liked: true, changed: true, likesCount: 1 })
    const again = await like(fan, { postId: post.id, action: 'like' })
    expect(again.body).toMatchObject({ liked: true, changed: false, likesCount: 1 })
    const read = await api(`/api/posts/${post.id}`, { token: fan.accessToken })
    expect(read.body.post).toMatchObject({ likedByMe: true, likesCount: 1 })
    const toggled = await like(fan, { postId: post.id })
    expect(toggled.body).toMatchObject({ liked: false, changed: true, likesCount: 0 })
    const unlikeAgain = await like(fan, { targetType: 'post', targetId: post.id, action: 'unlike' })
    expect(unlikeAgain.body).toMatchObject({ liked: false, changed: false, likesCount: 0 })
    expect(await likeDocs(post.id)).toBe(0)
  })

  it('refuses bad bodies, unknown targets and a target of the wrong kind', async () => {
    const post = await createPost(author)
    for (const json of [
      {},
      { postId: 'nope' },
      { postId: post.id, action: 'love' },
      { postId: post.id, reelId: post.id },
      { targetType: 'story', targetId: post.id },
    ]) {
      const res = await like(fans[0]!, json)
      expect(res.status, JSON.stringify(json)).toBe(400)
      expect(res.body.code).toBe('VALIDATION_ERROR')
    }
    expect((await like(fans[0]!, { postId: new ObjectId().toHexString() })).status).toBe(404)
    expect((await like(fans[0]!, { commentId: new ObjectId().toHexString() })).status).toBe(404)
    // A post is not a reel.
    expect((await like(fans[0]!, { reelId: post.id })).status).toBe(404)
    expect((await api('/api/likes', { method: 'POST', json: { postId: post.id } })).status).toBe(
      401,
    )
    expect(await likeDocs(post.id)).toBe(0)
  })

  it('counts exactly under 50 concurrent likes, then concurrent unlikes and repeats', async () => {
    const post = await createPost(author)
    const results = await Promise.all(
      fans.map((fan) => like(fan, { postId: post.id, action: 'like' })),
    )
    expect(results.every((r) => r.status === 200)).toBe(true)
    expect(await countOf(post.id)).toBe(50)
    expect(await likeDocs(post.id)).toBe(50)

    // 50 at once again: half unlike while the other half like again (a no-op each).
    const mixed = await Promise.all(
      fans.map((fan, i) =>
        likeSettled(fan, { postId: post.id, action: i < 25 ? 'unlike' : 'like' }),
      ),
    )
    expect(mixed.filter((r) => r.status !== 200).map((r) => [r.status, r.body])).toEqual([])
    expect(await countOf(post.id)).toBe(25)
    expect(await likeDocs(post.id)).toBe(25)

    // 25 fans each toggle twice at once: whatever order the pairs land in, the count is exact.
    await Promise.all(
      fans
        .slice(0, 25)
        .flatMap((fan) => [like(fan, { postId: post.id }), like(fan, { postId: post.id })]),
    )
    expect(await countOf(post.id)).toBe(await likeDocs(post.id))
  })

  it('likes reels and comments; the comment counter is its own', async () => {
    const mediaId = await insertVideo(author.id, 'reel')
    const reel = await api('/api/reels', {
      method: 'POST',
      token: author.accessToken,
      json: { mediaId, caption: 'reel' },
    })
    expect(reel.status).toBe(201)
    const liked = await like(fans[1]!, { reelId: reel.body.reel.id })
    expect(liked.body).toMatchObject({ liked: true, likesCount: 1 })

    const post = await createPost(author)
    const comment = await api(`/api/posts/${post.id}/comment`, {
      method: 'POST',
      token: fans[2]!.accessToken,
      json: { text: 'hi' },
    })
    const commentId = comment.body.comment.id
    await Promise.all(fans.slice(0, 10).map((fan) => like(fan, { commentId, action: 'like' })))
    const list = await api(`/api/posts/${post.id}/comments`, { token: fans[0]!.accessToken })
    expect(list.body.comments[0]).toMatchObject({ id: commentId, likesCount: 10, likedByMe: true })
    expect(await countOf(post.id)).toBe(0)
  })

  it('refuses a like on a friends-only post of a stranger', async () => {
    const post = await createPost(author, { visibility: 'private' })
    expect((await like(fans[3]!, { postId: post.id })).status).toBe(404)
    expect(await likeDocs(post.id)).toBe(0)
  })
})

describe('notifications to an online author', () => {
  it('tells the author live about likes, comments and replies, never about their own', async () => {
    const [owner, fan] = await users(2)
    const socket = await userChannel(owner)
    const post = await createPost(owner)
    await like(fan, { postId: post.id })
    const liked = await socket.next((m) => m.type === 'notification.new')
    expect(liked.notification).toMatchObject({
      type: 'post.like',
      data: { postId: post.id, actorId: fan.id },
    })
    const comment = await api(`/api/posts/${post.id}/comment`, {
      method: 'POST',
      token: fan.accessToken,
      json: { text: 'great post' },
    })
    const commented = await socket.next((m) => m.type === 'notification.new')
    expect(commented.notification).toMatchObject({
      type: 'post.comment',
      body: 'great post',
      data: { postId: post.id, commentId: comment.body.comment.id },
    })
    // The author's own like and reply notify nobody; the fan hears about the reply.
    const fanSocket = await userChannel(fan)
    await like(owner, { postId: post.id })
    await api(`/api/posts/${post.id}/comment`, {
      method: 'POST',
      token: owner.accessToken,
      json: { text: 'thanks', parentId: comment.body.comment.id },
    })
    const reply = await fanSocket.next((m) => m.type === 'notification.new')
    expect(reply.notification).toMatchObject({ type: 'comment.reply' })
    const stored = await api('/api/notifications', { token: owner.accessToken })
    expect(stored.body.notifications.map((n: any) => n.type)).toEqual(['post.comment', 'post.like'])
    await Promise.all([socket.close(), fanSocket.close()])
  })
})
