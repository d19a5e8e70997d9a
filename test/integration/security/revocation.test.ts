// Revocation reaches open sockets: every way a session ends × every kind of room. In each cell the
// victim's session A has a socket in the room (and a second ticket minted but not yet used); the
// event runs; then the socket must have been closed with the documented code by the time the
// event's request returned, a frame the victim sends right after is neither acknowledged nor seen
// by the other member, and the ticket minted before the event admits nobody. For events that end
// only some sessions, the victim's other session B keeps its socket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLOSE_CODES } from '../../../shared/realtime'
import { chatSocket, directChat, userChannelSocket } from '../../harness/chat'
import { createConference, joinAudience, staffSocket } from '../../harness/conference'
import { api, workerUrl } from '../../harness/http'
import { adminUser } from '../../harness/marketplace'
import { newRoomId } from '../../harness/meetings'
import {
  freshIp,
  loginAgain,
  resetTokenFromMail,
  signUpUser,
  uniqueEmail,
  type TestUser,
} from '../../harness/users'
import { openSocket, type TestSocket } from '../../harness/ws'
import { emptyCounts, writeCounts } from './lib/report'

const counts = emptyCounts()
counts.tried = { revocationCells: 0 }
afterAll(() => writeCounts('revocation', counts))

const wsUrl = (path: string) => workerUrl().replace(/^http/, 'ws') + path

type Session = Pick<TestUser, 'id' | 'accessToken' | 'refreshToken'>

/** A room the victim sits in: their socket, a spare ticket's URL, and the probe they send. */
interface Seat {
  socket: TestSocket
  /** A second socket URL with a ticket minted now (before the event), not yet used. */
  spareUrl(): Promise<string>
  /** Sends a frame that, were it handled, would be acknowledged and (but for the user channel)
   * reach the other member. Answers the marker to look for. */
  probe(socket: TestSocket): string
  /** Whether the other member received the probe's marker. */
  witnessSaw(marker: string): boolean
  /**
   * Resolves once the room has answered a ping from the other member, sent now: the room takes
   * frames in the order they reach it and answers each socket in order, so a probe sent before
   * it, had the room handled it, would have reached the other member first.
   */
  barrier(): Promise<void>
  close(): Promise<void>
}

const ROOMS = ['chat', 'conference', 'meeting', 'user'] as const
type Room = (typeof ROOMS)[number]

async function ticketUrl(room: Room, session: Session, ctx: Record<string, string>) {
  const call = (path: string, init: { method?: string; json?: unknown } = {}) =>
    api(path, { method: 'POST', token: session.accessToken, ...init })
  let res
  switch (room) {
    case 'chat':
      res = await call(`/api/chat/conversations/${ctx.conversationId}/ticket`)
      return wsUrl(res.body.url)
    case 'conference':
      res = await call(`/api/conference/${ctx.conferenceId}/ticket`)
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      return wsUrl(`/api/realtime/conference/${ctx.conferenceId}?ticket=${res.body.ticket}`)
    case 'meeting':
      res = await call(`/api/v1/meeting-rooms/${ctx.roomId}/ticket`)
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      return wsUrl(res.body.url)
    case 'user':
      res = await call('/api/realtime/user-ticket')
      return wsUrl(res.body.url)
  }
}

let probes = 0
let pings = 0
/** Pings on `socket` and waits for the pong. */
async function pingPong(socket: TestSocket) {
  const rid = `barrier-${++pings}`
  socket.send({ type: 'ping', rid })
  await socket.next((m) => m.rid === rid)
}

