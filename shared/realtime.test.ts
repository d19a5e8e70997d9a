import { describe, expect, it } from 'vitest'
import { clientFrameType, ClientFrameSchema, isClientFrame } from './realtime'

const long = 'x'.repeat(65)

describe('isClientFrame', () => {
  // The fast check stands in for the schema on every frame: it must agree with it on every input.
  const inputs: unknown[] = [
    { type: 'vote' },
    { type: 'vote', rid: 'r1', questionId: 'q', optionIds: ['a'] },
    { type: 'vote', rid: undefined },
    { type: 'x'.repeat(64), rid: 'y'.repeat(64) },
    { type: '' },
    { type: long },
    { type: 'vote', rid: '' },
    { type: 'vote', rid: long },
    { type: 'vote', rid: 7 },
    { type: 'vote', rid: null },
    { type: 7 },
    { type: null },
    {},
    [],
    [{ type: 'vote' }],
    null,
    'vote',
    42,
    true,
  ]

  it.each(inputs.map((input) => [JSON.stringify(input) ?? String(input), input]))(
    'agrees with ClientFrameSchema on %s',
    (_, input) => {
      expect(isClientFrame(input)).toBe(ClientFrameSchema.safeParse(input).success)
    },
  )

  it('accepts a well-formed frame and refuses a malformed one', () => {
    expect(isClientFrame({ type: 'vote', rid: 'r1' })).toBe(true)
    expect(isClientFrame({ type: 'vote', rid: '' })).toBe(false)
  })
})

describe('clientFrameType', () => {
  it('names the type of every frame that has one, whatever its rid, and of no other', () => {
    // A bad rid does not move a frame to another type's budget.
    expect(clientFrameType({ type: 'vote', rid: { $gt: '' } })).toBe('vote')
    expect(clientFrameType({ type: 'vote', rid: 'r1', extra: 1 })).toBe('vote')
    for (const input of [{ type: '' }, { type: long }, { type: { $ne: null } }, [], null, 'vote'])
      expect(clientFrameType(input)).toBeUndefined()
  })
})
