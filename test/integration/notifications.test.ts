// Notifications end to end: stored and listed over REST, delivered live on the user channel (and
// as Videodesk's `new-notification` in the notification room), pushed through the FCM fake when
// the user has no socket open; and presence told to friends and conversation co-members only.
import { randomBytes } from 'node:crypto'
import { ObjectId } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { signRealtimeTicket } from '../../worker/realtime/tickets'
import { readPush } from '../harness/capture'
import { api, workerUrl } from '../harness/http'
import { signUpUser, testDb, type TestUser } from '../harness/users'
import { openSocket, type TestSocket } from '../harness/ws'

const wsBase = () => workerUrl().replace('http', 'ws')

async function userSocket(user: TestUser): Promise<TestSocket> {
  const res = await api('/api/realtime/user-ticket', { method: 'POST', token: user.accessToken })
  if (res.status !== 200) throw new Error(`user ticket: ${res.status} ${JSON.stringify(res.body)}`)
  const socket = await openSocket(`${wsBase()}${res.body.url}`)
  await socket.next((m) => m.type === 'welcome')
  return socket
}

/** Sends `user` a notification through the same notify() other features use. */
async function notifyMe(user: TestUser, input: Record<string, unknown> = {}) {
  const res = await api('/api/notifications/test', {
    method: 'POST',
    token: user.accessToken,
    json: { title: 'Hello', body: 'There', ...input },
  })
  if (res.status !== 201) throw new Error(`notify: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body as {
    notification: { id: string; title: string }
    delivered: number
    pushed: number
  }
}

const token = (prefix = 'device') => `${prefix}-${randomBytes(12).toString('hex')}`

async function registerDevice(user: TestUser, deviceToken: string, platform = 'android') {
  return api('/api/notifications/devices', {
    method: 'POST',
    token: user.accessToken,
    json: { token: deviceToken, platform },
  })
}

const pushesTo = async (deviceToken: string) =>
  (await readPush()).filter((p) => p.to === deviceToken)

/** Lets the socket's earlier frames arrive: the pong comes after anything sent before it. */
async function drain(socket: TestSocket) {
  const rid = randomBytes(4).toString('hex')
  socket.send({ type: 'ping', rid })
  await socket.next((m) => m.type === 'pong' && m.rid === rid)
}

async function shareConversation(a: TestUser, b: TestUser) {
  const now = new Date()
  const members = [new ObjectId(a.id), new ObjectId(b.id)]
  await (await testDb()).collection('conversations').insertOne({
    type: 'group',
    name: 'presence test',
    members,
    admins: [members[0]],
    createdBy: members[0],
    lastSeq: 0,
    lastActivityAt: now,
    createdAt: now,
    updatedAt: now,
  })
}

async function befriend(a: TestUser, b: TestUser, status = 'accepted') {
  await (
    await testDb()
  )
    .collection('friendships')
    .insertOne({ userIds: [new ObjectId(a.id), new ObjectId(b.id)], status, createdAt: new Date() })
}

describe('stored notifications', () => {
  it('reach an online user live and are listed newest first with the unread count', async () => {
    const a = await signUpUser()
    const socket = await userSocket(a)
    const first = await notifyMe(a, { title: 'First', type: 'post.like', data: { postId: 'p1' } })
    expect(first).toMatchObject({ delivered: 1, pushed: 0 })
    const live = await socket.next((m) => m.type === 'notification.new')
    expect(live).toMatchObject({
      seq: expect.any(Number),
      notification: {
        id: first.notification.id,
        type: 'post.like',
        title: 'First',
        data: { postId: 'p1' },
        read: false,
      },
    })
    await notifyMe(a, { title: 'Second' })
    const second = await socket.next((m) => m.type === 'notification.new')
    expect(second.seq).toBeGreaterThan(live.seq)

    const list = await api('/api/notifications', { token: a.accessToken })
    expect(list.status).toBe(200)
    expect(list.body.unreadCount).toBe(2)
    expect(list.body.notifications.map((n: any) => n.title)).toEqual(['Second', 'First'])

    const page1 = await api('/api/notifications?limit=1', { token: a.accessToken })
    expect(page1.body.notifications.map((n: any) => n.title)).toEqual(['Second'])
    const page2 = await api(`/api/notifications?limit=1&before=${page1.body.nextCursor}`, {
      token: a.accessToken,
    })
    expect(page2.body.notifications.map((n: any) => n.title)).toEqual(['First'])
    expect(page2.body.nextCursor).toBeNull()

    socket.send({ type: 'unread.get', rid: 'u1' })
    expect(await socket.next((m) => m.rid === 'u1')).toMatchObject({ type: 'ack', unreadCount: 2 })
    await socket.close()
    // The channel's counter is kept in storage: a new device starts from where it stands.
    const res = await api('/api/realtime/user-ticket', { method: 'POST', token: a.accessToken })
    const again = await openSocket(`${wsBase()}${res.body.url}`)
    expect(await again.next((m) => m.type === 'welcome')).toMatchObject({ seq: second.seq })
    await again.close()
  })

  it('marks read, marks all read and deletes only your own notifications', async () => {
    const [a, b] = await Promise.all([signUpUser(), signUpUser()])
    const n1 = (await notifyMe(a, { title: 'one' })).notification.id
    const n2 = (await notifyMe(a, { title: 'two' })).notification.id
    await notifyMe(a, { title: 'three' })

    for (const [method, path] of [
      ['POST', `/api/notifications/${n1}/read`],
      ['DELETE', `/api/notifications/${n1}`],
    ] as const) {
      const res = await api(path, { method, token: b.accessToken })
      expect(res.status).toBe(404)
    }
    await api('/api/notifications/read-all', { method: 'POST', token: b.accessToken })
    expect((await api('/api/notifications', { token: a.accessToken })).body.unreadCount).toBe(3)

    const other = await userSocket(a)
    const read = await api(`/api/notifications/${n1}/read`, {
      method: 'POST',
      token: a.accessToken,
    })
    expect(read.status).toBe(200)
    expect(read.body).toMatchObject({ unreadCount: 2, notification: { id: n1, read: true } })
    expect(await other.next((m) => m.type === 'notification.read')).toMatchObject({
      ids: [n1],
      unreadCount: 2,
    })
    const again = await api(`/api/notifications/${n1}/read`, {
      method: 'POST',
      token: a.accessToken,
    })
    expect(again.body.notification.readAt).toBe(read.body.notification.readAt)

    const all = await api('/api/notifications/read-all', { method: 'POST', token: a.accessToken })
    expect(all.body).toMatchObject({ updated: 2, unreadCount: 0 })

    const del = await api(`/api/notifications/${n2}`, { method: 'DELETE', token: a.accessToken })
    expect(del.status).toBe(200)
    expect(
      (await api(`/api/notifications/${n2}`, { method: 'DELETE', token: a.accessToken })).status,
    ).toBe(404)
    const list = await api('/api/notifications', { token: a.accessToken })
    expect(list.body.notifications.map((n: any) => n.title)).toEqual(['three', 'one'])
    expect(list.body.unreadCount).toBe(0)
    expect((await api('/api/notifications', { token: b.accessToken })).body.notifications).toEqual(
      [],
    )
    await other.close()
  })
})

describe('Videodesk notification room', () => {
  it('join-notification-room adds new-notification frames to that socket; leave stops them', async () => {
    const a = await signUpUser()
    const [joined, plain] = await Promise.all([userSocket(a), userSocket(a)])
    joined.send({ type: 'join-notification-room', rid: 'j1', email: a.email })
    expect(await joined.next((m) => m.rid === 'j1')).toMatchObject({ type: 'ack', joined: true })

    const { notification } = await notifyMe(a, { title: 'Legacy' })
    const modern = await joined.next((m) => m.type === 'notification.new')
    const legacy = await joined.next((m) => m.type === 'new-notification')
    expect(legacy).toMatchObject({
      seq: modern.seq,
      notification: { id: notification.id, title: 'Legacy' },
    })
    await plain.next((m) => m.type === 'notification.new')
    await drain(plain)
    expect(plain.messages.some((m) => m.type === 'new-notification')).toBe(false)

    joined.send({ type: 'leave-notification-room', rid: 'l1' })
    expect(await joined.next((m) => m.rid === 'l1')).toMatchObject({ type: 'ack', joined: false })
    await notifyMe(a, { title: 'After leaving' })
    await joined.next((m) => m.type === 'notification.new' && m.notification.title !== 'Legacy')
    await drain(joined)
    expect(joined.messages.filter((m) => m.type === 'new-notification')).toHaveLength(1)

    joined.send({ type: 'join-notification-room', rid: 'bad', room: { $ne: null } })
    expect(await joined.next((m) => m.rid === 'bad')).toMatchObject({
      type: 'error',
      code: 'VALIDATION_ERROR',
    })
    await Promise.all([joined.close(), plain.close()])
  })
})

describe('push', () => {
  it('goes to the FCM fake when the user is offline, not when a socket is open', async () => {
    const a = await signUpUser()
    const device = token()
    expect((await registerDevice(a, device)).status).toBe(200)

    const offline = await notifyMe(a, { title: 'While away', data: { postId: 'p9', n: 3 } })
    expect(offline).toMatchObject({ delivered: 0, pushed: 1 })
    const [pushed] = await pushesTo(device)
    expect(pushed.message).toMatchObject({
      token: device,
      notification: { title: 'While away', body: 'There' },
      data: { postId: 'p9', n: '3', notificationId: offline.notification.id },
    })

    const socket = await userSocket(a)
    const online = await notifyMe(a, { title: 'While here' })
    expect(online).toMatchObject({ delivered: 1, pushed: 0 })
    expect(await pushesTo(device)).toHaveLength(1)
    await socket.close()
  })

  it('removes a device token FCM reports unregistered', async () => {
    const a = await signUpUser()
    const good = token()
    const stale = token('unregistered')
    await registerDevice(a, good, 'ios')
    await registerDevice(a, stale, 'web')
    const result = await notifyMe(a)
    expect(result.pushed).toBe(1)
    const left = await (
      await testDb()
    )
      .collection('device_tokens')
      .find({ userId: new ObjectId(a.id) })
      .toArray()
    expect(left.map((d) => d.token)).toEqual([good])
  })

  it('moves a re-registered token to the new account and deletes only your own', async () => {
    const [a, b] = await Promise.all([signUpUser(), signUpUser()])
    const device = token()
    await registerDevice(a, device)
    expect((await registerDevice(b, device, 'ios')).status).toBe(200)
    const docs = await (
      await testDb()
    )
      .collection('device_tokens')
      .find({ token: device })
      .toArray()
    expect(docs).toHaveLength(1)
    expect(docs[0]).toMatchObject({ userId: new ObjectId(b.id), platform: 'ios' })

    const path = `/api/notifications/devices/${device}`
    expect((await api(path, { method: 'DELETE', token: a.accessToken })).status).toBe(404)
    expect((await api(path, { method: 'DELETE', token: b.accessToken })).status).toBe(200)
    expect((await notifyMe(b)).pushed).toBe(0)
  })
})

describe('presence', () => {
  it('tells conversation co-members and friends when a user comes online and goes offline', async () => {
    const [a, b, friend, pending] = await Promise.all([
      signUpUser(),
      signUpUser(),
      signUpUser(),
      signUpUser(),
    ])
    await shareConversation(a, b)
    await befriend(friend, a)
    await befriend(a, pending, 'pending')
    const [bSocket, friendSocket] = await Promise.all([userSocket(b), userSocket(friend)])

    const phone = await userSocket(a)
    const laptop = await userSocket(a)
    for (const watcher of [bSocket, friendSocket]) {
      expect(
        await watcher.next((m) => m.type === 'presence.changed' && m.userId === a.id),
      ).toMatchObject({ online: true, lastSeenAt: expect.any(String), seq: expect.any(Number) })
    }
    const seen = await api(`/api/users/${a.id}/presence`, { token: b.accessToken })
    expect(seen.status).toBe(200)
    expect(seen.body).toMatchObject({ userId: a.id, online: true })

    // Still online while one device is.
    await phone.close()
    const closedAt = Date.now()
    await laptop.close()
    const offline = await bSocket.next(
      (m) => m.type === 'presence.changed' && m.userId === a.id && m.online === false,
      10_000,
    )
    expect(Date.parse(offline.lastSeenAt)).toBeGreaterThanOrEqual(closedAt - 1000)
    expect(
      await friendSocket.next((m) => m.type === 'presence.changed' && m.online === false, 10_000),
    ).toMatchObject({ userId: a.id, lastSeenAt: offline.lastSeenAt })
    // One "online" and one "offline": the first device closing announced nothing.
    expect(bSocket.messages.filter((m) => m.type === 'presence.changed')).toHaveLength(2)

    const after = await api(`/api/users/${a.id}/presence`, { token: friend.accessToken })
    expect(after.body).toMatchObject({ online: false, lastSeenAt: offline.lastSeenAt })
    const doc = await (await testDb()).collection('users').findOne({ _id: new ObjectId(a.id) })
    expect(doc?.lastSeenAt?.toISOString()).toBe(offline.lastSeenAt)

    const mine = await api(`/api/users/${a.id}/presence`, { token: a.accessToken })
    expect(mine.status).toBe(200)
    const unconfirmed = await api(`/api/users/${a.id}/presence`, { token: pending.accessToken })
    expect(unconfirmed.status).toBe(404)
    await Promise.all([bSocket.close(), friendSocket.close()])
  })

  it("hides a user's presence and channel from strangers", async () => {
    const [a, stranger] = await Promise.all([signUpUser(), signUpUser()])
    const res = await api(`/api/users/${a.id}/presence`, { token: stranger.accessToken })
    expect(res.status).toBe(404)
    expect(res.body.code).toBe('NOT_FOUND')
    const missing = await api(`/api/users/${new ObjectId().toHexString()}/presence`, {
      token: stranger.accessToken,
    })
    expect(missing.status).toBe(404)

    // The ticket route takes no target: whatever is asked, it is for the caller's own channel.
    const ticket = await api('/api/realtime/user-ticket', {
      method: 'POST',
      token: stranger.accessToken,
      json: { userId: a.id },
    })
    expect(ticket.status).toBe(200)
    expect(ticket.body.url).toBe(`/api/realtime/user/${stranger.id}?ticket=${ticket.body.ticket}`)
    await expect(
      openSocket(`${wsBase()}/api/realtime/user/${a.id}?ticket=${ticket.body.ticket}`),
    ).rejects.toMatchObject({ status: 401 })

    const forged = await signRealtimeTicket(
      'f'.repeat(64),
      { kind: 'user', id: a.id },
      { subject: a.id, kind: 'user', role: 'USER' },
    )
    await expect(
      openSocket(`${wsBase()}/api/realtime/user/${a.id}?ticket=${forged}`),
    ).rejects.toMatchObject({ status: 401 })
    expect((await api('/api/realtime/user-ticket', { method: 'POST' })).status).toBe(401)
  })
})

describe('bad input', () => {
  it('answers 400 for bad ids, bad cursors and operator objects', async () => {
    const a = await signUpUser()
    const cases: [string, string, unknown?][] = [
      ['GET', '/api/notifications?before=not-an-id'],
      ['GET', '/api/notifications?limit=0'],
      ['GET', '/api/notifications?limit=abc'],
      ['POST', '/api/notifications/not-an-id/read'],
      ['DELETE', '/api/notifications/123'],
      ['GET', '/api/users/not-an-id/presence'],
      ['POST', '/api/notifications/devices', { token: { $ne: null }, platform: 'web' }],
      ['POST', '/api/notifications/devices', { token: token(), platform: { $gt: '' } }],
      ['POST', '/api/notifications/devices', { token: token(), platform: 'symbian' }],
      ['POST', '/api/notifications/devices', { token: token(), platform: 'web', userId: a.id }],
      ['POST', '/api/notifications/devices', { token: 'has spaces in it', platform: 'web' }],
      ['DELETE', '/api/notifications/devices/%7B%22%24ne%22%3Anull%7D'],
      ['POST', '/api/notifications/test', { title: { $ne: null } }],
    ]
    for (const [method, path, json] of cases) {
      const res = await api(path, { method, token: a.accessToken, json })
      expect([path, res.status]).toEqual([path, 400])
    }
  })
})
