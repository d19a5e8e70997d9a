// The meeting room's signaling socket: the owner (admin) and the invited resident (guest) find
// each other, exchange offer/answer/ICE candidates relayed only to the other peer, and hear when
// the other drops; every frame is checked against the sender's role, and nobody else gets in.
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { api, workerUrl } from '../harness/http'
import { adminSocket, guestSocket, inviteGuest, join, newRoomId } from '../harness/meetings'
import { videodeskUser, type VideodeskUser } from '../harness/videodesk'
import { openSocket, type TestSocket } from '../harness/ws'

let owner: VideodeskUser
let stranger: VideodeskUser
const open: TestSocket[] = []

beforeAll(async () => {
  await api('/api/health')
  ;[owner, stranger] = await Promise.all([videodeskUser('Olive Owner'), videodeskUser()])
})

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()))
})

const track = (s: TestSocket) => (open.push(s), s)

/** A room with the admin and the guest both joined. */
async function joinedPair() {
  const roomId = newRoomId()
  const { token } = await inviteGuest(owner, roomId, 'Rita Resident')
  const admin = track(await adminSocket(owner, roomId))
  await join(admin)
  const guest = track(await guestSocket(roomId, token))
  await join(guest)
  await admin.next((m) => m.type === 'user-opened-link')
  return { roomId, token, admin, guest }
}

