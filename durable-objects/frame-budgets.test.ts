import { describe, expect, it } from 'vitest'
import { BASE_FRAME_BUDGETS, OTHER_FRAMES } from '../shared/realtime'
import {
  CLOSE_AFTER_MS,
  CLOSE_AFTER_REFUSED,
  FrameBudgets,
  SPELL_GAP_MS,
  WARN_EVERY_MS,
  type FrameVerdict,
} from './frame-budgets'

const TABLE = {
  ...BASE_FRAME_BUDGETS,
  [OTHER_FRAMES]: { burst: 2, perSecond: 1 },
  vote: { burst: 3, perSecond: 2 },
  typing: { burst: 1, perSecond: 10 },
}

/** `count` frames of `type` from `socket` at `now`, their verdicts. */
const takeMany = (
  budgets: FrameBudgets,
  socket: object,
  type: string | undefined,
  count: number,
  now: number,
): FrameVerdict[] => Array.from({ length: count }, () => budgets.take(socket, type, now))

describe('FrameBudgets', () => {
  it('handles a burst of each type, refuses the next, and refills at the steady rate', () => {
    const budgets = new FrameBudgets(TABLE)
    const socket = {}
    budgets.open(socket, 1000)
    expect(takeMany(budgets, socket, 'vote', 4, 1000)).toEqual([
      'handle',
      'handle',
      'handle',
      'warn',
    ])
    // Half a second at 2 a second is one more vote.
    expect(takeMany(budgets, socket, 'vote', 2, 1500)).toEqual(['handle', 'drop'])
  })

  it('keeps a bucket per type: one type over its budget leaves the others alone', () => {
    const budgets = new FrameBudgets(TABLE)
    const socket = {}
    budgets.open(socket, 0)
    takeMany(budgets, socket, 'vote', 10, 0)
    expect(budgets.take(socket, 'typing', 0)).toBe('handle')
    expect(budgets.take(socket, 'ping', 0)).toBe('handle')
  })

  it('charges frames of no known type (and none at all) to the shared other budget', () => {
    const budgets = new FrameBudgets(TABLE)
    const socket = {}
    budgets.open(socket, 0)
    expect([
      budgets.take(socket, 'no.such.type', 0),
      budgets.take(socket, undefined, 0),
      // A client cannot name the other budget's key to reach a bucket of its own.
      budgets.take(socket, OTHER_FRAMES, 0),
    ]).toEqual(['handle', 'handle', 'warn'])
  })

  it('keeps each socket’s budgets apart, and gives a socket it never saw full buckets', () => {
    const budgets = new FrameBudgets(TABLE)
    const [a, b, woken] = [{}, {}, {}]
    budgets.open(a, 0)
    budgets.open(b, 0)
    takeMany(budgets, a, 'vote', 10, 0)
    expect(takeMany(budgets, b, 'vote', 3, 0)).toEqual(['handle', 'handle', 'handle'])
    // A socket woken from hibernation was never opened in this instance.
    expect(takeMany(budgets, woken, 'vote', 4, 0)).toEqual(['handle', 'handle', 'handle', 'warn'])
  })

  it('warns at most once a second while refusing', () => {
    const budgets = new FrameBudgets({ ...TABLE, vote: { burst: 1, perSecond: 0 } })
    const socket = {}
    budgets.open(socket, 0)
    // The first refusal, at 1, warns; the next warning is due a full second later.
    const times = [0, 1, 100, 500, WARN_EVERY_MS, WARN_EVERY_MS + 1, WARN_EVERY_MS + 900]
    expect(times.map((at) => budgets.take(socket, 'vote', at))).toEqual([
      'handle',
      'warn',
      'drop',
      'drop',
      'drop',
      'warn',
      'drop',
    ])
  })

  it('closes a socket once it had CLOSE_AFTER_REFUSED frames refused in one spell', () => {
    const budgets = new FrameBudgets(TABLE)
    const socket = {}
    budgets.open(socket, 0)
    const verdicts = takeMany(budgets, socket, 'vote', 3 + CLOSE_AFTER_REFUSED, 0)
    expect(verdicts.filter((v) => v === 'handle')).toHaveLength(3)
    expect(verdicts.filter((v) => v === 'warn')).toHaveLength(1)
    expect(verdicts.indexOf('close')).toBe(3 + CLOSE_AFTER_REFUSED - 1)
  })

  it('closes a socket still refused CLOSE_AFTER_MS into a spell, however few it sent', () => {
    const budgets = new FrameBudgets({ ...TABLE, vote: { burst: 1, perSecond: 0 } })
    const socket = {}
    budgets.open(socket, 0)
    budgets.take(socket, 'vote', 0)
    // Ten refused frames a second, each less than a spell's gap after the last.
    const times = Array.from({ length: CLOSE_AFTER_MS / 100 + 1 }, (_, i) => 1 + i * 100)
    const verdicts = times.map((at) => budgets.take(socket, 'vote', at))
    expect(verdicts.slice(0, -1)).not.toContain('close')
    expect(verdicts.at(-1)).toBe('close')
  })

  it('does not close a client that slows down when warned: a pause ends the spell', () => {
    const budgets = new FrameBudgets({ ...TABLE, vote: { burst: 1, perSecond: 0 } })
    const socket = {}
    budgets.open(socket, 0)
    const verdicts: FrameVerdict[] = []
    // Refused for most of a second, then quiet for SPELL_GAP_MS, again and again.
    for (let start = 0; start < 4 * CLOSE_AFTER_MS; start += 900 + SPELL_GAP_MS)
      for (let at = start; at < start + 900; at += 100)
        verdicts.push(budgets.take(socket, 'vote', at))
    expect(verdicts).not.toContain('close')
    expect(verdicts.filter((v) => v === 'warn').length).toBeGreaterThan(4)
  })
})