async function seat(room: Room, victim: Session): Promise<Seat & { ctx: Record<string, string> }> {
  const marker = () => `after the revocation ${++probes}`
  switch (room) {
    case 'chat': {
      const other = await signUpUser()
      const conversationId = await directChat(victim as TestUser, other)
      const witness = await chatSocket(conversationId, other)
      const ctx = { conversationId }
      const socket = await openSocket(await ticketUrl(room, victim, ctx))
      await socket.next((m) => m.type === 'sync.complete')
      return {
        ctx,
        socket,
        spareUrl: () => ticketUrl(room, victim, ctx),
        probe(s) {
          const text = marker()
          s.send({ type: 'message.send', rid: text, text })
          return text
        },
        witnessSaw: (text) =>
          witness.messages.some((m) => m.type === 'message.new' && m.message?.text === text),
        barrier: () => pingPong(witness),
        close: () => witness.close(),
      }
    }
    case 'conference': {
      const conf = await createConference()
      const host = await staffSocket(conf.id, conf.host.accessToken)
      const joined = await api(`/api/conference/by-code/${conf.code}/join`, {
        method: 'POST',
        token: victim.accessToken,
        json: {},
      })
      expect(joined.status, JSON.stringify(joined.body)).toBe(200)
      const ctx = { conferenceId: conf.id }
      const socket = await openSocket(
        wsUrl(`/api/realtime/conference/${conf.id}?ticket=${joined.body.ticket}`),
      )
      await socket.next((m) => m.type === 'conference.snapshot')
      return {
        ctx,
        socket,
        spareUrl: () => ticketUrl(room, victim, ctx),
        probe(s) {
          const text = marker()
          s.send({ type: 'qa.ask', rid: 'ask', text })
          return text
        },
        witnessSaw: (text) =>
          host.messages.some((m) => m.type === 'qa.new' && m.item?.text === text),
        barrier: () => pingPong(host),
        close: () => host.close(),
      }
    }
    case 'meeting': {
      const roomId = newRoomId()
      const ctx = { roomId }
      const socket = await openSocket(await ticketUrl(room, victim, ctx))
      const invite = await api(
        `/api/v1/send-token?${new URLSearchParams({ roomId, email: uniqueEmail('guest') })}`,
        { token: victim.accessToken },
      )
      expect(invite.status, JSON.stringify(invite.body)).toBe(200)
      const guestTicket = await api(`/api/v1/meeting-rooms/${roomId}/guest-ticket`, {
        method: 'POST',
        json: { token: invite.body.token },
      })
      const guest = await openSocket(wsUrl(guestTicket.body.url))
      for (const s of [socket, guest]) {
        s.send({ type: 'join-room', rid: 'join' })
        await s.next((m) => m.rid === 'join')
      }
      return {
        ctx,
        socket,
        spareUrl: () => ticketUrl(room, victim, ctx),
        probe(s) {
          const welcome = marker()
          s.send({ type: 'message-settings-updated', rid: 'settings', settings: { welcome } })
          return welcome
        },
        witnessSaw: (welcome) =>
          guest.messages.some(
            (m) => m.type === 'message-settings-updated' && m.settings?.welcome === welcome,
          ),
        barrier: () => pingPong(guest),
        close: () => guest.close(),
      }
    }
    case 'user': {
      const ctx = {}
      const socket = await userChannelSocket(victim)
      return {
        ctx,
        socket,
        spareUrl: () => ticketUrl(room, victim, ctx),
        probe(s) {
          s.send({ type: 'unread.get', rid: 'unread' })
          return 'unread'
        },
        witnessSaw: () => false,
        // No other member: the victim's own socket is the only one to hear, and it has had the
        // close frame, the last frame a room sends on a socket.
        barrier: async () => {},
        close: async () => {},
      }
    }
  }
}

interface Victim {
  user: TestUser
  /** A second device's session, which events scoped to session A leave alone. */
  other: Session
}

interface RevocationEvent {
  code: number
  /** Whether session B survives it. */
  spares: boolean
  run(victim: Victim): Promise<void>
}

const ok = (res: { status: number; body: unknown }) =>
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300)

