// formatOffset / parseOffset / splitRecovery: the room's seq as the Socket.IO recovery offset.
import { describe, expect, it } from 'vitest'
import { formatOffset, parseOffset, splitRecovery } from './recovery'

describe('parseOffset', () => {
  it.each([
    [formatOffset(0), 0],
    [formatOffset(42), 42],
    ['seq:', null],
    ['seq:-1', null],
    ['seq:1.5', null],
    ['42', null],
    ['hello', null],
    [42, null],
    [undefined, null],
  ])('%j → %j', (offset, seq) => {
    expect(parseOffset(offset)).toBe(seq)
  })
})

describe('splitRecovery', () => {
  it('takes pid and offset out of the auth payload', () => {
    expect(splitRecovery({ token: 't', pid: 'p', offset: 'seq:7' })).toEqual({
      auth: { token: 't' },
      recovery: { pid: 'p', seq: 7 },
    })
  })

  it.each([
    [{ token: 't' }],
    [{ token: 't', pid: 'p' }],
    [{ token: 't', pid: 'p', offset: 'foreign' }],
    [{ token: 't', pid: 1, offset: 'seq:7' }],
  ])('asks for no recovery from %j', (payload) => {
    expect(splitRecovery(payload)).toEqual({ auth: { token: 't' }, recovery: null })
  })
})
