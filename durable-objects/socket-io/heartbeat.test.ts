// heartbeat(): which sessions to ping or close at an alarm, and when the alarm runs next.
import { describe, expect, it } from 'vitest'
import { heartbeat, type HeartbeatOptions, type HeartbeatPeer } from './heartbeat'

const options: HeartbeatOptions = { pingInterval: 25_000, pingTimeout: 20_000 }
const peer = (fields: Partial<HeartbeatPeer>): HeartbeatPeer => ({
  id: 'a',
  openedAt: 0,
  pingedAt: null,
  pongAt: null,
  ...fields,
})

describe('heartbeat', () => {
  it.each([
    [
      'a new session is pinged an interval after opening',
      25_000,
      {},
      { ping: ['a'], close: [], nextAt: 45_000 },
    ],
    ['not before', 24_000, {}, { ping: [], close: [], nextAt: 25_000 }],
    [
      'an answered ping: the next one an interval after it',
      40_000,
      { pingedAt: 25_000, pongAt: 25_050 },
      { ping: [], close: [], nextAt: 50_000 },
    ],
    [
      'an unanswered ping within pingTimeout: wait for its deadline',
      40_000,
      { pingedAt: 25_000, pongAt: null },
      { ping: [], close: [], nextAt: 45_000 },
    ],
    [
      'an unanswered ping past pingTimeout: close',
      45_000,
      { pingedAt: 25_000, pongAt: 1_000 },
      { ping: [], close: ['a'], nextAt: null },
    ],
    [
      'a pong older than the ping does not answer it',
      46_000,
      { pingedAt: 25_000, pongAt: 24_999 },
      { ping: [], close: ['a'], nextAt: null },
    ],
  ] as const)('%s', (_name, now, fields, plan) => {
    expect(heartbeat(now, [peer(fields)], options)).toEqual(plan)
  })

  it('pings the sessions due within `coalesce` in the same round', () => {
    const peers = [
      peer({ id: 'a' }),
      peer({ id: 'b', openedAt: 2_000 }),
      peer({ id: 'c', openedAt: 9_000 }),
    ]
    expect(heartbeat(25_000, peers, { ...options, coalesce: 2_500 })).toEqual({
      ping: ['a', 'b'],
      close: [],
      nextAt: 34_000,
    })
  })

  it('closes a session that joined no namespace within connectTimeout', () => {
    const peers = [peer({ id: 'a', connected: false }), peer({ id: 'b', connected: true })]
    const plan = heartbeat(45_000, peers, { ...options, connectTimeout: 45_000 })
    expect(plan.close).toEqual(['a'])
    expect(plan.ping).toEqual(['b'])
  })

  it('has nothing to plan without sessions', () => {
    expect(heartbeat(1, [], options)).toEqual({ ping: [], close: [], nextAt: null })
  })
})
