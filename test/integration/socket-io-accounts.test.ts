// Signed-in accounts over Socket.IO, with the real socket.io-client against the Worker: a chat
// member and a user channel admitted by the access token in any of the four places the old clients
// put it, refused with a readable connect_error otherwise; chat messages and acks as events; a
// logout closing the socket and refusing the old token; per-frame budgets; connection state
// recovery replaying exactly what a member missed; and Videodesk's notification room.
import { io, type Socket, type SocketOptions, type ManagerOptions } from 'socket.io-client'
import { afterEach, describe, expect, it } from 'vitest'
import { directChat } from '../harness/chat'
import { api, workerUrl } from '../harness/http'
import { setRole, signUpUser, type TestUser } from '../harness/users'

const opened: Socket[] = []
afterEach(() => {
  for (const socket of opened.splice(0)) socket.close()
})

type Options = Partial<ManagerOptions & SocketOptions>

function connect(room: string, opts: Options = {}): Socket {
  const socket = io(workerUrl(), {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    ...opts,
    query: { room, ...(opts.query as Record<string, string> | undefined) },
  })
  opened.push(socket)
  return socket
}

const connected = (socket: Socket) =>
  new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('connect_error', reject)
  })

/** The next `event` whose first argument satisfies `match`. */
const nextEvent = (socket: Socket, event: string, match: (data: any) => boolean = () => true) =>
  new Promise<any>((resolve) => {
    const listener = (data: any) => {
      if (!match(data)) return
      socket.off(event, listener)
      resolve(data)
    }
    socket.on(event, listener)
  })

/** A chat member's socket, connected and synced (welcome, then sync.complete). */
async function chatMember(conversationId: string, user: TestUser, opts: Options = {}) {
  const socket = connect(`chat:${conversationId}`, { auth: { token: user.accessToken }, ...opts })
  const synced = nextEvent(socket, 'sync.complete')
  await connected(socket)
  await synced
  return socket
}

async function restSend(user: TestUser, conversationId: string, text: string) {
  const res = await api('/api/chat/message', {
    method: 'POST',
    token: user.accessToken,
    json: { conversationId, text },
  })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body.message as { seq: number; text: string }
}

