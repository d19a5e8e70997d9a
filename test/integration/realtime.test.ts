// Every Durable Object class accepts a WebSocket through the Worker, with the identity the
// Worker verified; the Worker refuses upgrades without a valid ticket for that exact room.
import { beforeAll, describe, expect, it, inject } from 'vitest'
import { ROOM_KINDS, type RoomKind } from '../../shared/realtime'
import { signRealtimeTicket } from '../../worker/realtime/tickets'
import { api, workerUrl } from '../harness/http'
import { accountIdentityOf, signUpUser } from '../harness/users'
import { openSocket } from '../harness/ws'

// A real account's session: the Worker admits account tickets only while their session is live.
let identity: ReturnType<typeof accountIdentityOf>
beforeAll(async () => {
  identity = accountIdentityOf(await signUpUser(), 'USER', 'Ada')
})

async function roomUrl(kind: RoomKind, id: string, ticketRoom = { kind, id }) {
  const ticket = await signRealtimeTicket(inject('workerVars').JWT_SECRET!, ticketRoom, identity)
  return `${workerUrl().replace('http', 'ws')}/api/realtime/${kind}/${id}?ticket=${ticket}`
}

describe('realtime rooms', () => {
  // A chat room admits only its members (see chat.test.ts) and a meeting room only its owner and
  // invited guest (meeting-room.test.ts); the other rooms greet any ticket holder.
  it.each(ROOM_KINDS.filter((k) => k !== 'chat' && k !== 'meeting'))(
    'opens a socket into the %s room and greets it with its identity',
    async (kind) => {
      const socket = await openSocket(await roomUrl(kind, `room-${kind}`))
      const welcome = await socket.next((m) => m.type === 'welcome')
      expect(welcome).toEqual({
        type: 'welcome',
        room: { kind, id: `room-${kind}` },
        identity,
        seq: 0,
      })
      socket.send({ type: 'ping', rid: 'p1' })
      expect(await socket.next((m) => m.type === 'pong')).toMatchObject({ rid: 'p1' })
      await socket.close()
    },
  )

  it('closes a chat socket whose identity is not a member of the conversation', async () => {
    const socket = await openSocket(await roomUrl('chat', 'no-such-conversation'))
    expect(await socket.next((m) => m.type === 'error')).toMatchObject({ code: 'FORBIDDEN' })
    expect(await socket.closedByServer()).toBe(4003)
  })

  it('answers malformed frames with an error and keeps the socket open', async () => {
    const socket = await openSocket(await roomUrl('user', 'user-1'))
    socket.send('{not json')
    expect(await socket.next((m) => m.type === 'error')).toMatchObject({ code: 'BAD_REQUEST' })
    socket.send({ rid: 'no-type' })
    expect(await socket.next((m) => m.type === 'error')).toMatchObject({ code: 'VALIDATION_ERROR' })
    socket.send({ type: 'launch-rockets', rid: 'r9' })
    expect(await socket.next((m) => m.type === 'error')).toMatchObject({
      rid: 'r9',
      code: 'BAD_REQUEST',
    })
    socket.send({ type: 'x', pad: 'y'.repeat(20_000) })
    expect(await socket.next((m) => m.type === 'error')).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
    })
    socket.send({ type: 'ping', rid: 'still-open' })
    expect(await socket.next((m) => m.type === 'pong')).toMatchObject({ rid: 'still-open' })
    await socket.close()
  })

  it('refuses an upgrade without a ticket, with a forged ticket, or with another room’s ticket', async () => {
    const base = `${workerUrl().replace('http', 'ws')}/api/realtime/conference/c1`
    await expect(openSocket(base)).rejects.toMatchObject({ status: 400 })
    const forged = await signRealtimeTicket(
      'x'.repeat(64),
      { kind: 'conference', id: 'c1' },
      identity,
    )
    await expect(openSocket(`${base}?ticket=${forged}`)).rejects.toMatchObject({ status: 401 })
    await expect(
      openSocket(await roomUrl('conference', 'c1', { kind: 'conference', id: 'c2' })),
    ).rejects.toMatchObject({
      status: 401,
    })
    await expect(
      openSocket(await roomUrl('conference', 'c1', { kind: 'chat', id: 'c1' })),
    ).rejects.toMatchObject({
      status: 401,
    })
  })

  it('answers a plain GET on a room path with 400 instead of upgrading', async () => {
    const ticket = await signRealtimeTicket(
      inject('workerVars').JWT_SECRET!,
      { kind: 'user', id: 'u' },
      identity,
    )
    const res = await api(`/api/realtime/user/u?ticket=${ticket}`)
    expect(res.status).toBe(400)
    expect(res.body.code).toBe('BAD_REQUEST')
  })
})
