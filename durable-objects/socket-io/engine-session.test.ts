// A polling session's queue around a server-side close: the frames queued before the close go in
// one answer, the close packet in the next, as the reference server sends them.
import { describe, expect, it } from 'vitest'
import {
  beginPoll,
  closeSession,
  ENGINE_DEFAULTS,
  enqueue,
  openSession,
  takePoll,
} from './engine-session'

describe('engine session: polling close', () => {
  it('sends the frames queued before a close first, and the close packet alone after them', () => {
    const { session } = openSession('polling', 0, ENGINE_DEFAULTS)
    enqueue(session, '41')
    closeSession(session, 'forced close')
    expect(beginPoll(session)).toEqual({ ok: true, body: '41' })
    expect(beginPoll(session)).toEqual({ ok: true, body: '1' })
    expect(session.queue).toEqual([])
  })

  it('answers a held GET with the close packet when nothing else is queued', () => {
    const { session } = openSession('polling', 0, ENGINE_DEFAULTS)
    expect(beginPoll(session)).toEqual({ ok: true, body: null })
    closeSession(session, 'ping timeout')
    expect(takePoll(session)).toBe('1')
  })

  it('joins the frames of one answer with the record separator while the session is open', () => {
    const { session } = openSession('polling', 0, ENGINE_DEFAULTS)
    enqueue(session, '2', '42["a"]')
    expect(beginPoll(session)).toEqual({ ok: true, body: '2\x1e42["a"]' })
  })
})