const OFFER = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' }
const ANSWER = { type: 'answer', sdp: 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\n' }

describe('joining and presence', () => {
  it('tells the admin the guest opened the link, and the guest that the admin is waiting', async () => {
    const roomId = newRoomId()
    const { token } = await inviteGuest(owner, roomId, 'Rita Resident')
    const admin = track(await adminSocket(owner, roomId))
    expect(await join(admin)).toMatchObject({
      type: 'ack',
      role: 'admin',
      peers: { admin: false, guest: false },
    })

    const guest = track(await guestSocket(roomId, token))
    expect(guest.messages[0]).toMatchObject({
      type: 'welcome',
      room: { kind: 'meeting', id: roomId },
      identity: { kind: 'guest', role: 'guest', name: 'Rita Resident' },
    })
    expect(await join(guest)).toMatchObject({ role: 'guest', peers: { admin: true, guest: false } })
    expect(await admin.next((m) => m.type === 'user-opened-link')).toEqual({
      type: 'user-opened-link',
      from: 'guest',
      name: 'Rita Resident',
    })
    expect(await guest.next((m) => m.type === 'admin-waiting')).toEqual({
      type: 'admin-waiting',
      from: 'admin',
    })

    guest.send({ type: 'user-started-session', rid: 's1' })
    await guest.next((m) => m.type === 'ack' && m.rid === 's1')
    expect(await admin.next((m) => m.type === 'user-started-session')).toEqual({
      type: 'user-started-session',
      from: 'guest',
    })
    admin.send({ type: 'admin-waiting' })
    await guest.next((m) => m.type === 'admin-waiting')
  })

  it('reports a dropped guest and a dropped admin to the other side as user-disconnected', async () => {
    const { roomId, token, admin, guest } = await joinedPair()
    await guest.close()
    expect(await admin.next((m) => m.type === 'user-disconnected')).toEqual({
      type: 'user-disconnected',
      role: 'guest',
    })

    // The guest comes back with the same link and joins again; then the admin drops.
    const again = track(await guestSocket(roomId, token))
    await join(again)
    await admin.next((m) => m.type === 'user-opened-link')
    await admin.close()
    expect(await again.next((m) => m.type === 'user-disconnected')).toEqual({
      type: 'user-disconnected',
      role: 'admin',
    })
  })

  it('lets the same guest reopen the link in a new tab: the newer socket replaces the older', async () => {
    const { roomId, token, admin, guest } = await joinedPair()
    const replacement = track(await guestSocket(roomId, token))
    await expect
      .poll(() => guest.ws.readyState, { interval: 20 })
      .toBeGreaterThanOrEqual(guest.ws.CLOSING)
    await join(replacement)
    await admin.next((m) => m.type === 'user-opened-link')
    admin.send({ type: 'offer', sdp: OFFER })
    expect(await replacement.next((m) => m.type === 'offer')).toMatchObject({ from: 'admin' })
    // Replacing a socket is no departure.
    expect(admin.messages.some((m) => m.type === 'user-disconnected')).toBe(false)
  })

  it('hands both peers the configured ICE servers (a public STUN server by default)', async () => {
    const roomId = newRoomId()
    const { token } = await inviteGuest(owner, roomId)
    const adminTicket = await owner.call(`/api/v1/meeting-rooms/${roomId}/ticket`, {
      method: 'POST',
    })
    const guestTicket = await api(`/api/v1/meeting-rooms/${roomId}/guest-ticket`, {
      method: 'POST',
      json: { token },
    })
    for (const res of [adminTicket, guestTicket]) {
      expect(res.status).toBe(200)
      expect(res.body.iceServers).toEqual([{ urls: 'stun:stun.l.google.com:19302' }])
    }
    expect(adminTicket.body.role).toBe('admin')
    expect(guestTicket.body.role).toBe('guest')
  })
})

describe('signaling relay', () => {
  it('relays offer, answer and ICE candidates only to the other peer, marked with the sender', async () => {
    const { admin, guest } = await joinedPair()
    admin.send({ type: 'offer', rid: 'o1', sdp: OFFER })
    expect(await admin.next((m) => m.rid === 'o1')).toEqual({ type: 'ack', rid: 'o1' })
    expect(await guest.next((m) => m.type === 'offer')).toEqual({
      type: 'offer',
      from: 'admin',
      sdp: OFFER,
    })

    guest.send({ type: 'answer', to: 'admin', sdp: ANSWER })
    expect(await admin.next((m) => m.type === 'answer')).toEqual({
      type: 'answer',
      from: 'guest',
      sdp: ANSWER,
    })

    const candidate = {
      candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 54321 typ host',
      sdpMid: '0',
      sdpMLineIndex: 0,
    }
    guest.send({ type: 'ice-candidate', candidate })
    admin.send({ type: 'ice-candidate', candidate: null, rid: 'end' })
    // Both frames are in flight at once, so the admin hears its ack and the guest's candidate in
    // either order: wait for both together (next() looks only past the last message it matched).
    const [adminCandidate, guestCandidate, adminAck] = await Promise.all([
      admin.next((m) => m.type === 'ice-candidate'),
      guest.next((m) => m.type === 'ice-candidate'),
      admin.next((m) => m.rid === 'end'),
    ])
    expect(adminCandidate).toEqual({ type: 'ice-candidate', from: 'guest', candidate })
    expect(guestCandidate).toEqual({ type: 'ice-candidate', from: 'admin', candidate: null })
    expect(adminAck).toEqual({ type: 'ack', rid: 'end' })
    // Nobody heard their own frames back.
    expect(admin.messages.filter((m) => m.from === 'admin')).toEqual([])
    expect(guest.messages.filter((m) => m.from === 'guest')).toEqual([])
  })

  it('relays message settings from the admin to the guest', async () => {
    const { admin, guest } = await joinedPair()
    admin.send({ type: 'message-settings-updated', settings: { welcome: 'Show us the leak' } })
    expect(await guest.next((m) => m.type === 'message-settings-updated')).toEqual({
      type: 'message-settings-updated',
      from: 'admin',
      settings: { welcome: 'Show us the leak' },
    })
  })

  it('refuses signaling before join-room, to yourself, or to a peer who is not there', async () => {
    const roomId = newRoomId()
    const admin = track(await adminSocket(owner, roomId))
    admin.send({ type: 'offer', rid: 'early', sdp: OFFER })
    expect(await admin.next((m) => m.rid === 'early')).toMatchObject({
      type: 'error',
      code: 'BAD_REQUEST',
    })
    await join(admin)
    admin.send({ type: 'offer', rid: 'self', to: 'admin', sdp: OFFER })
    expect(await admin.next((m) => m.rid === 'self')).toMatchObject({ code: 'BAD_REQUEST' })
    admin.send({ type: 'offer', rid: 'alone', sdp: OFFER })
    expect(await admin.next((m) => m.rid === 'alone')).toMatchObject({
      type: 'error',
      code: 'NOT_FOUND',
      message: 'The guest is not in the room',
    })
  })

  it('answers malformed frames with a validation error and keeps the socket', async () => {
    const { admin, guest } = await joinedPair()
    const cases = [
      { type: 'offer', rid: 'b1', sdp: ANSWER },
      { type: 'offer', rid: 'b2', sdp: { type: 'offer', sdp: '' } },
      { type: 'offer', rid: 'b3', sdp: 'v=0' },
      { type: 'ice-candidate', rid: 'b4', candidate: { candidate: 7 } },
      { type: 'answer', rid: 'b5', to: 'someone-else', sdp: ANSWER },
      { type: 'message-settings-updated', rid: 'b6', settings: 'loud' },
      { type: 'meeting-data-available', rid: 'b7' },
    ]
    for (const frame of cases) {
      admin.send(frame)
      expect(await admin.next((m) => m.rid === frame.rid), frame.rid).toMatchObject({
        type: 'error',
        code: 'VALIDATION_ERROR',
      })
    }
    admin.send('not json')
    expect(await admin.next((m) => m.type === 'error' && !m.rid)).toMatchObject({
      code: 'BAD_REQUEST',
    })
    expect(guest.messages.filter((m) => m.type === 'offer' || m.type === 'answer')).toEqual([])
    admin.send({ type: 'ping', rid: 'still' })
    await admin.next((m) => m.type === 'pong' && m.rid === 'still')
  })
})

describe('who may do what', () => {
  it('refuses admin-only messages from the guest, and the guest cannot pose as the admin', async () => {
    const { admin, guest } = await joinedPair()
    for (const type of ['admin-waiting', 'message-settings-updated']) {
      guest.send({ type, rid: type, ...(type === 'admin-waiting' ? {} : { settings: {} }) })
      expect(await guest.next((m) => m.rid === type)).toMatchObject({
        type: 'error',
        code: 'FORBIDDEN',
      })
    }
    // A sender field is not part of the protocol: the room says who sent what.
    guest.send({ type: 'offer', rid: 'spoof', from: 'admin', sdp: OFFER })
    expect(await guest.next((m) => m.rid === 'spoof')).toMatchObject({ code: 'VALIDATION_ERROR' })
    admin.send({ type: 'user-started-session', rid: 'adm' })
    expect(await admin.next((m) => m.rid === 'adm')).toMatchObject({ code: 'FORBIDDEN' })
    expect(admin.messages.some((m) => m.type === 'admin-waiting')).toBe(false)
    expect(guest.messages.some((m) => m.type === 'message-settings-updated')).toBe(false)
  })

  it('gives the admin ticket to the room owner only', async () => {
    const roomId = newRoomId()
    const { token } = await inviteGuest(owner, roomId)
    expect(
      (await stranger.call(`/api/v1/meeting-rooms/${roomId}/ticket`, { method: 'POST' })).status,
    ).toBe(403)
    expect((await api(`/api/v1/meeting-rooms/${roomId}/ticket`, { method: 'POST' })).status).toBe(
      401,
    )
    // The guest's link token is no access token.
    const asBearer = await api(`/api/v1/meeting-rooms/${roomId}/ticket`, {
      method: 'POST',
      token,
    })
    expect(asBearer.status).toBe(401)
    const badId = await owner.call(`/api/v1/meeting-rooms/bad%20id/ticket`, { method: 'POST' })
    expect(badId.status).toBe(400)
    expect(badId.body).toMatchObject({ success: false, code: 'VALIDATION_ERROR' })
  })

  it('admits a guest only with a valid link for this very room', async () => {
    const roomId = newRoomId()
    const otherRoom = newRoomId()
    const { token } = await inviteGuest(owner, roomId)
    const guestTicket = (id: string, t: string) =>
      api(`/api/v1/meeting-rooms/${id}/guest-ticket`, { method: 'POST', json: { token: t } })
    expect((await guestTicket(otherRoom, token)).status).toBe(401)
    const [h, p, s] = token.split('.')
    const tampered = `${h}.${p}.${s!.slice(0, -2)}${s!.endsWith('AA') ? 'BB' : 'AA'}`
    expect((await guestTicket(roomId, tampered)).status).toBe(401)
    expect((await guestTicket(roomId, owner.accessToken)).status).toBe(401)
    const missing = await api(`/api/v1/meeting-rooms/${roomId}/guest-ticket`, {
      method: 'POST',
      json: {},
    })
    expect(missing.status).toBe(400)
    expect(missing.body).toMatchObject({ success: false, code: 'VALIDATION_ERROR' })

    // A ticket opens only the room it names.
    const ticket = (await guestTicket(roomId, token)).body.ticket
    const wrongRoom = openSocket(
      `${workerUrl().replace(/^http/, 'ws')}/api/realtime/meeting/${otherRoom}?ticket=${ticket}`,
    )
    await expect(wrongRoom).rejects.toMatchObject({ status: 401 })
  })

  it('keeps a third party out while a guest is in the room', async () => {
    const { roomId, guest } = await joinedPair()
    const second = await inviteGuest(owner, roomId, 'Someone Else')
    const intruder = await guestSocket(roomId, second.token)
    expect(intruder.messages[0]).toMatchObject({ type: 'error', code: 'CONFLICT' })
    // The room closes the socket: its close frame arrives right after the error.
    await expect
      .poll(() => intruder.ws.readyState, { interval: 20 })
      .toBeGreaterThanOrEqual(intruder.ws.CLOSING)
    intruder.ws.terminate()
    // The guest in the room is undisturbed.
    guest.send({ type: 'ping', rid: 'ok' })
    await guest.next((m) => m.type === 'pong' && m.rid === 'ok')
  })
})
