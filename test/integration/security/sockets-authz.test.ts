// Who may open which room and send what: upgrades need a valid, unexpired ticket for that exact
// room (never an access token, never another room's or another user's ticket), and each room
// refuses the message types a socket's role must not send.
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { MESSAGE_ROLES } from '../../../shared/conference'
import { ROOM_KINDS } from '../../../shared/realtime'
import { signRealtimeTicket } from '../../../worker/realtime/tickets'
import { directChat } from '../../harness/chat'
import { createConference, joinAudience, staffSocket } from '../../harness/conference'
import { api, workerUrl } from '../../harness/http'
import { accountIdentityOf, registerRoleUser, signUpUser, type TestUser } from '../../harness/users'
import { openSocket, type TestSocket } from '../../harness/ws'
import { emptyCounts, writeCounts } from './lib/report'

const counts = emptyCounts()
counts.tried = { socketAuthzCases: 0 }
afterAll(() => writeCounts('sockets-authz', counts))

const secret = () => inject('workerVars').JWT_SECRET!
const roomUrl = (kind: string, id: string, ticket?: string) =>
  `${workerUrl().replace('http', 'ws')}/api/realtime/${kind}/${id}${ticket ? `?ticket=${ticket}` : ''}`
const identity = { subject: 'security-suite', kind: 'user' as const, role: 'USER' }

/** Opens a socket that must be refused before the upgrade; answers the refusal status. */
async function refusedUpgrade(url: string): Promise<number> {
  counts.tried.socketAuthzCases!++
  try {
    const socket = await openSocket(url)
    await socket.close()
    counts.unexpectedAllows++
    return 101
  } catch (error) {
    return (error as { status?: number }).status ?? 0
  }
}

describe('room upgrades', () => {
  let user: TestUser

  beforeAll(async () => {
    user = await signUpUser()
  })

  it.each(ROOM_KINDS)('refuses a %s upgrade without a valid ticket for that room', async (kind) => {
    const room = { kind, id: `room-${kind}` }
    const other = { kind, id: `other-${kind}` }
    const expired = await new SignJWT({ room: `${kind}:${room.id}`, identity })
      .setProtectedHeader({ alg: 'HS256' })
      .setAudience('realtime')
      .setSubject(identity.subject)
      .setIssuedAt(Math.floor(Date.now() / 1000) - 120)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(secret()))
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ room: `${kind}:${room.id}`, identity, aud: 'realtime' }),
    ).toString('base64url')}.`
    expect(await refusedUpgrade(roomUrl(kind, room.id))).toBe(400)
    for (const ticket of [
      await signRealtimeTicket('f'.repeat(64), room, identity),
      await signRealtimeTicket(secret(), other, identity),
      expired,
      unsigned,
      // An access token is signed with the same secret but is not a ticket.
      user.accessToken,
    ])
      expect(await refusedUpgrade(roomUrl(kind, room.id, ticket))).toBe(401)
  })

  it("refuses a user's channel ticket on another user's channel", async () => {
    const res = await api('/api/realtime/user-ticket', { method: 'POST', token: user.accessToken })
    const ticket = new URL(res.body.url, workerUrl()).searchParams.get('ticket')!
    const stranger = await signUpUser()
    expect(await refusedUpgrade(roomUrl('user', stranger.id, ticket))).toBe(401)
  })

  it('gives no chat ticket to a non-member, and the room refuses a non-member even with a signed ticket', async () => {
    const [a, b, outsider] = await Promise.all([signUpUser(), signUpUser(), signUpUser()])
    const conversationId = await directChat(a, b)
    const res = await api(`/api/chat/conversations/${conversationId}/ticket`, {
      method: 'POST',
      token: outsider.accessToken,
    })
    counts.tried.socketAuthzCases!++
    expect([403, 404]).toContain(res.status)
    // Even a validly signed ticket for a non-member is refused by the room itself.
    const ticket = await signRealtimeTicket(
      secret(),
      { kind: 'chat', id: conversationId },
      accountIdentityOf(outsider),
    )
    const socket = await openSocket(roomUrl('chat', conversationId, ticket))
    counts.tried.socketAuthzCases!++
    expect(await socket.next((m) => m.type === 'error')).toMatchObject({ code: 'FORBIDDEN' })
    // The room closes it; the closing handshake is not what this test is about.
    socket.ws.terminate()
  })

  it("refuses an audience member's participant token for another conference", async () => {
    const [a, b] = await Promise.all([createConference(), createConference()])
    const member = await joinAudience(a)
    await member.socket.close()
    const res = await api(`/api/conference/${b.id}/ticket`, {
      method: 'POST',
      json: { participantToken: member.participantToken },
    })
    counts.tried.socketAuthzCases!++
    expect(res.status).toBe(401)
  })
})

describe('ConferenceRoom message roles', () => {
  let conf: Awaited<ReturnType<typeof createConference>>
  let sockets: Record<'host' | 'otherHost' | 'audience', TestSocket>

  beforeAll(async () => {
    conf = await createConference([{ text: 'Roles?', options: ['A', 'B'] }])
    const otherHost = await registerRoleUser('host')
    sockets = {
      host: await staffSocket(conf.id, conf.host.accessToken),
      // A host of nothing here: joins as audience, runs nothing.
      otherHost: await staffSocket(conf.id, otherHost.accessToken),
      audience: (await joinAudience(conf)).socket,
    }
  })
  afterAll(async () => Promise.all(Object.values(sockets ?? {}).map((s) => s.close())))

  it('refuses every message type a socket’s role may not send', async () => {
    const question = conf.questions[0]!
    const frames: Record<keyof typeof MESSAGE_ROLES, Record<string, unknown>> = {
      vote: { questionId: question.id, optionIds: [question.options[0]!.id] },
      'qa.ask': { text: 'Let me in?' },
      'qa.upvote': { qaId: 'qa-1' },
      'question.push': { questionId: question.id },
      'question.close': { questionId: question.id },
      'question.reveal': { questionId: question.id },
      'qa.moderate': { qaId: 'qa-1', action: 'hide' },
    }
    const roleOf = { host: 'host', otherHost: 'audience', audience: 'audience' } as const
    const problems: string[] = []
    for (const [who, socket] of Object.entries(sockets) as [keyof typeof roleOf, TestSocket][]) {
      for (const [type, fields] of Object.entries(frames)) {
        if (MESSAGE_ROLES[type as keyof typeof MESSAGE_ROLES].includes(roleOf[who])) continue
        const rid = `${who}-${type}`
        socket.send({ type, rid, ...fields })
        const answer = await socket.next((m) => m.rid === rid)
        counts.tried.socketAuthzCases!++
        if (answer.type !== 'error' || answer.code !== 'FORBIDDEN') {
          counts.unexpectedAllows++
          problems.push(`${who} sent ${type}: ${JSON.stringify(answer)}`)
        }
      }
    }
    expect(problems).toEqual([])
  })
})