const EVENTS: Record<string, RevocationEvent> = {
  logout: {
    code: CLOSE_CODES.SESSION_ENDED,
    spares: true,
    run: async ({ user }) =>
      ok(await api('/api/auth/logout', { method: 'POST', token: user.accessToken })),
  },
  'logout (Videodesk)': {
    code: CLOSE_CODES.SESSION_ENDED,
    spares: true,
    run: async ({ user }) =>
      ok(await api('/api/v1/logout', { headers: { cookie: `token=${user.accessToken}` } })),
  },
  'logout everywhere': {
    code: CLOSE_CODES.SESSION_ENDED,
    spares: false,
    run: async ({ other }) =>
      ok(await api('/api/auth/logout-all', { method: 'POST', token: other.accessToken })),
  },
  'password change (from the other device)': {
    code: CLOSE_CODES.SESSION_ENDED,
    spares: true,
    run: async ({ user, other }) =>
      ok(
        await api('/api/v1/user/change-password', {
          method: 'PUT',
          token: other.accessToken,
          json: { currentPassword: user.password, newPassword: 'a brand new passphrase' },
        }),
      ),
  },
  'password reset': {
    code: CLOSE_CODES.SESSION_ENDED,
    spares: false,
    async run({ user }) {
      const headers = { 'cf-connecting-ip': freshIp() }
      const json = { email: user.email }
      ok(await api('/api/v1/forgot-password', { method: 'POST', json, headers }))
      const token = await resetTokenFromMail(user.email)
      const password = 'reset to something new'
      ok(await api('/api/v1/reset-password', { method: 'POST', json: { token, password } }))
    },
  },
  deactivation: {
    code: CLOSE_CODES.SESSION_ENDED,
    spares: false,
    run: async ({ user }) =>
      ok(
        await api(`/api/admin/users/${user.id}`, {
          method: 'PATCH',
          token: (await adminUser()).accessToken,
          json: { isActive: false },
        }),
      ),
  },
  'role change': {
    code: CLOSE_CODES.ACCESS_WITHDRAWN,
    spares: false,
    run: async ({ user }) =>
      ok(
        await api(`/api/admin/users/${user.id}`, {
          method: 'PATCH',
          token: (await adminUser()).accessToken,
          json: { role: 'SPEAKER' },
        }),
      ),
  },
  'refresh-token reuse': {
    code: CLOSE_CODES.SESSION_ENDED,
    spares: true,
    async run({ user }) {
      const json = { refreshToken: user.refreshToken }
      const headers = { 'cf-connecting-ip': freshIp() }
      ok(await api('/api/auth/refresh-token', { method: 'POST', json, headers }))
      const reused = await api('/api/auth/refresh-token', { method: 'POST', json, headers })
      expect(reused.status).toBe(401)
    },
  },
}

// Concurrent: each cell has accounts and rooms of its own, and spends its time waiting on I/O.
describe.concurrent.each(Object.entries(EVENTS))('%s', (_name, event) => {
  it.each(ROOMS)(
    'closes the session’s %s socket at once; nothing sent after is handled',
    async (room) => {
      counts.tried.revocationCells!++
      const user = await signUpUser()
      const other = { id: user.id, ...(await loginAgain(user)) }
      const victim = await seat(room, user)
      // A meeting room holds one admin socket (a newer one replaces it): B opens its own room.
      const bystanderCtx = room === 'meeting' ? { roomId: newRoomId() } : victim.ctx
      const bystander = await openSocket(await ticketUrl(room, other, bystanderCtx))
      const spare = await victim.spareUrl()

      await event.run({ user, other })

      // Closed before the event's request answered: the frame is already on its way.
      expect(await victim.socket.closedByServer(1000)).toBe(event.code)
      const marker = victim.probe(victim.socket)
      // The spare ticket was minted before the event: it admits nobody now.
      await expect(openSocket(spare)).rejects.toMatchObject({ status: 401 })

      if (event.spares) {
        bystander.send({ type: 'ping', rid: 'still-here' })
        expect(await bystander.next((m) => m.rid === 'still-here')).toMatchObject({ type: 'pong' })
      } else {
        expect(await bystander.closedByServer(1000)).toBe(event.code)
      }
      // Not a pause for the room to have handled the probe, had it handled it: a barrier on the
      // sockets that would hear of it. The victim's own socket has had the close frame already.
      await victim.barrier()
      const answered = victim.socket.messages.filter((m) => m.rid && m.rid !== 'join')
      if (answered.length > 0) counts.unexpectedAllows++
      expect(answered).toEqual([])
      if (victim.witnessSaw(marker)) counts.unexpectedAllows++
      expect(victim.witnessSaw(marker)).toBe(false)
      await victim.close()
    },
  )
})

describe('realtime tickets', () => {
  let user: TestUser
  beforeAll(async () => {
    user = await signUpUser()
  })

  it('admit one upgrade each: the same ticket a second time is refused', async () => {
    const res = await api('/api/realtime/user-ticket', { method: 'POST', token: user.accessToken })
    const first = await openSocket(wsUrl(res.body.url))
    await expect(openSocket(wsUrl(res.body.url))).rejects.toMatchObject({ status: 401 })
    await first.close()
    await expect(openSocket(wsUrl(res.body.url))).rejects.toMatchObject({ status: 401 })
  })
})

