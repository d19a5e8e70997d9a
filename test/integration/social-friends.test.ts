// Friends and blocks: requests sent, listed, accepted, rejected and cancelled by the right person
// only; unfriending; notifications reaching an online friend; profile pages and name search; and a
// block hiding two people from each other everywhere.
import { randomBytes } from 'node:crypto'
import { ObjectId } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { readPush } from '../harness/capture'
import { api } from '../harness/http'
import { type TestUser } from '../harness/users'
import {
  allPages,
  befriend,
  block,
  createPost,
  uploadImage,
  userChannel,
  users,
} from '../harness/social'

const request = (from: TestUser, to: TestUser | string) =>
  api('/api/friend/request', {
    method: 'POST',
    token: from.accessToken,
    json: { userId: typeof to === 'string' ? to : to.id },
  })
const requestsOf = (user: TestUser) => api('/api/friend/requests', { token: user.accessToken })
const friendsOf = async (user: TestUser) =>
  (await api('/api/friend/list', { token: user.accessToken })).body.friends.map((f: any) => f.id)

describe('friend requests', () => {
  it('sends a request that the recipient sees, notified live, and accepts', async () => {
    const [asker, friend] = await users(2)
    const socket = await userChannel(friend)
    const sent = await request(asker, friend)
    expect(sent.status).toBe(201)
    expect(sent.body.request).toMatchObject({
      status: 'pending',
      direction: 'sent',
      user: { id: friend.id },
    })
    const live = await socket.next((m) => m.type === 'notification.new')
    expect(live.notification).toMatchObject({
      type: 'friend.request',
      data: { actorId: asker.id, requestId: sent.body.request.id },
    })
    const theirs = await requestsOf(friend)
    expect(theirs.body.received).toMatchObject([
      { id: sent.body.request.id, direction: 'received', user: { id: asker.id } },
    ])
    expect((await requestsOf(asker)).body.sent.map((r: any) => r.id)).toEqual([
      sent.body.request.id,
    ])

    // Only the recipient may accept.
    const byAsker = await api(`/api/friend/request/${sent.body.request.id}/accept`, {
      method: 'POST',
      token: asker.accessToken,
    })
    expect(byAsker.status).toBe(404)
    const askerSocket = await userChannel(asker)
    const accepted = await api(`/api/friend/request/${sent.body.request.id}/accept`, {
      method: 'POST',
      token: friend.accessToken,
    })
    expect(accepted.status).toBe(200)
    expect(accepted.body.request.status).toBe('accepted')
    const told = await askerSocket.next((m) => m.type === 'notification.new')
    expect(told.notification).toMatchObject({ type: 'friend.accept', data: { actorId: friend.id } })
    expect(await friendsOf(asker)).toEqual([friend.id])
    expect(await friendsOf(friend)).toEqual([asker.id])
    expect((await requestsOf(friend)).body.received).toEqual([])
    await Promise.all([socket.close(), askerSocket.close()])
  })

  it('pushes the request to the recipient’s device when they are offline', async () => {
    const [asker, offline] = await users(2)
    const device = `device-${randomBytes(12).toString('hex')}`
    const registered = await api('/api/notifications/devices', {
      method: 'POST',
      token: offline.accessToken,
      json: { token: device, platform: 'android' },
    })
    expect(registered.status).toBe(200)
    const sent = await request(asker, offline)
    expect(sent.status).toBe(201)
    const pushed = (await readPush()).filter((p) => p.to === device)
    expect(pushed).toHaveLength(1)
    expect(pushed[0].message).toMatchObject({
      data: { notificationType: 'friend.request', requestId: sent.body.request.id },
    })
  })

  it('refuses duplicates, yourself, unknown users and bad ids', async () => {
    const [a, b] = await users(2)
    expect((await request(a, b)).status).toBe(201)
    expect((await request(a, b)).status).toBe(409)
    expect((await request(a, a)).status).toBe(400)
    expect((await request(a, new ObjectId().toHexString())).status).toBe(404)
    const bad = await request(a, 'nope')
    expect(bad.status).toBe(400)
    expect(bad.body.code).toBe('VALIDATION_ERROR')
    expect(
      (await api('/api/friend/request', { method: 'POST', json: { userId: b.id } })).status,
    ).toBe(401)
    // b asking back accepts a's request instead of making a second one.
    const back = await request(b, a)
    expect(back.status).toBe(200)
    expect(back.body.request.status).toBe('accepted')
    expect((await request(a, b)).status).toBe(409)
  })

  it('lets the recipient reject and the sender cancel, nobody else', async () => {
    const [a, b, c] = await users(3)
    const first = (await request(a, b)).body.request.id
    const byStranger = await api(`/api/friend/request/${first}/reject`, {
      method: 'POST',
      token: c.accessToken,
    })
    expect(byStranger.status).toBe(404)
    const cancelByRecipient = await api(`/api/friend/request/${first}`, {
      method: 'DELETE',
      token: b.accessToken,
    })
    expect(cancelByRecipient.status).toBe(404)
    const rejected = await api(`/api/friend/request/${first}/reject`, {
      method: 'POST',
      token: b.accessToken,
    })
    expect(rejected.status).toBe(200)
    expect((await requestsOf(b)).body.received).toEqual([])

    const second = (await request(a, b)).body.request.id
    const cancelled = await api(`/api/friend/request/${second}`, {
      method: 'DELETE',
      token: a.accessToken,
    })
    expect(cancelled.status).toBe(200)
    expect((await requestsOf(a)).body.sent).toEqual([])
    const acceptGone = await api(`/api/friend/request/${second}/accept`, {
      method: 'POST',
      token: b.accessToken,
    })
    expect(acceptGone.status).toBe(404)
  })

  it('unfriends, after which friends-only posts are hidden again', async () => {
    const [a, b] = await users(2)
    await befriend(a, b)
    const post = await createPost(a, { visibility: 'private' })
    expect((await api(`/api/posts/${post.id}`, { token: b.accessToken })).status).toBe(200)
    const res = await api(`/api/friend/${a.id}`, { method: 'DELETE', token: b.accessToken })
    expect(res.status).toBe(200)
    expect(await friendsOf(a)).toEqual([])
    expect((await api(`/api/posts/${post.id}`, { token: b.accessToken })).status).toBe(404)
    const again = await api(`/api/friend/${a.id}`, { method: 'DELETE', token: b.accessToken })
    expect(again.status).toBe(404)
  })
})

