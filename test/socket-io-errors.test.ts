// Engine.IO's refusals, each case sent to the reference server (socket.io 4.8 / engine.io 6.6) and
// to the core on the Node test host: same status, same content type, same body, and the table
// below says what that is.
import { request as httpRequest, createServer, type Server as HttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Server as ReferenceServer } from 'socket.io'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSocketIoNodeHost, type SocketIoNodeHost } from './harness/socket-io-node-host'

const MAX_PAYLOAD = 1_000

interface Answer {
  status: number
  type: string | null
  body: string
}

let ours: SocketIoNodeHost
let referenceHttp: HttpServer
let reference: ReferenceServer
let referenceUrl: string

beforeAll(async () => {
  ours = await startSocketIoNodeHost({ engine: { maxPayload: MAX_PAYLOAD } })
  referenceHttp = createServer()
  reference = new ReferenceServer(referenceHttp, { maxHttpBufferSize: MAX_PAYLOAD })
  await new Promise<void>((resolve) => referenceHttp.listen(0, '127.0.0.1', resolve))
  referenceUrl = `http://127.0.0.1:${(referenceHttp.address() as AddressInfo).port}`
})

afterAll(async () => {
  await ours.close()
  await reference.close()
})

async function answer(response: Response): Promise<Answer> {
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    body: await response.text(),
  }
}

async function send(base: string, query: string, init: RequestInit = {}): Promise<Answer> {
  return answer(await fetch(`${base}/socket.io/?${query}`, init))
}

async function openPolling(base: string): Promise<string> {
  const response = await fetch(`${base}/socket.io/?EIO=4&transport=polling`)
  const { sid } = JSON.parse((await response.text()).slice(1)) as { sid: string }
  return sid
}

/** A WebSocket upgrade request answered with a plain HTTP response (what a refusal is). */
function upgrade(base: string, query: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}/socket.io/?${query}`, {
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
      },
    })
    req.on('response', (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] ?? null, body }),
      )
    })
    req.on('upgrade', () => reject(new Error('the upgrade was accepted')))
    req.on('error', reject)
    req.end()
  })
}

const json = (code: number, message: string): Answer => ({
  status: 400,
  type: 'application/json',
  body: JSON.stringify({ code, message }),
})
const text = (message: string): Answer => ({ status: 400, type: 'text/html', body: message })

type Case = [name: string, expected: Answer, run: (base: string) => Promise<Answer>]

const cases: Case[] = [
  [
    'unknown sid',
    json(1, 'Session ID unknown'),
    (b) => send(b, 'EIO=4&transport=polling&sid=nope'),
  ],
  [
    'unknown transport',
    json(0, 'Transport unknown'),
    (b) => send(b, 'EIO=4&transport=carrier-pigeon'),
  ],
  ['no transport', json(0, 'Transport unknown'), (b) => send(b, 'EIO=4')],
  ['EIO=3', json(5, 'Unsupported protocol version'), (b) => send(b, 'EIO=3&transport=polling')],
  ['no EIO', json(5, 'Unsupported protocol version'), (b) => send(b, 'transport=polling')],
  [
    'handshake by POST',
    json(2, 'Bad handshake method'),
    (b) => send(b, 'EIO=4&transport=polling', { method: 'POST', body: '40' }),
  ],
  [
    'websocket transport without upgrade',
    json(3, 'Bad request'),
    (b) => send(b, 'EIO=4&transport=websocket'),
  ],
  [
    'polling sid asked for with transport=websocket',
    json(3, 'Bad request'),
    async (b) => send(b, `EIO=4&transport=websocket&sid=${await openPolling(b)}`),
  ],
  [
    'known sid with EIO=3',
    json(3, 'Bad request'),
    async (b) => send(b, `EIO=3&transport=polling&sid=${await openPolling(b)}`),
  ],
  [
    'PUT on a session',
    { status: 500, type: null, body: '' },
    async (b) => send(b, `EIO=4&transport=polling&sid=${await openPolling(b)}`, { method: 'PUT' }),
  ],
  [
    'POST over maxPayload',
    { status: 413, type: null, body: '' },
    async (b) =>
      send(b, `EIO=4&transport=polling&sid=${await openPolling(b)}`, {
        method: 'POST',
        body: '4' + 'x'.repeat(MAX_PAYLOAD),
      }),
  ],
  [
    'POST with binary content',
    { status: 400, type: null, body: '' },
    async (b) =>
      send(b, `EIO=4&transport=polling&sid=${await openPolling(b)}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/octet-stream' },
        body: new Uint8Array([4, 1]),
      }),
  ],
  [
    'upgrade with unknown sid',
    text('Session ID unknown'),
    (b) => upgrade(b, 'EIO=4&transport=websocket&sid=nope'),
  ],
  [
    'upgrade with unknown transport',
    text('Transport unknown'),
    (b) => upgrade(b, 'EIO=4&transport=nope'),
  ],
]

describe('Engine.IO refusals match the reference server', () => {
  it.each(cases)('%s', async (_name, expected, run) => {
    const [theirs, mine] = await Promise.all([run(referenceUrl), run(ours.url)])
    expect(theirs).toEqual(expected)
    expect(mine).toEqual(expected)
  })

  // The reference accepts this WebSocket, then writes the 400 into the upgraded stream and drops
  // it; a Worker cannot write after a 101, so the core refuses before upgrading, with the same text.
  it('upgrade with EIO=3: refused before the upgrade (the reference breaks the socket after it)', async () => {
    expect(await upgrade(ours.url, 'EIO=3&transport=websocket')).toEqual(
      text('Unsupported protocol version'),
    )
  })

  it('a second concurrent GET: 400 with no body, and the held GET gets the close packet', async () => {
    for (const base of [referenceUrl, ours.url]) {
      const sid = await openPolling(base)
      const held = fetch(`${base}/socket.io/?EIO=4&transport=polling&sid=${sid}`)
      // The first GET must be held before the second arrives: poll until the server has it.
      await expect
        .poll(async () => (await send(base, `EIO=4&transport=polling&sid=${sid}`)).status)
        .toBe(400)
      expect(await answer(await held)).toMatchObject({ status: 200, body: '1' })
      expect(await send(base, `EIO=4&transport=polling&sid=${sid}`)).toEqual(
        json(1, 'Session ID unknown'),
      )
    }
  })

  it('a second concurrent POST: 400 with no body, and the session ends', async () => {
    for (const base of [referenceUrl, ours.url]) {
      const sid = await openPolling(base)
      const url = `${base}/socket.io/?EIO=4&transport=polling&sid=${sid}`
      // A POST whose body never finishes keeps the first one in flight.
      const first = httpRequest(url, { method: 'POST', headers: { 'Content-Length': '10' } })
      first.on('error', () => {})
      first.write('4')
      let second: Answer | undefined
      await expect
        .poll(
          async () =>
            (second = await send(base, url.split('?')[1]!, { method: 'POST', body: '3' })).status,
        )
        .toBe(400)
      expect(second).toEqual({ status: 400, type: null, body: '' })
      first.destroy()
      await expect
        .poll(async () => (await send(base, url.split('?')[1]!)).body)
        .toBe(json(1, 'Session ID unknown').body)
    }
  })
})
