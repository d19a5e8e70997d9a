import { describe, expect, it } from 'vitest'
import { nativeFrame, sioFrame } from './socket-io-framing'

describe('nativeFrame', () => {
  it.each([
    ['vote', [{ questionId: 'q' }], 3, { questionId: 'q', type: 'vote', rid: '3' }],
    ['qa.ask', [{ text: 'hi', type: 'x', rid: 'y' }], null, { text: 'hi', type: 'qa.ask' }],
    ['vote', ['not an object'], null, { type: 'vote' }],
  ] as const)('%s %j ack %s', (event, args, ackId, expected) => {
    expect(nativeFrame(event, args, ackId)).toEqual(expected)
  })
})

describe('sioFrame', () => {
  it.each([
    ['{"type":"ack","rid":"3","replaced":false}', '433[{"replaced":false}]'],
    [
      '{"type":"error","rid":"4","code":"CONFLICT","message":"closed"}',
      '434[{"error":{"code":"CONFLICT","message":"closed"}}]',
    ],
    [
      '{"type":"error","code":"RATE_LIMITED","message":"slow"}',
      '42["error",{"code":"RATE_LIMITED","message":"slow"}]',
    ],
    ['{"type":"qa.new","seq":7,"item":{}}', '42["qa.new",{"seq":7,"item":{}},"seq:7"]'],
    ['{"type":"room.stats","audienceCount":2}', '42["room.stats",{"audienceCount":2}]'],
  ])('%s', (body, frame) => {
    expect(sioFrame(body)).toBe(frame)
  })
})