describe('profiles and search', () => {
  it('shows a profile with counts and the relation to the viewer', async () => {
    const [owner, friend, asker, stranger] = await users(4)
    await befriend(owner, friend)
    await request(asker, owner)
    await createPost(owner)
    const profile = (viewer: TestUser) =>
      api(`/api/users/${owner.id}/profile`, { token: viewer.accessToken })
    const seenByFriend = await profile(friend)
    expect(seenByFriend.status).toBe(200)
    expect(seenByFriend.body).toMatchObject({
      user: { id: owner.id },
      relation: 'friends',
      friendsCount: 1,
      postsCount: 1,
    })
    expect((await profile(owner)).body.relation).toBe('self')
    expect((await profile(asker)).body.relation).toBe('request_sent')
    expect((await profile(stranger!)).body.relation).toBe('none')
    const reverse = await api(`/api/users/${asker.id}/profile`, { token: owner.accessToken })
    expect(reverse.body).toMatchObject({
      relation: 'request_received',
      requestId: expect.any(String),
    })
    expect(seenByFriend.body.user.email).toBeUndefined()
    const missing = await api(`/api/users/${new ObjectId().toHexString()}/profile`, {
      token: owner.accessToken,
    })
    expect(missing.status).toBe(404)
    expect((await api(`/api/users/${owner.id}/profile`)).status).toBe(401)
  })

  it('finds people by the start of their name in any usual capitalisation', async () => {
    const tag = `Zq${randomBytes(3).toString('hex')}`
    const [first, second, viewer] = await users(3, (i) =>
      i === 0 ? `${tag} Alpha` : i === 1 ? `${tag.toLowerCase()}beta` : 'Someone Else',
    )
    const search = (q: string) =>
      api(`/api/users/search?q=${encodeURIComponent(q)}`, { token: viewer.accessToken })
    for (const q of [tag, tag.toLowerCase(), tag.toUpperCase()]) {
      const res = await search(q)
      expect(res.status).toBe(200)
      expect(res.body.users.map((u: any) => u.id).sort()).toEqual([first.id, second.id].sort())
    }
    expect((await search(`${tag} Alp`)).body.users.map((u: any) => u.id)).toEqual([first.id])
    expect((await search(`${tag}x`)).body.users).toEqual([])
    expect((await search('')).status).toBe(400)
    expect((await search('x'.repeat(101))).status).toBe(400)
  })
})