describe('socket.io for a chat member', () => {
  it('admits the access token from auth.token, the query, the Authorization header and the cookie', async () => {
    const [ann, ben] = await Promise.all([signUpUser(), signUpUser()])
    const id = await directChat(ann, ben)
    const carriers: Options[] = [
      { auth: { token: ann.accessToken } },
      { query: { token: ann.accessToken } },
      { extraHeaders: { Authorization: `Bearer ${ann.accessToken}` } },
      { extraHeaders: { Cookie: `token=${ann.accessToken}` } },
    ]
    for (const carrier of carriers) {
      const socket = connect(`chat:${id}`, carrier)
      const welcome = nextEvent(socket, 'welcome')
      const synced = nextEvent(socket, 'sync.complete')
      await connected(socket)
      expect(await welcome, JSON.stringify(carrier)).toMatchObject({
        room: { kind: 'chat', id },
        identity: { subject: ann.id, kind: 'user', role: 'member' },
        seq: 0,
      })
      expect(await synced).toMatchObject({ seq: 0 })
      socket.close()
    }
  })

  it('takes the cookie only from a page of a trusted origin (no cross-site WebSocket hijacking)', async () => {
    const [ann, ben] = await Promise.all([signUpUser(), signUpUser()])
    const id = await directChat(ann, ben)
    const withCookie = (origin: string) => ({
      extraHeaders: { Cookie: `token=${ann.accessToken}`, Origin: origin },
    })
    // A page on another site: the browser would attach its visitor's cookie, but no credential counts.
    await expect(connected(connect(`chat:${id}`, withCookie('http://evil.test')))).rejects.toThrow(
      'Authentication required: pass auth.token',
    )
    // The same cookie from an origin in CORS_ORIGINS is the credential.
    const trusted = connect(`chat:${id}`, withCookie('http://app.test'))
    const welcome = nextEvent(trusted, 'welcome')
    await connected(trusted)
    expect(await welcome).toMatchObject({ identity: { subject: ann.id } })

    // Videodesk's gateway (no room in the query) likewise: from another site the socket is a visitor.
    const gateway = (origin: string) => {
      const socket = io(workerUrl(), {
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        ...withCookie(origin),
      })
      opened.push(socket)
      return socket
    }
    const visitor = gateway('http://evil.test')
    await connected(visitor)
    expect(await visitor.emitWithAck('join-notification-room', {})).toMatchObject({
      error: { code: 'UNAUTHORIZED' },
    })
    const member = gateway('http://app.test')
    await connected(member)
    expect(await member.emitWithAck('join-notification-room', {})).not.toHaveProperty('error')
  })

  it('refuses a bad, missing or foreign credential with a readable connect_error', async () => {
    const [ann, ben, eve] = await Promise.all([signUpUser(), signUpUser(), signUpUser()])
    const id = await directChat(ann, ben)
    const refusal = (room: string, opts: Options) => connected(connect(room, opts))
    await expect(refusal(`chat:${id}`, { auth: { token: 'not-a-token' } })).rejects.toThrow(
      'Invalid or expired token',
    )
    await expect(refusal(`chat:${id}`, { query: { token: 'not-a-token' } })).rejects.toThrow(
      'Invalid or expired token',
    )
    await expect(refusal(`chat:${id}`, {})).rejects.toThrow(
      'Authentication required: pass auth.token',
    )
    // A valid account that is not a member: in the CONNECT (checked by the room) and in the
    // handshake (checked by the Worker) alike.
    await expect(refusal(`chat:${id}`, { auth: { token: eve.accessToken } })).rejects.toThrow(
      'You are not a member of this conversation',
    )
    await expect(refusal(`chat:${id}`, { query: { token: eve.accessToken } })).rejects.toThrow(
      'You are not a member of this conversation',
    )
    // Another user's channel, whichever way the token comes.
    await expect(refusal(`user:${ann.id}`, { auth: { token: eve.accessToken } })).rejects.toThrow(
      'You can only open your own user channel',
    )
    await expect(
      refusal(`user:${ann.id}`, { extraHeaders: { Authorization: `Bearer ${eve.accessToken}` } }),
    ).rejects.toThrow('You can only open your own user channel')
  })

  it('delivers messages sent over REST and over Socket.IO as events, and answers requests with acks', async () => {
    const [ann, ben] = await Promise.all([signUpUser(), signUpUser()])
    const id = await directChat(ann, ben)
    const [a, b] = await Promise.all([chatMember(id, ann), chatMember(id, ben)])

    const viaRest = nextEvent(b, 'message.new')
    const sent = await restSend(ann, id, 'Hello over REST')
    expect(await viaRest).toMatchObject({
      seq: sent.seq,
      message: { seq: sent.seq, senderId: ann.id, text: 'Hello over REST' },
    })

    const viaSocket = nextEvent(a, 'message.new', (m) => m.message.senderId === ben.id)
    const ack = await b.emitWithAck('message.send', {
      text: 'Hello over Socket.IO',
      clientId: 'c1',
    })
    expect(ack).toEqual({
      seq: sent.seq + 1,
      id: expect.any(String),
      createdAt: expect.any(String),
    })
    expect(await viaSocket).toMatchObject({
      seq: ack.seq,
      message: { id: ack.id, text: 'Hello over Socket.IO' },
    })

    const receipt = nextEvent(b, 'receipt.updated', (m) => m.userId === ann.id)
    expect(await a.emitWithAck('message.read', { seq: ack.seq })).toEqual({})
    expect(await receipt).toMatchObject({ readSeq: ack.seq })
    // A refusal is the ack's `error`.
    expect(await b.emitWithAck('message.read', { seq: 999 })).toEqual({
      error: { code: 'VALIDATION_ERROR', message: 'No message with this seq yet' },
    })
  })

  it('applies per-frame budgets: over budget is RATE_LIMITED, as an ack error or an error event', async () => {
    const [ann, ben] = await Promise.all([signUpUser(), signUpUser()])
    const id = await directChat(ann, ben)
    const a = await chatMember(id, ann)
    // typing: 30 at once, then 10 a second. Without an ack, the refusal is an `error` event.
    const refused = nextEvent(a, 'error')
    for (let i = 0; i < 31; i += 1) a.emit('typing', { active: i % 2 === 0 })
    expect(await refused).toMatchObject({ code: 'RATE_LIMITED' })

    const channel = connect(`user:${ann.id}`, { auth: { token: ann.accessToken } })
    await connected(channel)
    // unread.get: 10 at once, then 2 a second. With an ack, the refusal is the ack's error.
    const answers = await Promise.all(
      Array.from({ length: 11 }, () => channel.emitWithAck('unread.get', {})),
    )
    expect(answers.slice(0, 10)).toEqual(Array(10).fill({ unreadCount: 0 }))
    expect(answers[10]).toMatchObject({ error: { code: 'RATE_LIMITED' } })
  })

  it('closes the sockets of a session that logs out, and refuses its token afterwards', async () => {
    const [ann, ben] = await Promise.all([signUpUser(), signUpUser()])
    const id = await directChat(ann, ben)
    const chat = await chatMember(id, ben)
    const channel = connect(`user:${ben.id}`, { query: { token: ben.accessToken } })
    await connected(channel)
    const reasons = Promise.all(
      [chat, channel].map((s) => new Promise<string>((resolve) => s.once('disconnect', resolve))),
    )

    const out = await api('/api/auth/logout', { method: 'POST', token: ben.accessToken, json: {} })
    expect(out.status, JSON.stringify(out.body)).toBe(200)
    // The room says DISCONNECT before it closes: the client knows not to reconnect by itself.
    expect(await reasons).toEqual(['io server disconnect', 'io server disconnect'])

    await expect(
      connected(connect(`chat:${id}`, { auth: { token: ben.accessToken } })),
    ).rejects.toThrow('This session has ended')
    await expect(
      connected(connect(`chat:${id}`, { query: { token: ben.accessToken } })),
    ).rejects.toThrow('This session has ended')
    await expect(
      connected(connect(`user:${ben.id}`, { auth: { token: ben.accessToken } })),
    ).rejects.toThrow('This session has ended')
  })

  it("refuses a token minted before the account's role changed", async () => {
    const ann = await signUpUser()
    await setRole(ann.id, 'SPEAKER')
    await expect(
      connected(connect(`user:${ann.id}`, { auth: { token: ann.accessToken } })),
    ).rejects.toThrow('Your role changed; refresh your access token and connect again')
  })
})

