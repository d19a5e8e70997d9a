// Bad input on every socket message type of every room: each invalid frame gets an error frame
// (the connection stays open), nothing invalid is acted on, and the room still works afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ChatClientMessageSchema } from '../../../shared/chat'
import { ConferenceClientMessageSchema, MESSAGE_ROLES } from '../../../shared/conference'
import { MeetingClientMessageSchema } from '../../../shared/meeting'
import { UserClientMessageSchema } from '../../../shared/user-channel'
import { chatSocket, directChat, userChannelSocket } from '../../harness/chat'
import { createConference, joinAudience, staffSocket } from '../../harness/conference'
import { api, workerUrl } from '../../harness/http'
import { signUpUser } from '../../harness/users'
import { openSocket, type TestSocket } from '../../harness/ws'
import { FRAME_FAULTS, messageFaults, reply, type BadFrame } from './lib/frames'
import { emptyCounts, writeCounts } from './lib/report'

const counts = emptyCounts()
counts.tried = { socketRooms: 0, badFrames: 0 }
afterAll(() => writeCounts('sockets-bad-input', counts))

/** Sends each frame in turn; every one must be answered with an error on a still-open socket. */
async function expectErrors(socket: TestSocket, frames: BadFrame[]) {
  const problems: string[] = []
  for (const frame of frames) {
    counts.tried.badFrames!++
    const answer = await reply(socket, frame).catch(() => undefined)
    if (!answer) problems.push(`${frame.label}: no answer`)
    else if (answer.type !== 'error') {
      counts.unexpectedAllows++
      problems.push(`${frame.label}: accepted (${JSON.stringify(answer).slice(0, 200)})`)
    } else if (answer.code === 'INTERNAL') {
      counts.unexpected5xx++
      problems.push(`${frame.label}: internal error`)
    }
    if (socket.ws.readyState !== socket.ws.OPEN) {
      problems.push(`${frame.label}: connection dropped`)
      break
    }
  }
  counts.tried.socketRooms!++
  expect(problems).toEqual([])
}

async function stillWorks(socket: TestSocket) {
  socket.send({ type: 'ping', rid: 'alive' })
  expect(await socket.next((m) => m.type === 'pong')).toMatchObject({ rid: 'alive' })
}

describe('ConferenceRoom', () => {
  let conf: Awaited<ReturnType<typeof createConference>>
  let host: TestSocket
  let audience: TestSocket

  beforeAll(async () => {
    conf = await createConference([{ text: 'Fuzz?', options: ['Yes', 'No'] }])
    host = await staffSocket(conf.id, conf.host.accessToken)
    audience = (await joinAudience(conf)).socket
    await Promise.all([
      host.next((m) => m.type === 'welcome'),
      audience.next((m) => m.type === 'welcome'),
    ])
  })
  afterAll(async () => Promise.all([host?.close(), audience?.close()]))

  it('answers every invalid frame of every message type with an error, from the role allowed to send it', async () => {
    const question = conf.questions[0]!
    const fill = {
      questionId: question.id,
      optionIds: [question.options[0]!.id],
    }
    const faults = messageFaults(ConferenceClientMessageSchema, fill)
    expect(faults.length).toBeGreaterThan(50)
    const forAudience = faults.filter((f) =>
      MESSAGE_ROLES[f.type as keyof typeof MESSAGE_ROLES].includes('audience'),
    )
    const forHost = faults.filter((f) => !forAudience.includes(f))
    await expectErrors(audience, [...FRAME_FAULTS, ...forAudience])
    await expectErrors(host, [...FRAME_FAULTS, ...forHost])
  })

  it('still works afterwards, and counted no vote: the first valid vote is accepted', async () => {
    await stillWorks(audience)
    await stillWorks(host)
    const question = conf.questions[0]!
    // Push the question live, then vote once: a vote slipped in by a bad frame would make this one
    // a refused repeat.
    host.send({ type: 'question.push', rid: 'go', questionId: question.id })
    expect(await host.next((m) => m.rid === 'go')).toMatchObject({ type: 'ack' })
    audience.send({
      type: 'vote',
      rid: 'v1',
      questionId: question.id,
      optionIds: [question.options[0]!.id],
    })
    expect(await audience.next((m) => m.rid === 'v1')).toMatchObject({ type: 'ack' })
  })
})

describe('ChatConversation', () => {
  let socket: TestSocket
  let conversationId: string
  let token: string

  beforeAll(async () => {
    const [a, b] = await Promise.all([signUpUser(), signUpUser()])
    conversationId = await directChat(a, b)
    token = a.accessToken
    socket = await chatSocket(conversationId, a)
  })
  afterAll(async () => socket?.close())

  it('answers every invalid frame of every message type with an error', async () => {
    const faults = messageFaults(ChatClientMessageSchema, { seq: 1 })
    expect(faults.length).toBeGreaterThan(20)
    await expectErrors(socket, [...FRAME_FAULTS, ...faults])
  })

  it('still works afterwards, and stored no message from a bad frame', async () => {
    await stillWorks(socket)
    socket.send({ type: 'message.send', rid: 'm1', text: 'after the fuzz' })
    expect(await socket.next((m) => m.rid === 'm1')).toMatchObject({ type: 'ack', seq: 1 })
    const history = await api(`/api/chat/conversations/${conversationId}/messages`, { token })
    expect(history.body.messages.map((m: { text: string }) => m.text)).toEqual(['after the fuzz'])
  })
})

describe('MeetingRoom', () => {
  it('answers every invalid frame of every message type with an error, and still works', async () => {
    const owner = await signUpUser()
    const roomId = `security-${Date.now().toString(36)}`
    const res = await api(`/api/v1/meeting-rooms/${roomId}/ticket`, {
      method: 'POST',
      token: owner.accessToken,
    })
    expect(res.status).toBe(200)
    const socket = await openSocket(`${workerUrl().replace('http', 'ws')}${res.body.url}`)
    const faults = messageFaults(MeetingClientMessageSchema)
    expect(faults.length).toBeGreaterThan(20)
    await expectErrors(socket, [...FRAME_FAULTS, ...faults])
    await stillWorks(socket)
    await socket.close()
  })
})

describe('UserChannel', () => {
  let socket: TestSocket

  beforeAll(async () => {
    socket = await userChannelSocket(await signUpUser())
  })
  afterAll(async () => socket?.close())

  it('answers every invalid frame of every message type with an error, and still works', async () => {
    const faults = messageFaults(UserClientMessageSchema)
    expect(faults.length).toBeGreaterThan(10)
    await expectErrors(socket, [...FRAME_FAULTS, ...faults])
    await stillWorks(socket)
  })
})