describe('blocking', () => {
  it('ends the friendship and hides both people from each other everywhere', async () => {
    const tag = `Blk${randomBytes(3).toString('hex')}`
    const [blocker, blocked, bystander] = await users(3, (i) => `${tag} ${i}`)
    await befriend(blocker, blocked)
    const blockersPost = await createPost(blocker, { text: 'mine' })
    const blockedsPost = await createPost(blocked, { text: 'theirs' })
    const imageId = await uploadImage(blocked, 'story')
    const story = await api('/api/stories', {
      method: 'POST',
      token: blocked.accessToken,
      json: { mediaId: imageId },
    })
    expect(story.status).toBe(201)
    const bystanderComment = await api(`/api/posts/${blockersPost.id}/comment`, {
      method: 'POST',
      token: blocked.accessToken,
      json: { text: 'from the blocked one' },
    })
    expect(bystanderComment.status).toBe(201)

    await block(blocker, blocked)
    expect(await friendsOf(blocker)).toEqual([])

    for (const [viewer, other, otherPost] of [
      [blocker, blocked, blockedsPost],
      [blocked, blocker, blockersPost],
    ] as const) {
      const feed = await allPages('/api/posts/all', viewer.accessToken, 'posts')
      expect(feed.map((p) => p.author.id)).not.toContain(other.id)
      expect((await api(`/api/posts/${otherPost.id}`, { token: viewer.accessToken })).status).toBe(
        404,
      )
      expect(
        (await api(`/api/users/${other.id}/profile`, { token: viewer.accessToken })).status,
      ).toBe(404)
      expect(
        (await api(`/api/users/${other.id}/posts`, { token: viewer.accessToken })).status,
      ).toBe(404)
      const found = await api(`/api/users/search?q=${tag}`, { token: viewer.accessToken })
      expect(found.body.users.map((u: any) => u.id)).not.toContain(other.id)
      // Reads hide a block (404); a friend request is refused like every invite (403, see
      // blocks-everywhere.test.ts).
      expect((await request(viewer, other)).status).toBe(403)
      const like = await api('/api/likes', {
        method: 'POST',
        token: viewer.accessToken,
        json: { postId: otherPost.id },
      })
      expect(like.status).toBe(404)
      const comment = await api(`/api/posts/${otherPost.id}/comment`, {
        method: 'POST',
        token: viewer.accessToken,
        json: { text: 'hi' },
      })
      expect(comment.status).toBe(404)
    }
    // The blocked user's stories and comments are gone for the blocker too.
    const stories = await api('/api/stories', { token: blocker.accessToken })
    expect(stories.body.stories.map((g: any) => g.author.id)).not.toContain(blocked.id)
    expect(
      (await api(`/api/stories/${story.body.story.id}`, { token: blocker.accessToken })).status,
    ).toBe(404)
    const comments = await api(`/api/posts/${blockersPost.id}/comments`, {
      token: blocker.accessToken,
    })
    expect(comments.body.comments).toEqual([])
    // A bystander still sees both.
    const bystanderFeed = (await allPages('/api/posts/all', bystander.accessToken, 'posts')).map(
      (p) => p.id,
    )
    expect(bystanderFeed).toEqual(expect.arrayContaining([blockersPost.id, blockedsPost.id]))

    const list = await api('/api/friend/blocked', { token: blocker.accessToken })
    expect(list.body.blocked.map((u: any) => u.id)).toEqual([blocked.id])
    // Only the blocker can lift it; then they see each other again (but are no longer friends).
    expect(
      (
        await api(`/api/friend/block/${blocker.id}`, {
          method: 'DELETE',
          token: blocked.accessToken,
        })
      ).status,
    ).toBe(404)
    const unblocked = await api(`/api/friend/block/${blocked.id}`, {
      method: 'DELETE',
      token: blocker.accessToken,
    })
    expect(unblocked.status).toBe(200)
    expect(
      (await api(`/api/posts/${blockedsPost.id}`, { token: blocker.accessToken })).status,
    ).toBe(200)
    expect(
      (await api(`/api/users/${blocked.id}/profile`, { token: blocker.accessToken })).body.relation,
    ).toBe('none')
  })

  it('refuses blocking yourself, unknown users and anonymous callers; blocking twice is fine', async () => {
    const [a, b] = await users(2)
    const blockReq = (json: unknown, token?: string) =>
      api('/api/friend/block', { method: 'POST', json, ...(token ? { token } : {}) })
    expect((await blockReq({ userId: a.id }, a.accessToken)).status).toBe(400)
    expect((await blockReq({ userId: new ObjectId().toHexString() }, a.accessToken)).status).toBe(
      404,
    )
    expect((await blockReq({ userId: 'x' }, a.accessToken)).status).toBe(400)
    expect((await blockReq({ userId: b.id })).status).toBe(401)
    expect((await blockReq({ userId: b.id }, a.accessToken)).status).toBe(200)
    expect((await blockReq({ userId: b.id }, a.accessToken)).status).toBe(200)
    // Blocked by a, b can still block a back.
    expect((await blockReq({ userId: a.id }, b.accessToken)).status).toBe(200)
  })
})
