// Videodesk's Socket.IO clients, which connect to `/socket.io/` naming no room and pick it with
// `join-room`, driven with the real socket.io-client against the Worker: the owner (admin) and the
// invited resident (guest, admitted only by the invite link's token) signal each other and nobody
// else, hear each other leave, the admin hears of saved media, an account joins its notification
// room, and logging out closes the socket, in a room or in none. The client's default transports
// (HTTP long-polling, then the upgrade) and polling alone work as WebSocket does. Every refusal
// reaches the client as a readable error.
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client'
import WebSocket from 'ws'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { api, workerUrl } from '../harness/http'
import { inviteGuest, newRoomId, uploadMeetingMedia } from '../harness/meetings'
import { videodeskUser, type VideodeskUser } from '../harness/videodesk'

let owner: VideodeskUser
let stranger: VideodeskUser

beforeAll(async () => {
  await api('/api/health')
  ;[owner, stranger] = await Promise.all([videodeskUser('Olive Owner'), videodeskUser()])
})

const opened: Socket[] = []
afterEach(() => {
  for (const socket of opened.splice(0)) socket.close()
})

type ClientOptions = Partial<ManagerOptions & SocketOptions>

/** A client as Videodesk's web app makes one: no room in the URL, WebSocket transport. */
function connect(opts: ClientOptions = {}) {
  return connectWith({ transports: ['websocket'], ...opts })
}

/** A client with the library's defaults but `opts`: long-polling first, then the upgrade. */
function connectWith(opts: ClientOptions = {}) {
  const socket = io(workerUrl(), { reconnection: false, forceNew: true, ...opts })
  opened.push(socket)
  return socket
}

const connected = (socket: Socket) =>
  new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('connect_error', reject)
  })

/** Every event the socket hears, in order. */
function record(socket: Socket) {
  const heard: { event: string; args: any[] }[] = []
  socket.onAny((event: string, ...args: any[]) => heard.push({ event, args }))
  return heard
}

const next = (socket: Socket, event: string) =>
  new Promise<any>((resolve) => socket.once(event, resolve))

