// decodeSocketIo and the encoders: what socket.io-client v4 sends and expects, frame by frame.
import { encodePayload, type Packet } from 'engine.io-parser'
import { describe, expect, it } from 'vitest'
import { decodeFrame, decodePollBody, encodeFrame, encodePollBody } from './engine-packets'
import {
  BinaryPayloadError,
  decodeSocketIo,
  encodeAck,
  encodeConnect,
  encodeConnectError,
  encodeDisconnect,
  encodeEvent,
} from './socket-io-packets'

describe('decodeSocketIo', () => {
  it.each([
    ['0', { type: 'connect', nsp: '/', auth: {} }],
    ['0{"token":"t"}', { type: 'connect', nsp: '/', auth: { token: 't' } }],
    ['0/admin,{"token":"t"}', { type: 'connect', nsp: '/admin', auth: { token: 't' } }],
    ['2["chat","hi"]', { type: 'event', nsp: '/', event: 'chat', args: ['hi'], ackId: null }],
    ['2/admin,12["chat"]', { type: 'event', nsp: '/admin', event: 'chat', args: [], ackId: 12 }],
    ['35[1,2]', { type: 'ack', nsp: '/', ackId: 5, args: [1, 2] }],
    ['1/admin,', { type: 'disconnect', nsp: '/admin' }],
    [
      '51-3["upload",{"_placeholder":true,"num":0}]',
      { type: 'binary', nsp: '/', event: 'upload', ackId: 3 },
    ],
    [
      '61-/admin,4[{"_placeholder":true,"num":0}]',
      { type: 'binary', nsp: '/admin', event: null, ackId: 4 },
    ],
  ])('%s', (text, packet) => {
    expect(decodeSocketIo(text)).toEqual(packet)
  })

  it.each([
    ['2["connect"]'],
    ['2{"not":"an array"}'],
    ['9'],
    ['0"auth"'],
    ['4{"message":"x"}'],
    ['3[]'],
  ])('finds %s invalid', (text) => {
    expect(decodeSocketIo(text)).toMatchObject({ type: 'invalid' })
  })
})

describe('encoders', () => {
  it.each([
    [encodeEvent('/', 'chat', [{ text: 'hi' }]), '42["chat",{"text":"hi"}]'],
    [encodeEvent('/admin', 'q', [1], { ackId: 7 }), '42/admin,7["q",1]'],
    [encodeEvent('/', 'news', ['x'], { offset: 'seq:3' }), '42["news","x","seq:3"]'],
    [encodeAck('/', 7, ['ok']), '437["ok"]'],
    [encodeConnect('/', 'S', null), '40{"sid":"S"}'],
    [encodeConnect('/admin', 'S', 'P'), '40/admin,{"sid":"S","pid":"P"}'],
    [encodeConnectError('/', 'invalid token'), '44{"message":"invalid token"}'],
    [encodeDisconnect('/admin'), '41/admin,'],
  ])('%s', (frame, expected) => {
    expect(frame).toBe(expected)
  })

  it('refuses binary arguments', () => {
    expect(() => encodeEvent('/', 'file', [new Uint8Array([1])])).toThrow(BinaryPayloadError)
  })
})

describe('engine frames', () => {
  it('joins queued frames exactly as engine.io-parser encodePayload does', () => {
    const packets: Packet[] = [
      { type: 'open', data: '{"sid":"x"}' },
      { type: 'message', data: '2["a"]' },
      { type: 'ping' },
    ]
    let expected = ''
    encodePayload(packets, (payload) => (expected = payload))
    expect(encodePollBody(packets.map(encodeFrame))).toBe(expected)
  })

  it('decodes a POST body with base64 binary and a WebSocket binary frame', () => {
    const [text, binary] = decodePollBody('42["a"]\x1ebAQI=')
    expect(text).toEqual({ type: 'message', data: '2["a"]' })
    expect(new Uint8Array(binary!.data as ArrayBuffer)).toEqual(new Uint8Array([1, 2]))
    expect(decodeFrame(new Uint8Array([7]).buffer)).toMatchObject({ type: 'message' })
    expect(decodePollBody('4a\x1ezz\x1e4b')).toEqual([
      { type: 'message', data: 'a' },
      { type: 'error', data: 'parser error' },
    ])
  })
})