describe('conference audience', () => {
  it('a removed participant is closed out, unheard, and not let back in; others stay', async () => {
    const conf = await createConference()
    const host = await staffSocket(conf.id, conf.host.accessToken)
    const asker = await joinAudience(conf, 'Heckler')
    const neighbour = await joinAudience(conf, 'Polite')
    asker.socket.send({ type: 'qa.ask', rid: 'q1', text: 'A rude question' })
    const asked = await host.next((m) => m.type === 'qa.new')

    const removed = await api(`/api/conference/${conf.id}/qa/${asked.item.id}/remove-author`, {
      method: 'POST',
      token: conf.host.accessToken,
    })
    expect(removed.status, JSON.stringify(removed.body)).toBe(200)
    expect(await asker.socket.closedByServer(1000)).toBe(CLOSE_CODES.ACCESS_WITHDRAWN)
    asker.socket.send({ type: 'qa.ask', rid: 'q2', text: 'Another rude question' })

    // The token no longer gets a ticket, nor does joining again with it.
    const ticket = await api(`/api/conference/${conf.id}/ticket`, {
      method: 'POST',
      json: { participantToken: asker.participantToken },
    })
    expect(ticket.status).toBe(403)
    const rejoin = await api(`/api/conference/by-code/${conf.code}/join`, {
      method: 'POST',
      json: { participantToken: asker.participantToken },
    })
    expect(rejoin.status).toBe(403)

    neighbour.socket.send({ type: 'ping', rid: 'still-here' })
    expect(await neighbour.socket.next((m) => m.rid === 'still-here')).toMatchObject({
      type: 'pong',
    })
    // Not a pause for the room to have handled q2, had it handled it: a barrier on the host's
    // socket. The room takes frames in the order they reach it and answers each socket in order,
    // so the qa.new of a q2 it had taken would have reached the host before this pong. The
    // asker's own socket has had the close frame, the last frame a room sends on a socket.
    host.send({ type: 'ping', rid: 'after-q2' })
    await host.next((m) => m.rid === 'after-q2')
    expect(asker.socket.messages.some((m) => m.rid === 'q2')).toBe(false)
    expect(
      host.messages.some((m) => m.type === 'qa.new' && m.item.text === 'Another rude question'),
    ).toBe(false)
  })

  it('removing is for the people who run the room only', async () => {
    const conf = await createConference()
    const asker = await joinAudience(conf)
    asker.socket.send({ type: 'qa.ask', rid: 'q1', text: 'A question' })
    await asker.socket.next((m) => m.rid === 'q1')
    const host = await staffSocket(conf.id, conf.host.accessToken)
    const { snapshot } = await host.next((m) => m.type === 'conference.snapshot')
    const qaId = snapshot.qa[0].id
    const stranger = await signUpUser()
    const refused = await api(`/api/conference/${conf.id}/qa/${qaId}/remove-author`, {
      method: 'POST',
      token: stranger.accessToken,
    })
    expect(refused.status).toBe(403)
    asker.socket.send({ type: 'ping', rid: 'still-here' })
    expect(await asker.socket.next((m) => m.rid === 'still-here')).toMatchObject({ type: 'pong' })
  })

  it('ending the conference closes the participants and retires their tokens', async () => {
    const conf = await createConference()
    const member = await joinAudience(conf)
    await member.socket.next((m) => m.type === 'conference.snapshot')
    const spare = await api(`/api/conference/${conf.id}/ticket`, {
      method: 'POST',
      json: { participantToken: member.participantToken },
    })
    const ended = await api(`/api/conference/${conf.id}`, {
      method: 'PUT',
      token: conf.host.accessToken,
      json: { status: 'ENDED' },
    })
    expect(ended.status, JSON.stringify(ended.body)).toBe(200)
    expect(await member.socket.closedByServer(1000)).toBe(CLOSE_CODES.CONFERENCE_ENDED)
    expect(member.socket.messages.some((m) => m.type === 'conference.ended')).toBe(true)
    await expect(
      openSocket(wsUrl(`/api/realtime/conference/${conf.id}?ticket=${spare.body.ticket}`)),
    ).rejects.toMatchObject({ status: 401 })
    const ticket = await api(`/api/conference/${conf.id}/ticket`, {
      method: 'POST',
      json: { participantToken: member.participantToken },
    })
    expect(ticket.status).toBe(401)
  })
})