const OFFER = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' }
const ANSWER = { type: 'answer', sdp: 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\n' }
const CANDIDATE = {
  candidate: 'candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host',
  sdpMid: '0',
  sdpMLineIndex: 0,
}

/** The owner's socket in `roomId`, joined as its admin. */
async function adminIn(user: VideodeskUser, roomId: string) {
  const admin = connect({ auth: { token: user.accessToken } })
  await connected(admin)
  expect(await admin.emitWithAck('join-room', roomId)).toMatchObject({ role: 'admin' })
  return admin
}

describe('join-room, signaling between the two peers only', () => {
  it('admits the owner as admin and the invited guest by token, and relays offer, answer and ICE to the other peer alone', async () => {
    const roomId = newRoomId()
    const { token } = await inviteGuest(owner, roomId, 'Rita Resident')
    // A third socket in another room, which must hear nothing of this one.
    const elsewhere = await adminIn(stranger, newRoomId())
    const overheard = record(elsewhere)

    const admin = connect({ auth: { token: owner.accessToken } })
    await connected(admin)
    const adminHeard = record(admin)
    expect(await admin.emitWithAck('join-room', roomId)).toEqual({
      role: 'admin',
      peers: { admin: false, guest: false },
    })

    const guest = connect()
    await connected(guest)
    const guestHeard = record(guest)
    const openedLink = next(admin, 'user-opened-link')
    const waiting = next(guest, 'admin-waiting')
    expect(await guest.emitWithAck('join-room', { roomId, token })).toEqual({
      role: 'guest',
      peers: { admin: true, guest: false },
    })
    expect(await openedLink).toEqual({ from: 'guest', name: 'Rita Resident' })
    expect(await waiting).toEqual({ from: 'admin' })

    const offer = next(guest, 'offer')
    admin.emit('offer', { sdp: OFFER, to: 'guest' })
    expect(await offer).toEqual({ from: 'admin', sdp: OFFER })

    // The description itself and the room id after it, acked.
    const answer = next(admin, 'answer')
    expect(await guest.emitWithAck('answer', ANSWER, roomId)).toEqual({})
    expect(await answer).toEqual({ from: 'guest', sdp: ANSWER })

    const toGuest = next(guest, 'ice-candidate')
    expect(await admin.emitWithAck('ice-candidate', { candidate: CANDIDATE })).toEqual({})
    expect(await toGuest).toEqual({ from: 'admin', candidate: CANDIDATE })
    const toAdmin = next(admin, 'ice-candidate')
    guest.emit('ice-candidate', CANDIDATE)
    expect(await toAdmin).toEqual({ from: 'guest', candidate: CANDIDATE })
    const last = next(admin, 'ice-candidate')
    guest.emit('ice-candidate', null)
    expect(await last).toEqual({ from: 'guest', candidate: null })

    const started = next(admin, 'user-started-session')
    guest.emit('user-started-session', roomId)
    expect(await started).toEqual({ from: 'guest' })
    const settings = next(guest, 'message-settings-updated')
    admin.emit('message-settings-updated', { settings: { tone: 'friendly' } })
    expect(await settings).toEqual({ from: 'admin', settings: { tone: 'friendly' } })

    // Nobody hears their own messages, and the other room hears nothing at all.
    expect(adminHeard.map((h) => h.event)).toEqual([
      'user-opened-link',
      'answer',
      'ice-candidate',
      'ice-candidate',
      'user-started-session',
    ])
    expect(guestHeard.map((h) => h.event)).toEqual([
      'admin-waiting',
      'offer',
      'ice-candidate',
      'message-settings-updated',
    ])
    expect(overheard).toEqual([])
  })

  it('takes the invite token from the handshake (auth.inviteToken) and refuses what a peer may not send', async () => {
    const roomId = newRoomId()
    const { token } = await inviteGuest(owner, roomId)
    const admin = await adminIn(owner, roomId)
    const guest = connect({ auth: { inviteToken: token } })
    await connected(guest)
    expect(await guest.emitWithAck('join-room', roomId)).toMatchObject({ role: 'guest' })
    await next(admin, 'user-opened-link')

    expect(await guest.emitWithAck('admin-waiting')).toEqual({
      error: { code: 'FORBIDDEN', message: "'admin-waiting' cannot be sent by the guest" },
    })
    expect(await guest.emitWithAck('offer', { sdp: OFFER }, 'room-elsewhere')).toEqual({
      error: {
        code: 'BAD_REQUEST',
        message: `This connection is in room ${roomId}; send 'join-room' for another first`,
      },
    })
    expect(await guest.emitWithAck('offer', { nothing: true })).toMatchObject({
      error: { code: 'VALIDATION_ERROR' },
    })
    expect(await guest.emitWithAck('what-is-this', 1)).toEqual({
      error: { code: 'BAD_REQUEST', message: "Unknown event 'what-is-this'" },
    })
    // Without an ack, a refusal is an `error` event.
    const error = next(guest, 'error')
    guest.emit('what-is-this')
    expect(await error).toEqual({ code: 'BAD_REQUEST', message: "Unknown event 'what-is-this'" })
  })

  it('tells each peer when the other disconnects', async () => {
    const roomId = newRoomId()
    const { token } = await inviteGuest(owner, roomId)
    const admin = await adminIn(owner, roomId)
    const guest = connect()
    await connected(guest)
    await guest.emitWithAck('join-room', roomId, token)
    await next(admin, 'user-opened-link')

    const gone = next(admin, 'user-disconnected')
    guest.disconnect()
    expect(await gone).toEqual({ role: 'guest' })

    const again = connect({ auth: { inviteToken: token } })
    await connected(again)
    await again.emitWithAck('join-room', { room: roomId })
    const adminGone = next(again, 'user-disconnected')
    admin.disconnect()
    expect(await adminGone).toEqual({ role: 'admin' })
  })
})

describe('who join-room refuses', () => {
  it('refuses a guest without a token, with a token for another room, or with a bad one', async () => {
    const roomId = newRoomId()
    const otherRoom = newRoomId()
    await inviteGuest(owner, roomId)
    const { token: otherToken } = await inviteGuest(owner, otherRoom)
    const guest = connect()
    await connected(guest)

    expect(await guest.emitWithAck('join-room', roomId)).toMatchObject({
      error: { code: 'UNAUTHORIZED', message: expect.stringContaining("invite link's token") },
    })
    expect(await guest.emitWithAck('join-room', { roomId, token: otherToken })).toEqual({
      error: { code: 'UNAUTHORIZED', message: 'invite link is for another room' },
    })
    expect(await guest.emitWithAck('join-room', { roomId, token: 'x'.repeat(40) })).toEqual({
      error: { code: 'UNAUTHORIZED', message: 'invalid or expired invite link' },
    })
    expect(await guest.emitWithAck('join-room', { token: otherToken })).toMatchObject({
      error: { code: 'VALIDATION_ERROR' },
    })
    // Nothing was joined: signaling is refused.
    expect(await guest.emitWithAck('offer', { sdp: OFFER })).toEqual({
      error: { code: 'BAD_REQUEST', message: "Send 'join-room' first" },
    })
    const error = next(guest, 'error')
    guest.emit('join-room', roomId)
    expect(await error).toMatchObject({ code: 'UNAUTHORIZED' })
  })

  it('refuses an account the room of another account, and a bad credential at CONNECT', async () => {
    const roomId = newRoomId()
    await inviteGuest(owner, roomId)
    const intruder = connect({ auth: { token: stranger.accessToken } })
    await connected(intruder)
    expect(await intruder.emitWithAck('join-room', roomId)).toEqual({
      error: { code: 'FORBIDDEN', message: 'This meeting room belongs to another account' },
    })

    await expect(connected(connect({ auth: { token: 'not-a-token' } }))).rejects.toThrow(
      'Invalid or expired token',
    )
    await expect(connected(connect({ auth: { inviteToken: 'not-a-token' } }))).rejects.toThrow(
      'Invalid or expired invite link',
    )
  })
})

describe('what the account hears', () => {
  it("tells the admin's socket when media is saved to the meeting", async () => {
    const roomId = newRoomId()
    // The web app's httpOnly `token` cookie is the credential here.
    const admin = connect({ extraHeaders: { cookie: owner.cookie } })
    await connected(admin)
    expect(await admin.emitWithAck('join-room', roomId)).toMatchObject({ role: 'admin' })
    const available = next(admin, 'meeting-data-available')
    const screenshot = await uploadMeetingMedia(owner, 'screenshot')
    const created = await owner.call('/api/v1/meetings/create', {
      method: 'POST',
      json: {
        meeting_id: roomId,
        name: 'Rita Resident',
        screenshots: [{ media_id: screenshot.id }],
      },
    })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    expect(await available).toEqual({ meetingId: roomId, recordings: 0, screenshots: 1 })
  })

  it('delivers new-notification after join-notification-room, and no more after leaving it', async () => {
    // The credential in the query, as old clients sent it, pre-authenticated by the Worker.
    const socket = connect({ query: { token: owner.accessToken } })
    await connected(socket)
    expect(
      await socket.emitWithAck('join-notification-room', { email: 'someone-else@example.com' }),
    ).toEqual({ room: 'notifications', joined: true })

    const arrived = next(socket, 'new-notification')
    const sent = await owner.call('/api/notifications/test', {
      method: 'POST',
      json: { title: 'Hello', body: 'There' },
    })
    expect(sent.status, JSON.stringify(sent.body)).toBe(201)
    expect(await arrived).toMatchObject({
      notification: { id: sent.body.notification.id, title: 'Hello', body: 'There' },
    })

    expect(await socket.emitWithAck('leave-notification-room')).toEqual({
      room: 'notifications',
      joined: false,
    })
    const heard = record(socket)
    await owner.call('/api/notifications/test', { method: 'POST', json: { title: 'Later' } })
    // An ack round trip on the gateway: any event sent before it would have arrived.
    await socket.emitWithAck('leave-notification-room')
    expect(heard).toEqual([])
  })

  it('refuses the notification room to a socket without an account', async () => {
    const socket = connect()
    await connected(socket)
    expect(await socket.emitWithAck('join-notification-room')).toEqual({
      error: {
        code: 'UNAUTHORIZED',
        message: 'The notification room needs a signed-in account: connect with auth.token',
      },
    })
  })

  it('closes the socket when the session logs out, and refuses its token after', async () => {
    const user = await videodeskUser()
    const socket = await adminIn(user, newRoomId())
    const disconnected = next(socket, 'disconnect')
    expect((await user.call('/api/v1/logout')).status).toBe(200)
    // DISCONNECT before the close: the client does not reconnect by itself.
    expect(await disconnected).toBe('io server disconnect')
    await expect(connected(connect({ auth: { token: user.accessToken } }))).rejects.toThrow(
      'Session is no longer valid',
    )
  })
})

describe('ending the session of a socket in no room', () => {
  /** A signed-in socket that joined nothing, and the reason it will disconnect with. */
  async function idleSocket(user: VideodeskUser) {
    const socket = connect({ auth: { token: user.accessToken } })
    await connected(socket)
    return { socket, disconnected: next(socket, 'disconnect') as Promise<string> }
  }

  it('closes it when its session logs out', async () => {
    const user = await videodeskUser()
    const { disconnected } = await idleSocket(user)
    expect((await user.call('/api/v1/logout')).status).toBe(200)
    expect(await disconnected).toBe('io server disconnect')
  })

  it('closes every such socket of the account on logout-all, on any transport', async () => {
    const user = await videodeskUser()
    const onWebSocket = await idleSocket(user)
    const polling = connectWith({ transports: ['polling'], auth: { token: user.accessToken } })
    await connected(polling)
    const pollingGone = next(polling, 'disconnect')
    const out = await api('/api/auth/logout-all', { method: 'POST', token: user.accessToken })
    expect(out.status, JSON.stringify(out.body)).toBe(200)
    expect(await onWebSocket.disconnected).toBe('io server disconnect')
    expect(await pollingGone).toBe('io server disconnect')
  })

  it("leaves another session's socket open when one session logs out", async () => {
    const user = await videodeskUser()
    const { socket: loggingOut, disconnected } = await idleSocket(user)
    // A second device: its own session, signed in again with the same password.
    const other = await api('/api/auth/login', {
      method: 'POST',
      json: { email: user.email, password: 'correct horse battery' },
      headers: { 'cf-connecting-ip': user.ip },
    })
    expect(other.status, JSON.stringify(other.body)).toBe(200)
    const stays = connect({ auth: { token: other.body.accessToken } })
    await connected(stays)
    expect((await user.call('/api/v1/logout')).status).toBe(200)
    expect(await disconnected).toBe('io server disconnect')
    expect(loggingOut.connected).toBe(false)
    // An ack round trip: the other session's socket still answers.
    expect(await stays.emitWithAck('offer', { sdp: OFFER })).toEqual({
      error: { code: 'BAD_REQUEST', message: "Send 'join-room' first" },
    })
  })
})

describe("the client's default transports (long-polling, then the upgrade)", () => {
  it('signals between an admin and a guest on default options, each reaching only the other, both upgraded', async () => {
    const roomId = newRoomId()
    const { token } = await inviteGuest(owner, roomId, 'Dora Default')
    const admin = connectWith({ auth: { token: owner.accessToken } })
    await connected(admin)
    const adminHeard = record(admin)
    expect(await admin.emitWithAck('join-room', roomId)).toMatchObject({ role: 'admin' })
    const guest = connectWith({ auth: { inviteToken: token } })
    await connected(guest)
    const guestHeard = record(guest)
    const openedLink = next(admin, 'user-opened-link')
    expect(await guest.emitWithAck('join-room', roomId)).toMatchObject({ role: 'guest' })
    expect(await openedLink).toEqual({ from: 'guest', name: 'Dora Default' })

    const offer = next(guest, 'offer')
    admin.emit('offer', { sdp: OFFER })
    expect(await offer).toEqual({ from: 'admin', sdp: OFFER })
    const answer = next(admin, 'answer')
    expect(await guest.emitWithAck('answer', ANSWER, roomId)).toEqual({})
    expect(await answer).toEqual({ from: 'guest', sdp: ANSWER })
    const toGuest = next(guest, 'ice-candidate')
    expect(await admin.emitWithAck('ice-candidate', { candidate: CANDIDATE })).toEqual({})
    expect(await toGuest).toEqual({ from: 'admin', candidate: CANDIDATE })
    const toAdmin = next(admin, 'ice-candidate')
    guest.emit('ice-candidate', CANDIDATE)
    expect(await toAdmin).toEqual({ from: 'guest', candidate: CANDIDATE })

    await expect.poll(() => admin.io.engine.transport.name).toBe('websocket')
    await expect.poll(() => guest.io.engine.transport.name).toBe('websocket')
    // The members stay the same through the upgrade: signaling still flows both ways.
    const later = next(guest, 'ice-candidate')
    admin.emit('ice-candidate', null)
    expect(await later).toEqual({ from: 'admin', candidate: null })
    const started = next(admin, 'user-started-session')
    guest.emit('user-started-session', roomId)
    expect(await started).toEqual({ from: 'guest' })

    expect(adminHeard.map((h) => h.event)).toEqual([
      'user-opened-link',
      'answer',
      'ice-candidate',
      'user-started-session',
    ])
    expect(guestHeard.map((h) => h.event)).toEqual([
      'admin-waiting',
      'offer',
      'ice-candidate',
      'ice-candidate',
    ])
  })

  it('relays to a guest on polling only, and tells the admin when it leaves', async () => {
    const roomId = newRoomId()
    const { token } = await inviteGuest(owner, roomId)
    const admin = await adminIn(owner, roomId)
    const guest = connectWith({ transports: ['polling'] })
    await connected(guest)
    const openedLink = next(admin, 'user-opened-link')
    expect(await guest.emitWithAck('join-room', { roomId, token })).toMatchObject({
      role: 'guest',
      peers: { admin: true, guest: false },
    })
    await openedLink

    const offer = next(guest, 'offer')
    admin.emit('offer', { sdp: OFFER })
    expect(await offer).toEqual({ from: 'admin', sdp: OFFER })
    const answer = next(admin, 'answer')
    expect(await guest.emitWithAck('answer', ANSWER)).toEqual({})
    expect(await answer).toEqual({ from: 'guest', sdp: ANSWER })
    expect(guest.io.engine.transport.name).toBe('polling')

    const gone = next(admin, 'user-disconnected')
    guest.disconnect()
    expect(await gone).toEqual({ role: 'guest' })
  })

  it('ends a polling session whose client stops polling, and the admin hears the guest leave', async () => {
    const roomId = newRoomId()
    const { token } = await inviteGuest(owner, roomId)
    const admin = await adminIn(owner, roomId)
    const engine = `${workerUrl()}/socket.io/?EIO=4&transport=polling`
    const open = await (await fetch(engine)).text()
    expect(open).toMatch(/^0\{"sid":"[0-9a-f]{64}"/)
    const sid = JSON.parse(open.slice(1)).sid as string
    const session = `${engine}&sid=${sid}`
    /** POSTs Engine.IO packets; GETs (one at a time) until a packet matches `until`. */
    const post = async (packet: string) => {
      const res = await fetch(session, {
        method: 'POST',
        headers: { 'content-type': 'text/plain;charset=UTF-8' },
        body: packet,
      })
      expect(await res.text()).toBe('ok')
    }
    const pollUntil = async (until: RegExp) => {
      for (;;) {
        const packets = (await (await fetch(session)).text()).split('\x1e')
        if (packets.some((p) => until.test(p))) return
      }
    }
    await post('40')
    await pollUntil(/^40\{"sid":/)
    const openedLink = next(admin, 'user-opened-link')
    await post(`421${JSON.stringify(['join-room', { roomId, token }])}`)
    await pollUntil(/^431\[\{"role":"guest"/)
    await openedLink

    // No more polls and no pongs: after pingInterval + pingTimeout the session ends, and its relay.
    expect(await next(admin, 'user-disconnected')).toEqual({ role: 'guest' })
    // Polling again collects what was queued, then the close (`1`) in an answer of its own.
    const answers = [await (await fetch(session)).text()]
    if (answers[0] !== '1') answers.push(await (await fetch(session)).text())
    expect(answers.at(-1)).toBe('1')
  })
})

describe("the gateway's heartbeat", () => {
  it('keeps a quiet client connected through several server pings', async () => {
    const socket = connect()
    await connected(socket)
    let pings = 0
    socket.io.engine.on('ping', () => (pings += 1))
    await expect.poll(() => pings, { timeout: 10_000 }).toBeGreaterThanOrEqual(3)
    expect(socket.connected).toBe(true)
  })

  it('closes a client that never answers pings', async () => {
    const raw = new WebSocket(
      `${workerUrl().replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`,
    )
    const frames: string[] = []
    raw.on('message', (data) => frames.push(String(data)))
    await expect.poll(() => frames[0] ?? '').toMatch(/^0\{"sid":"[0-9a-f]{64}"/)
    await expect.poll(() => frames.includes('2'), { timeout: 10_000 }).toBe(true)
    await expect
      .poll(() => raw.readyState, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(WebSocket.CLOSING)
    raw.terminate()
  })
})

describe('the Engine.IO session id', () => {
  it('answers a sid that is no session of ours with the reference 400 body', async () => {
    const base = `${workerUrl()}/socket.io/?EIO=4&transport=polling`
    for (const sid of ['nope', '../../x', 'a'.repeat(64), '0'.repeat(64)]) {
      const res = await fetch(`${base}&sid=${encodeURIComponent(sid)}`)
      expect(res.status, sid).toBe(400)
      expect(await res.json()).toEqual({ code: 1, message: 'Session ID unknown' })
    }
    const badTransport = await fetch(`${workerUrl()}/socket.io/?EIO=4&transport=carrier-pigeon`)
    expect(badTransport.status).toBe(400)
    expect(await badTransport.json()).toEqual({ code: 0, message: 'Transport unknown' })
  })

  it("is the gateway object's id, which later requests of the session reach", async () => {
    const socket = connect()
    await connected(socket)
    const sid = socket.io.engine.id
    expect(sid).toMatch(/^[0-9a-f]{64}$/)
    // The WebSocket session's object answers: a polling request is no request of that session.
    const res = await fetch(`${workerUrl()}/socket.io/?EIO=4&transport=polling&sid=${sid}`)
    expect(res.status).toBe(400)
  })
})
