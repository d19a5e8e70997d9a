import { describe, expect, it } from 'vitest'
import { ConferenceClientMessageSchema, isVoteMessage } from './conference'

const long = 'x'.repeat(65)
const max = 'y'.repeat(64)
const vote = { type: 'vote', rid: 'r1', questionId: 'q1', optionIds: ['a'] }
const twenty = Array.from({ length: 20 }, (_, i) => `o${i}`)

describe('isVoteMessage', () => {
  // The fast check stands in for the schema on every vote: it must accept exactly what the
  // schema's vote branch accepts, and nothing the schema would refuse.
  const inputs: unknown[] = [
    vote,
    { type: 'vote', questionId: 'q1', optionIds: ['a'] },
    { type: 'vote', rid: max, questionId: max, optionIds: [max] },
    { type: 'vote', questionId: 'q1', optionIds: twenty },
    { type: 'vote', questionId: 'q1', optionIds: ['a', 'a'] },
    { type: 'vote', questionId: 'q1', optionIds: [...twenty, 'o20'] },
    { type: 'vote', questionId: 'q1', optionIds: [] },
    { type: 'vote', questionId: 'q1', optionIds: [''] },
    { type: 'vote', questionId: 'q1', optionIds: [long] },
    { type: 'vote', questionId: 'q1', optionIds: ['a', 7] },
    { type: 'vote', questionId: 'q1', optionIds: ['a', null] },
    { type: 'vote', questionId: 'q1', optionIds: 'a' },
    { type: 'vote', questionId: 'q1', optionIds: { 0: 'a', length: 1 } },
    { type: 'vote', questionId: 'q1' },
    { type: 'vote', optionIds: ['a'] },
    { type: 'vote', questionId: '', optionIds: ['a'] },
    { type: 'vote', questionId: long, optionIds: ['a'] },
    { type: 'vote', questionId: 1, optionIds: ['a'] },
    { ...vote, rid: '' },
    { ...vote, rid: long },
    { ...vote, rid: 3 },
    { ...vote, rid: null },
    { ...vote, extra: true },
    { ...vote, extra: undefined },
    JSON.parse('{"type":"vote","questionId":"q1","optionIds":["a"],"__proto__":{"x":1}}'),
    { ...vote, type: 'Vote' },
    { ...vote, type: 'qa.upvote' },
    { type: 'qa.upvote', qaId: 'q1' },
    { type: 'question.push', questionId: 'q1' },
    {},
    [],
    [vote],
    null,
    'vote',
    42,
  ]

  it.each(inputs.map((input) => [JSON.stringify(input) ?? String(input), input]))(
    'agrees with the schema on %s',
    (_, input) => {
      const parsed = ConferenceClientMessageSchema.safeParse(input)
      expect(isVoteMessage(input)).toBe(parsed.success && parsed.data.type === 'vote')
    },
  )

  it('accepts a well-formed vote and refuses each kind of malformed one', () => {
    expect(isVoteMessage(vote)).toBe(true)
    expect(isVoteMessage({ ...vote, optionIds: [] })).toBe(false)
    expect(isVoteMessage({ ...vote, extra: 1 })).toBe(false)
    expect(isVoteMessage({ ...vote, questionId: long })).toBe(false)
  })
})
