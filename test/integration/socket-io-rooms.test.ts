// The old Socket.IO 4 clients in a conference room, through the Worker's `/socket.io/` with the
// real socket.io-client: CONNECT authenticated by the participant token, a vote acked with the
// native ack's fields, the host's counts exact, the heartbeat keeping a quiet client and closing a
// silent one.
import { io, type Socket } from 'socket.io-client'
import WebSocket from 'ws'
import { afterEach, describe, expect, it } from 'vitest'
import { createConference, staffSocket } from '../harness/conference'
import { api, workerUrl } from '../harness/http'
import { signUpUser } from '../harness/users'

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

function connect(conferenceId: string, token: string | undefined) {
  const socket = io(workerUrl(), {
    query: { room: `conference:${conferenceId}` },
    auth: token === undefined ? {} : { token },
    transports: ['websocket'],
    reconnection: false,
  })
  opened.push(socket)
  return socket
}

const connected = (socket: Socket) =>
  new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('connect_error', reject)
  })

describe('socket.io in a conference room', () => {
  it('connects over WebSocket with auth.token, votes with an ack, and the host counts it exactly', async () => {
    const conf = await createConference()
    const q = conf.questions[0]!
    const host = await staffSocket(conf.id, conf.host.accessToken)
    const socket = connect(conf.id, await participantToken(conf, 'Ada'))
    const welcome = new Promise<any>((resolve) => socket.once('welcome', resolve))
    await connected(socket)
    expect(socket.io.engine.transport.name).toBe('websocket')
    expect(await welcome).toMatchObject({ identity: { kind: 'participant', role: 'audience' } })

    const live = new Promise<any>((resolve) => socket.once('question.live', resolve))
    await api(`/api/conference/${conf.id}/questions/${q.id}/live`, {
      method: 'POST',
      token: conf.host.accessToken,
    })
    expect((await live).question.id).toBe(q.id)

    const ack = await socket.emitWithAck('vote', {
      questionId: q.id,
      optionIds: [q.options[1]!.id],
    })
    expect(ack).toEqual({ questionId: q.id, optionIds: [q.options[1]!.id], replaced: false })
    const refused = await socket.emitWithAck('vote', { questionId: 'nope', optionIds: ['x'] })
    expect(refused).toMatchObject({ error: { code: 'NOT_FOUND' } })

    const stats = await host.next((m) => m.type === 'room.stats' && m.results?.totalResponses === 1)
    expect(stats.results.counts).toEqual({ [q.options[0]!.id]: 0, [q.options[1]!.id]: 1 })
    expect(stats.audienceCount).toBe(1)
    await host.close()
  })

  it('admits the host by access token: the room is run over Socket.IO, and strangers stay out of a draft', async () => {
    const conf = await createConference()
    const q = conf.questions[0]!
    const host = connect(conf.id, conf.host.accessToken)
    const welcome = new Promise<any>((resolve) => host.once('welcome', resolve))
    await connected(host)
    expect(await welcome).toMatchObject({
      identity: { subject: conf.host.id, kind: 'user', role: 'host' },
    })
    const audience = connect(conf.id, await participantToken(conf, 'Ada'))
    await connected(audience)
    // A host's request, as an event with an ack; the audience hears the question go live.
    const live = new Promise<any>((resolve) => audience.once('question.live', resolve))
    expect(await host.emitWithAck('question.push', { questionId: q.id })).not.toHaveProperty(
      'error',
    )
    expect((await live).question.id).toBe(q.id)
    // The audience may not run the room.
    expect(await audience.emitWithAck('question.close', { questionId: q.id })).toMatchObject({
      error: { code: 'FORBIDDEN' },
    })

    // A signed-in stranger enters a running conference as audience, never a draft.
    const stranger = await signUpUser()
    const asAudience = connect(conf.id, stranger.accessToken)
    const strangerWelcome = new Promise<any>((resolve) => asAudience.once('welcome', resolve))
    await connected(asAudience)
    expect(await strangerWelcome).toMatchObject({ identity: { role: 'audience' } })
    const draft = await createConference(undefined, { start: false })
    await expect(connected(connect(draft.id, stranger.accessToken))).rejects.toThrow(
      'Conference not found',
    )
  })

  it('refuses a CONNECT without a valid credential with a connect_error message', async () => {
    const conf = await createConference()
    await expect(connected(connect(conf.id, 'not-a-token'))).rejects.toThrow(
      'Invalid or expired token',
    )
    await expect(connected(connect(conf.id, undefined))).rejects.toThrow(
      'Authentication required: pass auth.token',
    )
  })

  it("refuses another conference's participant token, in auth.token and in the query", async () => {
    const mine = await createConference()
    const other = await createConference()
    const foreign = await participantToken(other, 'Intruder')
    await expect(connected(connect(mine.id, foreign))).rejects.toThrow('Invalid or expired token')
    const viaQuery = io(workerUrl(), {
      query: { room: `conference:${mine.id}`, token: foreign },
      transports: ['websocket'],
      reconnection: false,
    })
    opened.push(viaQuery)
    // The Worker's refusal of the handshake's credential is the CONNECT's answer.
    await expect(connected(viaQuery)).rejects.toThrow('Invalid or expired token')
  })

  it('closes a removed participant out and does not let it connect again', async () => {
    const conf = await createConference()
    const token = await participantToken(conf, 'Heckler')
    const socket = connect(conf.id, token)
    await connected(socket)
    const asked = await socket.emitWithAck('qa.ask', { text: 'A rude question' })
    expect(asked).toMatchObject({ qaId: expect.any(String) })

    const disconnected = new Promise<string>((resolve) => socket.once('disconnect', resolve))
    const removed = await api(`/api/conference/${conf.id}/qa/${asked.qaId}/remove-author`, {
      method: 'POST',
      token: conf.host.accessToken,
    })
    expect(removed.status, JSON.stringify(removed.body)).toBe(200)
    // The room says DISCONNECT before closing: the client does not reconnect by itself.
    expect(await disconnected).toBe('io server disconnect')
    await expect(connected(connect(conf.id, token))).rejects.toThrow(
      'You were removed from this conference',
    )
  })

  it('connects with the credential in the query, pre-authenticated by the Worker', async () => {
    const conf = await createConference()
    const socket = io(workerUrl(), {
      query: { room: `conference:${conf.id}`, token: await participantToken(conf, 'Query') },
      transports: ['websocket'],
      reconnection: false,
    })
    opened.push(socket)
    await connected(socket)
    expect(socket.connected).toBe(true)
  })

  it('answers 400 for a request with a bad room (without one, it is a Videodesk client)', async () => {
    const bad = await fetch(`${workerUrl()}/socket.io/?EIO=4&transport=polling&room=meeting:x`)
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ success: false, code: 'BAD_REQUEST' })
  })

  it('keeps a quiet client connected through several server pings', async () => {
    const conf = await createConference()
    const socket = connect(conf.id, await participantToken(conf, 'Quiet'))
    await connected(socket)
    let pings = 0
    socket.io.engine.on('ping', () => (pings += 1))
    await expect.poll(() => pings, { timeout: 10_000 }).toBeGreaterThanOrEqual(3)
    expect(socket.connected).toBe(true)
  })

  it('closes a client that never answers pings', async () => {
    const conf = await createConference()
    const url = `${workerUrl().replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket&room=conference:${conf.id}`
    const raw = new WebSocket(url)
    const frames: string[] = []
    raw.on('message', (data) => frames.push(String(data)))
    await expect.poll(() => frames[0] ?? '').toMatch(/^0\{/)
    await expect.poll(() => frames.includes('2'), { timeout: 10_000 }).toBe(true)
    // CLOSING once the server's close frame arrived (`close` also waits for the TCP teardown).
    await expect
      .poll(() => raw.readyState, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(WebSocket.CLOSING)
    raw.terminate()
  })
})
