// The real socket.io-client v4 against the Socket.IO core mounted on the Node test host: the three
// transport set-ups, auth, acks both ways, the server's heartbeat, binary refusal, recovery.
import { afterEach, describe, expect, it } from 'vitest'
import { io, type Socket } from 'socket.io-client'
import WebSocket from 'ws'
import { BINARY_REFUSED } from '../durable-objects/socket-io/socket-io-connection'
import {
  startSocketIoNodeHost,
  type SocketIoNodeHost,
  type SocketIoNodeHostOptions,
} from './harness/socket-io-node-host'

let host: SocketIoNodeHost
const clients: Socket[] = []

async function start(options: SocketIoNodeHostOptions = {}) {
  host = await startSocketIoNodeHost(options)
  return host
}

function connect(options: Parameters<typeof io>[1] = {}): Socket {
  const socket = io(host.url, { auth: { token: 'secret' }, reconnection: false, ...options })
  clients.push(socket)
  return socket
}

function connected(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve())
    socket.once('connect_error', reject)
  })
}

afterEach(async () => {
  for (const socket of clients.splice(0)) socket.disconnect()
  await host.close()
})

describe('socket.io-client v4 with the Socket.IO core', () => {
  it('connects with default options by polling, then upgrades to WebSocket', async () => {
    await start()
    const socket = connect()
    const upgrades: string[] = []
    expect(socket.io.engine.transport.name).toBe('polling')
    socket.io.engine.on('upgrade', (transport: { name: string }) => upgrades.push(transport.name))
    await connected(socket)
    await expect.poll(() => socket.io.engine.transport.name).toBe('websocket')
    expect(upgrades).toEqual(['websocket'])
    expect(await socket.emitWithAck('echo', 'after upgrade', 2)).toBe('after upgrade')
    const [session] = [...host.sessions.values()].map((hosted) => hosted.session)
    expect(session).toMatchObject({ transport: 'websocket', upgrade: 'done', queue: [] })
    expect(host.sessions.size).toBe(1)
  })

  it.each([['websocket'], ['polling']] as const)(
    'acks both ways with transports: [%s] only',
    async (transport) => {
      await start()
      const socket = connect({ transports: [transport] })
      socket.on('question', (text: string, ack: (answer: string) => void) => ack(`re: ${text}`))
      await connected(socket)
      expect(await socket.emitWithAck('echo', { n: 1 })).toEqual({ n: 1 })
      socket.emit('ask', 'ready?')
      await expect.poll(() => host.answers).toEqual([['re: ready?']])
      expect(socket.io.engine.transport.name).toBe(transport)
    },
  )

  it('refuses a bad token with connect_error carrying the message', async () => {
    await start()
    const socket = connect({ auth: { token: 'wrong' } })
    await expect(connected(socket)).rejects.toThrow('invalid token')
    expect(socket.connected).toBe(false)
  })

  it('refuses an unknown namespace as the reference does', async () => {
    await start()
    const socket = io(`${host.url}/nowhere`, { auth: { token: 'secret' }, reconnection: false })
    clients.push(socket)
    await expect(connected(socket)).rejects.toThrow('Invalid namespace')
  })

  it('joins a second namespace over the same Engine.IO session', async () => {
    await start()
    const main = connect()
    const adminSocket = main.io.socket('/admin', { auth: { token: 'secret' } })
    clients.push(adminSocket)
    adminSocket.connect()
    await Promise.all([connected(main), connected(adminSocket)])
    expect(host.sessions.size).toBe(1)
    expect(await adminSocket.emitWithAck('echo', 'admin')).toBe('admin')
    expect(adminSocket.id).not.toBe(main.id)
  })

  it.each([['websocket'], ['polling']] as const)(
    'keeps a quiet client (%s) connected through many short ping intervals',
    async (transport) => {
      await start({ engine: { pingInterval: 100, pingTimeout: 300 } })
      const socket = connect({ transports: [transport] })
      let disconnects = 0
      socket.on('disconnect', () => disconnects++)
      await connected(socket)
      const id = socket.id
      await expect.poll(() => host.pingsSent, { timeout: 5_000 }).toBeGreaterThanOrEqual(8)
      expect(disconnects).toBe(0)
      expect(socket.connected).toBe(true)
      expect(socket.id).toBe(id)
      expect(host.closed).toEqual([])
    },
  )

  it('closes a raw WebSocket client that never answers pings, after pingInterval + pingTimeout', async () => {
    await start({ engine: { pingInterval: 200, pingTimeout: 300 } })
    const ws = new WebSocket(
      `${host.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`,
    )
    const frames: string[] = []
    const openedAt = Date.now()
    let closedAt = 0
    ws.on('message', (data: Buffer) => frames.push(data.toString()))
    ws.on('close', () => (closedAt = Date.now()))
    await expect.poll(() => closedAt, { timeout: 5_000 }).toBeGreaterThan(0)
    expect(frames[0]).toMatch(/^0\{"sid":"[\w-]{20}","upgrades":\[\],"pingInterval":200,/)
    expect(frames.slice(1)).toEqual(['2'])
    expect(closedAt - openedAt).toBeGreaterThanOrEqual(200 + 300 - 20)
    expect(closedAt - openedAt).toBeLessThan(200 + 300 + 500)
    expect(host.closed).toEqual(['ping timeout'])
  })

  it('closes a raw WebSocket client that answers pings but joins no namespace, after connectTimeout', async () => {
    await start({ engine: { pingInterval: 100, pingTimeout: 200 }, connectTimeout: 500 })
    const ws = new WebSocket(
      `${host.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`,
    )
    let pings = 0
    let closed = false
    ws.on('message', (data: Buffer) => {
      if (data.toString() === '2') {
        pings++
        ws.send('3')
      }
    })
    ws.on('close', () => (closed = true))
    await expect.poll(() => closed, { timeout: 5_000 }).toBe(true)
    expect(pings).toBeGreaterThanOrEqual(3)
    expect(host.closed).toEqual(['ping timeout'])
  })

  it("disconnects a socket from its namespace on the server's initiative", async () => {
    await start()
    const socket = connect()
    const reasons: string[] = []
    socket.on('disconnect', (reason) => reasons.push(reason))
    await connected(socket)
    socket.emit('leave')
    await expect.poll(() => reasons).toEqual(['io server disconnect'])
  })

  it('refuses a binary emit with an error event and answers its ack, staying connected', async () => {
    await start()
    const socket = connect({ transports: ['websocket'] })
    const errors: unknown[] = []
    socket.on('error', (error: unknown) => errors.push(error))
    await connected(socket)
    const refusal = { message: BINARY_REFUSED, event: 'upload' }
    expect(await socket.emitWithAck('upload', Buffer.from([1, 2, 3]))).toEqual({ error: refusal })
    await expect.poll(() => errors).toEqual([refusal])
    expect(await socket.emitWithAck('echo', 'still here')).toBe('still here')
  })

  it('refuses a binary emit over polling the same way', async () => {
    await start()
    const socket = connect({ transports: ['polling'] })
    await connected(socket)
    const answer = await socket.emitWithAck('upload', new Uint8Array([9]))
    expect(answer).toEqual({ error: { message: BINARY_REFUSED, event: 'upload' } })
    expect(socket.connected).toBe(true)
  })

  it.each([['websocket'], ['polling']] as const)(
    'recovers (%s): the client sends pid and offset back, and gets what it missed',
    async (transport) => {
      await start({ recovery: true })
      const socket = io(host.url, {
        auth: { token: 'secret' },
        transports: [transport],
        reconnectionDelay: 50,
        reconnectionDelayMax: 50,
      })
      clients.push(socket)
      const news: string[] = []
      socket.on('news', (text: string) => news.push(text))
      let connects = 0
      socket.on('connect', () => connects++)
      await connected(socket)
      host.broadcast('news', 'one')
      host.broadcast('news', 'two')
      await expect.poll(() => news).toEqual(['one', 'two'])
      const pid = (socket as unknown as { _pid: string })._pid
      expect(pid).toMatch(/^[\w-]{20}$/)

      // Sent while no session exists: the client can only get it by the replay.
      host.dropConnections()
      host.broadcast('news', 'three')
      await expect.poll(() => connects, { timeout: 5_000 }).toBe(2)
      expect(host.recoveries).toEqual([{ pid, seq: 2 }])
      expect(socket.recovered).toBe(true)
      await expect.poll(() => news).toEqual(['one', 'two', 'three'])
    },
  )
})

describe('CORS on /socket.io/', () => {
  const handshake = '/socket.io/?EIO=4&transport=polling'

  it('allows a listed origin with credentials', async () => {
    await start({ allowedOrigins: ['https://app.example'] })
    const response = await fetch(host.url + handshake, {
      headers: { Origin: 'https://app.example' },
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example')
    expect(response.headers.get('access-control-allow-credentials')).toBe('true')
    const preflight = await fetch(host.url + handshake, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://app.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type',
      },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST')
    expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type')
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true')
  })

  it('gives an unlisted origin no CORS headers, errors included', async () => {
    await start({ allowedOrigins: ['https://app.example'] })
    for (const path of [handshake, '/socket.io/?EIO=4&transport=polling&sid=nope']) {
      const response = await fetch(host.url + path, { headers: { Origin: 'https://evil.example' } })
      expect(response.headers.get('access-control-allow-origin')).toBeNull()
    }
    const error = await fetch(host.url + '/socket.io/?EIO=4&transport=polling&sid=nope', {
      headers: { Origin: 'https://app.example' },
    })
    expect(error.status).toBe(400)
    expect(error.headers.get('access-control-allow-origin')).toBe('https://app.example')
  })
})
