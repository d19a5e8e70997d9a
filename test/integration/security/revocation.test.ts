// Revocation reaches open sockets: every way a session ends × every kind of room. In each cell the
// victim's session A has a socket in the room (and a second ticket minted but not yet used); the
// event runs; then the socket must have been closed with the documented code by the time the
// event's request returned, and the ticket minted before the event admits nobody. A frame the
// victim's client had in flight as the room closed it (written on the raw connection the moment the
// close frame arrives: `ws` itself sends nothing once it has had one) reaches the room after the
// revocation, and must not be handled: the other member never hears of it. For events that end
// only some sessions, the victim's other session B keeps its socket; for those that end session A,
// A gets no new ticket either.
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
  /**
   * A frame that, were the room to handle it, would reach the other member, and whether the other
   * member has heard of it. None for the user channel: every frame it takes is answered on the
   * sender's own socket only, so a handled one could show nowhere once the room has closed that
   * socket; there the spare ticket's refusal and, when the session ended, a fresh ticket's are
   * what keep the session out.
   */
  probe?(): { frame: Record<string, unknown>; heard(): boolean }
  /**
   * Resolves once the room has handled a frame from the other member, sent now, and answered it:
   * the room takes frames in the order they reach it, and a probe it handled would have reached
   * the other member before that answer (each room's barrier says why).
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
/**
 * Pings on `socket` and waits for the pong. A barrier for a probe the room would handle without
 * waiting on anything (the conference's question, the meeting's relay): it would have reached the
 * other member within the turn that took it, before this ping was taken.
 */
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
        probe() {
          const text = marker()
          return {
            frame: { type: 'message.send', rid: 'probe', text },
            heard: () =>
              witness.messages.some((m) => m.type === 'message.new' && m.message?.text === text),
          }
        },
        // A message of the witness's own, not a ping: a direct chat's message waits on the block
        // lookup between the two members, one promise the room shares while it is fresh, so a
        // probe taken first would have been stored and broadcast before the witness's ack.
        async barrier() {
          const rid = `barrier-${++pings}`
          witness.send({ type: 'message.send', rid, text: rid })
          expect(await witness.next((m) => m.rid === rid)).toMatchObject({ type: 'ack' })
        },
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
        probe() {
          const text = marker()
          return {
            frame: { type: 'qa.ask', rid: 'probe', text },
            heard: () => host.messages.some((m) => m.type === 'qa.new' && m.item?.text === text),
          }
        },
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
        probe() {
          const welcome = marker()
          return {
            frame: { type: 'message-settings-updated', rid: 'probe', settings: { welcome } },
            heard: () =>
              guest.messages.some(
                (m) => m.type === 'message-settings-updated' && m.settings?.welcome === welcome,
              ),
          }
        },
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
      // The raw frames the probe is written as are frames the room takes: a ping so written is
      // answered. (A malformed probe would be dropped whatever the revocation did.)
      victim.socket.sendRaw({ type: 'ping', rid: 'raw' })
      expect(await victim.socket.next((m) => m.rid === 'raw')).toMatchObject({ type: 'pong' })
      const probe = victim.probe?.()
      const inFlight = probe && victim.socket.sendWhenServerCloses(probe.frame)

      await event.run({ user, other })

      // Closed before the event's request answered: the frame is already on its way.
      expect(await victim.socket.closedByServer(1000)).toBe(event.code)
      // The probe went out as the close frame arrived: it reaches the room after the revocation.
      if (inFlight) expect(inFlight.written).toBe(true)
      // The spare ticket was minted before the event: it admits nobody now.
      await expect(openSocket(spare)).rejects.toMatchObject({ status: 401 })
      if (event.code === CLOSE_CODES.SESSION_ENDED) {
        const ticket = await api('/api/realtime/user-ticket', {
          method: 'POST',
          token: user.accessToken,
        })
        expect(ticket.status).toBe(401)
      }

      if (event.spares) {
        bystander.send({ type: 'ping', rid: 'still-here' })
        expect(await bystander.next((m) => m.rid === 'still-here')).toMatchObject({ type: 'pong' })
      } else {
        expect(await bystander.closedByServer(1000)).toBe(event.code)
      }
      // Not a pause for the room to have handled the probe, had it handled it: a barrier on the
      // socket that would hear of it. (The victim's own socket hears nothing more: the close frame
      // is the last a room sends, and `ws` reads nothing after it.)
      await victim.barrier()
      if (probe?.heard()) counts.unexpectedAllows++
      expect(probe?.heard() ?? false).toBe(false)
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
    // q2 was in flight as the room closed the asker out: it reaches the room after the removal.
    const q2 = asker.socket.sendWhenServerCloses({
      type: 'qa.ask',
      rid: 'q2',
      text: 'Another rude question',
    })

    const removed = await api(`/api/conference/${conf.id}/qa/${asked.item.id}/remove-author`, {
      method: 'POST',
      token: conf.host.accessToken,
    })
    expect(removed.status, JSON.stringify(removed.body)).toBe(200)
    expect(await asker.socket.closedByServer(1000)).toBe(CLOSE_CODES.ACCESS_WITHDRAWN)
    expect(q2.written).toBe(true)

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
    // socket. The room takes frames in the order they reach it and stores and broadcasts a
    // question in the turn that takes it, so a q2 it had taken would have reached the host before
    // this pong, and would be in the questions a socket opened now is given.
    host.send({ type: 'ping', rid: 'after-q2' })
    await host.next((m) => m.rid === 'after-q2')
    expect(
      host.messages.some((m) => m.type === 'qa.new' && m.item.text === 'Another rude question'),
    ).toBe(false)
    const late = await staffSocket(conf.id, conf.host.accessToken)
    const { snapshot } = await late.next((m) => m.type === 'conference.snapshot')
    expect(snapshot.qa.map((q: { text: string }) => q.text)).toEqual(['A rude question'])
    await late.close()
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
