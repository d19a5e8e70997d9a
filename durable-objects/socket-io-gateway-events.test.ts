// The shapes Videodesk clients emit, read into the gateway's requests: each documented shape of
// each event, the room id wherever it is given, and the refusals for what cannot be read.
import { describe, expect, it } from 'vitest'
import { readGatewayEvent } from './socket-io-gateway-events'

const ROOM = 'room-abc123'
const OFFER = { type: 'offer', sdp: 'v=0' }
const CANDIDATE = {
  candidate: 'candidate:1 1 udp 1 192.0.2.1 1 typ host',
  sdpMid: '0',
  sdpMLineIndex: 0,
}

describe('join-room', () => {
  it('takes the room id alone, with a token after it, or in an object', () => {
    expect(readGatewayEvent('join-room', [ROOM])).toEqual({ kind: 'join-room', roomId: ROOM })
    expect(readGatewayEvent('join-room', [ROOM, 't'])).toEqual({
      kind: 'join-room',
      roomId: ROOM,
      token: 't',
    })
    expect(readGatewayEvent('join-room', [ROOM, { token: 't' }])).toMatchObject({ token: 't' })
    expect(readGatewayEvent('join-room', [{ roomId: ROOM, token: 't' }])).toEqual({
      kind: 'join-room',
      roomId: ROOM,
      token: 't',
    })
    expect(readGatewayEvent('join-room', [{ room: ROOM }])).toEqual({
      kind: 'join-room',
      roomId: ROOM,
    })
  })

  it('refuses a missing or malformed room id', () => {
    expect(readGatewayEvent('join-room', [])).toMatchObject({
      kind: 'refused',
      code: 'VALIDATION_ERROR',
    })
    expect(readGatewayEvent('join-room', [{ token: 't' }])).toMatchObject({ kind: 'refused' })
    expect(readGatewayEvent('join-room', ['../x'])).toMatchObject({
      kind: 'refused',
      message: 'The room id must be 6-64 letters, digits, _ or -',
    })
  })
})

describe('signaling', () => {
  it('reads an offer or answer in every documented shape', () => {
    const frame = { type: 'offer', sdp: OFFER }
    expect(readGatewayEvent('offer', [{ sdp: OFFER }])).toEqual({ kind: 'meeting', frame })
    expect(readGatewayEvent('offer', [{ offer: OFFER, roomId: ROOM }])).toEqual({
      kind: 'meeting',
      frame,
      roomId: ROOM,
    })
    expect(readGatewayEvent('offer', [OFFER, ROOM])).toEqual({
      kind: 'meeting',
      frame,
      roomId: ROOM,
    })
    expect(readGatewayEvent('offer', ['v=0'])).toEqual({ kind: 'meeting', frame })
    expect(readGatewayEvent('offer', [{ sdp: 'v=0', to: 'guest' }])).toEqual({
      kind: 'meeting',
      frame: { ...frame, to: 'guest' },
    })
    expect(readGatewayEvent('answer', [{ answer: { type: 'answer', sdp: 'v=1' } }])).toEqual({
      kind: 'meeting',
      frame: { type: 'answer', sdp: { type: 'answer', sdp: 'v=1' } },
    })
  })

  it('drops a `to` that is no role: a meeting has one other peer', () => {
    expect(readGatewayEvent('offer', [{ sdp: OFFER, to: 'socket-123' }])).toEqual({
      kind: 'meeting',
      frame: { type: 'offer', sdp: OFFER },
    })
  })

  it('reads an ICE candidate wrapped, bare, or null for the last', () => {
    const frame = { type: 'ice-candidate', candidate: CANDIDATE }
    expect(readGatewayEvent('ice-candidate', [{ candidate: CANDIDATE, to: 'admin' }])).toEqual({
      kind: 'meeting',
      frame: { ...frame, to: 'admin' },
    })
    expect(readGatewayEvent('ice-candidate', [CANDIDATE, ROOM])).toEqual({
      kind: 'meeting',
      frame,
      roomId: ROOM,
    })
    expect(readGatewayEvent('ice-candidate', [{ ...CANDIDATE, extra: 1 }])).toEqual({
      kind: 'meeting',
      frame,
    })
    expect(readGatewayEvent('ice-candidate', [null])).toEqual({
      kind: 'meeting',
      frame: { type: 'ice-candidate', candidate: null },
    })
    expect(readGatewayEvent('ice-candidate', [{ candidate: null }])).toMatchObject({
      frame: { candidate: null },
    })
  })

  it('refuses signaling it cannot read', () => {
    expect(readGatewayEvent('offer', [])).toMatchObject({
      kind: 'refused',
      code: 'VALIDATION_ERROR',
    })
    expect(readGatewayEvent('offer', [{ nothing: true }])).toMatchObject({ kind: 'refused' })
    expect(readGatewayEvent('ice-candidate', [])).toMatchObject({ kind: 'refused' })
    expect(readGatewayEvent('ice-candidate', [42])).toMatchObject({ kind: 'refused' })
  })
})

describe('the other events', () => {
  it('reads the presence events with or without a room id', () => {
    expect(readGatewayEvent('admin-waiting', [])).toEqual({
      kind: 'meeting',
      frame: { type: 'admin-waiting' },
    })
    expect(readGatewayEvent('user-opened-link', [ROOM])).toEqual({
      kind: 'meeting',
      frame: { type: 'user-opened-link' },
      roomId: ROOM,
    })
    expect(readGatewayEvent('user-started-session', [{ roomId: ROOM }])).toMatchObject({
      roomId: ROOM,
    })
  })

  it('reads message settings wrapped or bare', () => {
    const frame = { type: 'message-settings-updated', settings: { tone: 'warm' } }
    expect(readGatewayEvent('message-settings-updated', [{ settings: { tone: 'warm' } }])).toEqual({
      kind: 'meeting',
      frame,
    })
    expect(readGatewayEvent('message-settings-updated', [{ tone: 'warm', roomId: ROOM }])).toEqual({
      kind: 'meeting',
      frame,
      roomId: ROOM,
    })
    expect(readGatewayEvent('message-settings-updated', ['warm'])).toMatchObject({
      kind: 'refused',
    })
  })

  it('ignores what the notification events name, and refuses unknown events', () => {
    expect(readGatewayEvent('join-notification-room', ['someone@example.com'])).toEqual({
      kind: 'notifications',
      join: true,
    })
    expect(readGatewayEvent('leave-notification-room', [{ userId: 'x' }])).toEqual({
      kind: 'notifications',
      join: false,
    })
    expect(readGatewayEvent('vote', [{}])).toEqual({
      kind: 'refused',
      code: 'BAD_REQUEST',
      message: "Unknown event 'vote'",
    })
  })
})
