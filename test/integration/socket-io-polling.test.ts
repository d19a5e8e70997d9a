// Socket.IO clients on HTTP long-polling in a conference room, through the Worker's `/socket.io/`:
// the real socket.io-client with default options (polling handshake, then the upgrade to WebSocket)
// and polling only; raw requests for the reference's refusals, one GET at a time, CORS with
// credentials, the cookie check on POSTs, and a session whose client stops polling.
import { io, type Socket, type SocketOptions, type ManagerOptions } from 'socket.io-client'
import { afterEach, describe, expect, it } from 'vitest'
import { createConference, staffSocket, type RunningConference } from '../harness/conference'
import { api, workerUrl } from '../harness/http'

const opened: Socket[] = []
afterEach(() => {
  for (const socket of opened.splice(0)) socket.close()
})

async function participantToken(conf: { code: string }, name: string): Promise<string> {
  const joined = await api(`/api/conference/by-code/${conf.code}/join`, {
    method: 'POST',
    json: { name },
  })
  return joined.body.participantToken
}

function connect(
  conferenceId: string,
  token: string,
  options: Partial<ManagerOptions & SocketOptions> = {},
) {
  const socket = io(workerUrl(), {
    query: { room: `conference:${conferenceId}` },
    auth: { token },
    reconnection: false,
    ...options,
  })
  opened.push(socket)
  return socket
}

const connected = (socket: Socket) =>
  new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('connect_error', reject)
  })

/** `/socket.io/` of a conference's room with `params` in the query. */
function engineUrl(conferenceId: string, params: Record<string, string>): string {
  const query = new URLSearchParams({ room: `conference:${conferenceId}`, ...params })
  return `${workerUrl()}/socket.io/?${query}`
}