describe('socket.io connection state recovery in a chat', () => {
  /**
   * Drops the connection under the client, as a network would: its WebSocket closes, with no
   * Socket.IO DISCONNECT, so the client keeps its pid and last offset for the next CONNECT.
   */
  async function dropTransport(socket: Socket) {
    const gone = new Promise<string>((resolve) => socket.once('disconnect', resolve))
    ;(socket.io.engine.transport as unknown as { ws: { close(): void } }).ws.close()
    expect(await gone).toBe('transport close')
  }

  it('replays exactly the messages a member missed, and says it recovered', async () => {
    const [ann, ben] = await Promise.all([signUpUser(), signUpUser()])
    const id = await directChat(ann, ben)
    const b = await chatMember(id, ben)
    const seen: number[] = []
    b.on('message.new', (m: { seq: number }) => seen.push(m.seq))

    await restSend(ann, id, 'one')
    await expect.poll(() => seen).toEqual([1])
    await dropTransport(b)
    for (const text of ['two', 'three', 'four']) await restSend(ann, id, text)

    // The client sends back the pid of its last CONNECT and the offset of its last event.
    const synced = nextEvent(b, 'sync.complete')
    b.connect()
    await connected(b)
    expect(b.recovered).toBe(true)
    expect(await synced).toMatchObject({ seq: 4 })
    expect(seen).toEqual([1, 2, 3, 4])

    await restSend(ann, id, 'five')
    await expect.poll(() => seen).toEqual([1, 2, 3, 4, 5])
  })

  it('stays exact when the client reconnects by itself while messages keep coming', async () => {
    const [ann, ben] = await Promise.all([signUpUser(), signUpUser()])
    const id = await directChat(ann, ben)
    const b = await chatMember(id, ben, {
      reconnection: true,
      reconnectionDelay: 50,
      randomizationFactor: 0,
    })
    const seen: number[] = []
    b.on('message.new', (m: { seq: number }) => seen.push(m.seq))
    await restSend(ann, id, 'one')
    await expect.poll(() => seen).toEqual([1])

    await dropTransport(b)
    const back = connected(b)
    // Some of these land before the reconnect (replayed), some after (live): each exactly once.
    for (let i = 2; i <= 8; i += 1) await restSend(ann, id, `message ${i}`)
    await back
    expect(b.recovered).toBe(true)
    await expect.poll(() => seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
  })

  it('does not claim recovery from an offset the room cannot replay from; the member resyncs', async () => {
    const [ann, ben] = await Promise.all([signUpUser(), signUpUser()])
    const id = await directChat(ann, ben)
    const b = await chatMember(id, ben)
    const seen: number[] = []
    b.on('message.new', (m: { seq: number }) => seen.push(m.seq))
    await restSend(ann, id, 'one')
    await expect.poll(() => seen).toEqual([1])
    await dropTransport(b)
    await restSend(ann, id, 'two')

    // An offset this conversation never reached (as after its storage was lost): nothing to
    // replay exactly from, so the CONNECT is a fresh one, and sync.complete tells where it stands.
    ;(b as unknown as { _lastOffset: string })._lastOffset = 'seq:99'
    const synced = nextEvent(b, 'sync.complete')
    b.connect()
    await connected(b)
    expect(b.recovered).toBe(false)
    expect(await synced).toMatchObject({ seq: 2 })
    expect(seen).toEqual([1])
  })
})

describe('socket.io on the user channel', () => {
  it('join-notification-room, then a friend request over REST → new-notification', async () => {
    const [ann, ben] = await Promise.all([signUpUser({ name: 'Ann' }), signUpUser()])
    const channel = connect(`user:${ben.id}`, {
      extraHeaders: { Cookie: `token=${ben.accessToken}` },
    })
    const welcome = nextEvent(channel, 'welcome')
    await connected(channel)
    expect(await welcome).toMatchObject({
      room: { kind: 'user', id: ben.id },
      identity: { subject: ben.id, kind: 'user', role: 'USER' },
    })
    expect(
      await channel.emitWithAck('join-notification-room', { email: 'ben@example.test' }),
    ).toEqual({ room: 'notifications', joined: true })

    const modern = nextEvent(channel, 'notification.new')
    const legacy = nextEvent(channel, 'new-notification')
    const requested = await api('/api/friend/request', {
      method: 'POST',
      token: ann.accessToken,
      json: { userId: ben.id },
    })
    expect(requested.status, JSON.stringify(requested.body)).toBe(201)
    const event = await legacy
    expect(event).toMatchObject({
      seq: expect.any(Number),
      notification: { type: 'friend.request', title: 'Ann sent you a friend request' },
    })
    expect((await modern).seq).toBe(event.seq)
  })
})