/** A polling handshake by hand: the session id. */
async function handshake(conferenceId: string, headers: Record<string, string> = {}) {
  const res = await fetch(engineUrl(conferenceId, { EIO: '4', transport: 'polling' }), { headers })
  expect(res.status).toBe(200)
  const body = await res.text()
  expect(body).toMatch(/^0\{/)
  const open = JSON.parse(body.slice(1))
  expect(open).toEqual({
    sid: expect.any(String),
    upgrades: ['websocket'],
    pingInterval: 400,
    pingTimeout: 400,
    maxPayload: 1_000_000,
  })
  return { sid: open.sid as string, res }
}

function pollUrl(conferenceId: string, sid: string) {
  return engineUrl(conferenceId, { EIO: '4', transport: 'polling', sid })
}

/** Polls once: whether the answer holds the CONNECT's answer (a ping may come in an answer before it). */
async function polledConnect(conferenceId: string, sid: string, headers: HeadersInit = {}) {
  const body = await (await fetch(pollUrl(conferenceId, sid), { headers })).text()
  return body.split('\x1e').some((frame) => frame.startsWith('40{"sid":'))
}

/** The host's latest audience count, from the room.stats it has been sent. */
function latestAudience(host: { messages: any[] }): number | undefined {
  return host.messages.filter((m) => m.type === 'room.stats').at(-1)?.audienceCount
}

async function vote(socket: Socket, conf: RunningConference, option: number) {
  const q = conf.questions[0]!
  return socket.emitWithAck('vote', { questionId: q.id, optionIds: [q.options[option]!.id] })
}

async function goLive(conf: RunningConference) {
  const q = conf.questions[0]!
  const live = await api(`/api/conference/${conf.id}/questions/${q.id}/live`, {
    method: 'POST',
    token: conf.host.accessToken,
  })
  expect(live.status).toBe(200)
}

describe('socket.io long-polling in a conference room', () => {
  it('connects with default options, upgrades to WebSocket, votes with an ack, and the host counts it', async () => {
    const conf = await createConference([
      { text: 'Tabs or spaces?', options: ['Tabs', 'Spaces'], allowVoteChange: true },
    ])
    const q = conf.questions[0]!
    const host = await staffSocket(conf.id, conf.host.accessToken)
    const socket = connect(conf.id, await participantToken(conf, 'Default'))
    const welcome = new Promise<any>((resolve) => socket.once('welcome', resolve))
    await connected(socket)
    expect(await welcome).toMatchObject({ identity: { kind: 'participant', role: 'audience' } })
    await expect.poll(() => socket.io.engine.transport.name).toBe('websocket')

    await goLive(conf)
    const ack = await vote(socket, conf, 1)
    expect(ack).toEqual({ questionId: q.id, optionIds: [q.options[1]!.id], replaced: false })
    const stats = await host.next((m) => m.type === 'room.stats' && m.results?.totalResponses === 1)
    expect(stats.results.counts).toEqual({ [q.options[0]!.id]: 0, [q.options[1]!.id]: 1 })
    expect(stats.audienceCount).toBe(1)

    // The member stays the same through the upgrade: the room's events and acks still reach it.
    const changed = await vote(socket, conf, 0)
    expect(changed).toMatchObject({ optionIds: [q.options[0]!.id], replaced: true })
    socket.close()
    await expect.poll(() => latestAudience(host)).toBe(0)
    await host.close()
  })

  it('works on polling only: acks, room events, pings that keep it open, and removal', async () => {
    const conf = await createConference()
    const socket = connect(conf.id, await participantToken(conf, 'Poller'), {
      transports: ['polling'],
    })
    await connected(socket)
    expect(socket.io.engine.transport.name).toBe('polling')

    const live = new Promise<any>((resolve) => socket.once('question.live', resolve))
    await goLive(conf)
    expect((await live).question.id).toBe(conf.questions[0]!.id)
    expect(await vote(socket, conf, 0)).toMatchObject({ replaced: false })
    const refused = await socket.emitWithAck('vote', { questionId: 'nope', optionIds: ['x'] })
    expect(refused).toMatchObject({ error: { code: 'NOT_FOUND' } })

    // A quiet client: the server's pings come on its held GET, its pongs by POST.
    let pings = 0
    socket.io.engine.on('ping', () => (pings += 1))
    await expect.poll(() => pings, { timeout: 10_000 }).toBeGreaterThanOrEqual(3)
    expect(socket.connected).toBe(true)
    expect(socket.io.engine.transport.name).toBe('polling')

    const asked = await socket.emitWithAck('qa.ask', { text: 'A rude question' })
    expect(asked).toMatchObject({ qaId: expect.any(String) })
    const disconnected = new Promise<string>((resolve) => socket.once('disconnect', resolve))
    const removed = await api(`/api/conference/${conf.id}/qa/${asked.qaId}/remove-author`, {
      method: 'POST',
      token: conf.host.accessToken,
    })
    expect(removed.status, JSON.stringify(removed.body)).toBe(200)
    expect(await disconnected).toBe('io server disconnect')
  })

  it('closes a polling session whose client stops polling, and the room hears it leave', async () => {
    const conf = await createConference()
    const host = await staffSocket(conf.id, conf.host.accessToken)
    const token = await participantToken(conf, 'Gone')
    const { sid } = await handshake(conf.id)
    const posted = await fetch(pollUrl(conf.id, sid), {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
      body: `40${JSON.stringify({ token })}`,
    })
    expect(await posted.text()).toBe('ok')
    await expect.poll(() => polledConnect(conf.id, sid)).toBe(true)
    const counted = (m: any) => m.type === 'room.stats' && m.audienceCount === 1
    await expect.poll(() => host.messages.some(counted)).toBe(true)
    // No more polls and no pongs: closed after pingInterval + pingTimeout.
    await expect.poll(() => latestAudience(host), { timeout: 10_000 }).toBe(0)
    await host.close()
  })

  it("refuses what the reference refuses, with the reference's status and body", async () => {
    const conf = await createConference()
    const unknown = await fetch(pollUrl(conf.id, 'no-such-sid'))
    expect(unknown.status).toBe(400)
    expect(unknown.headers.get('content-type')).toBe('application/json')
    expect(await unknown.json()).toEqual({ code: 1, message: 'Session ID unknown' })

    const post = await fetch(pollUrl(conf.id, 'no-such-sid'), { method: 'POST', body: '40' })
    expect(post.status).toBe(400)
    expect(await post.json()).toEqual({ code: 1, message: 'Session ID unknown' })

    const transport = await fetch(engineUrl(conf.id, { EIO: '4', transport: 'carrier-pigeon' }))
    expect(transport.status).toBe(400)
    expect(await transport.json()).toEqual({ code: 0, message: 'Transport unknown' })

    const version = await fetch(engineUrl(conf.id, { EIO: '3', transport: 'polling' }))
    expect(version.status).toBe(400)
    expect(await version.json()).toEqual({ code: 5, message: 'Unsupported protocol version' })
  })

  it('ends a session on a second concurrent GET: the held one gets the close packet', async () => {
    const conf = await createConference()
    // Nothing is queued before a CONNECT: whichever GET comes first is held, the other refused.
    const overlap = async () => {
      const { sid } = await handshake(conf.id)
      const answers = await Promise.all(
        [0, 1].map(async () => {
          const res = await fetch(pollUrl(conf.id, sid))
          return { status: res.status, body: await res.text() }
        }),
      )
      return { sid, answers: answers.sort((a, b) => a.status - b.status) }
    }
    // Unless the first ping (due 400 ms after the handshake here) came first and answered the first
    // GET at once, on a machine slow enough: then another session is tried.
    let attempt = await overlap()
    for (let i = 0; i < 2 && attempt.answers[1]!.status !== 400; i++) attempt = await overlap()
    const { sid, answers } = attempt
    expect(answers).toEqual([
      { status: 200, body: '1' },
      { status: 400, body: '' },
    ])
    const after = await fetch(pollUrl(conf.id, sid))
    expect(await after.json()).toEqual({ code: 1, message: 'Session ID unknown' })
  })

  it('allows credentialed CORS for the configured origins only', async () => {
    const conf = await createConference()
    const preflight = (origin: string) =>
      fetch(engineUrl(conf.id, { EIO: '4', transport: 'polling' }), {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      })
    const allowed = await preflight('http://app.test')
    expect(allowed.status).toBe(204)
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://app.test')
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true')
    expect(allowed.headers.get('access-control-allow-methods')).toContain('POST')
    const refused = await preflight('http://evil.test')
    expect(refused.headers.get('access-control-allow-origin')).toBeNull()

    const { res } = await handshake(conf.id, { origin: 'http://app.test' })
    expect(res.headers.get('access-control-allow-origin')).toBe('http://app.test')
    expect(res.headers.get('access-control-allow-credentials')).toBe('true')
    const { res: foreign } = await handshake(conf.id, { origin: 'http://evil.test' })
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('takes a cookie-authenticated POST from an allowed origin and refuses it from another', async () => {
    const conf = await createConference()
    const cookie = `token=${await participantToken(conf, 'Cookie')}`
    const { sid } = await handshake(conf.id, { origin: 'http://app.test', cookie })
    const post = (origin: string) =>
      fetch(pollUrl(conf.id, sid), {
        method: 'POST',
        headers: { origin, cookie, 'content-type': 'text/plain;charset=UTF-8' },
        body: '40',
      })
    const forged = await post('http://evil.test')
    expect(forged.status).toBe(403)
    expect(await forged.json()).toMatchObject({ code: 'CSRF_REJECTED' })

    const own = await post('http://app.test')
    expect(own.status).toBe(200)
    expect(own.headers.get('access-control-allow-origin')).toBe('http://app.test')
    expect(await own.text()).toBe('ok')
    // The cookie's participant token, read at the handshake, admits the CONNECT.
    await expect
      .poll(() => polledConnect(conf.id, sid, { origin: 'http://app.test', cookie }))
      .toBe(true)
  })
})
