// Per-socket frame budgets: a token bucket per frame type per socket, from the table a room's
// protocol declares (shared/<room>.ts), so that one socket's flood of any frame is dropped before
// the room parses or handles it, and a socket that keeps going over is closed. In memory only: a
// socket woken from hibernation sent nothing while it slept, and its new buckets are full.
import { OTHER_FRAMES, type FrameBudget, type FrameBudgetTable } from '../shared/realtime'
import { fillBucket, takeToken } from './token-buckets'

/**
 * At most one RATE_LIMITED error a second per socket: answering a flood frame for frame would cost
 * the room what dropping it saves, and one a second tells any client that reads its errors.
 */
export const WARN_EVERY_MS = 1000
/** Refusals less than this apart are one spell of going over; a second without one ends it. */
export const SPELL_GAP_MS = 1000
/**
 * A socket still refused this long into a spell is closed: three warnings a second apart leave any
 * client that reads them time to slow down, even over a mobile link with slow round trips.
 */
export const CLOSE_AFTER_MS = 3000
/**
 * Or once this many of its frames were refused in one spell: far more than a real client sends
 * past a budget before the first warning reaches it (the largest bursts, ICE candidates, are
 * dozens), while a flood of thousands a second gets here within a fraction of a second.
 */
export const CLOSE_AFTER_REFUSED = 1000

/** The RATE_LIMITED warning's message: it says that frames go unanswered, not only this one. */
export const OVER_BUDGET_MESSAGE =
  'This connection is sending too fast: its frames are being dropped; slow down'

/** What to do with a frame: handle it, or refuse it silently, with a warning, or by closing. */
export type FrameVerdict = 'handle' | 'drop' | 'warn' | 'close'

// Each socket's state is one Float64Array: its buckets (two numbers each), then this record.
const WARNED_AT = 0
const SPELL_START = 1
const LAST_REFUSED = 2
const REFUSED = 3
const RECORD_LENGTH = 4

export class FrameBudgets {
  /** Each frame type's bucket; frames of any other type share the last one. */
  private readonly slots = new Map<string, number>()
  private readonly rates: FrameBudget[] = []
  private readonly other: number
  /** Where the refusal record starts in a socket's state. */
  private readonly record: number
  private readonly sockets = new WeakMap<object, Float64Array>()

  /** `table`: a budget for each frame type the room takes, `ping`'s and OTHER_FRAMES'. */
  constructor(table: FrameBudgetTable<never> & Readonly<Record<string, FrameBudget>>) {
    for (const [type, rate] of Object.entries(table)) {
      if (type === OTHER_FRAMES) continue
      this.slots.set(type, this.rates.length)
      this.rates.push(rate)
    }
    this.other = this.rates.length
    this.rates.push(table[OTHER_FRAMES])
    this.record = 2 * this.rates.length
  }

  /**
   * Gives `socket` full buckets. Called at the upgrade, so that a socket's first frame (an audience
   * member's only vote) allocates nothing; a socket woken from hibernation gets them on its first.
   */
  open(socket: object, now: number): Float64Array {
    const state = new Float64Array(this.record + RECORD_LENGTH)
    for (let i = 0; i < this.rates.length; i++) fillBucket(state, i, this.rates[i]!, now)
    state[this.record + WARNED_AT] = -Infinity
    state[this.record + LAST_REFUSED] = -Infinity
    this.sockets.set(socket, state)
    return state
  }

  /** Spends one frame of `type` (undefined: the frame names no type) from `socket`'s budget. */
  take(socket: object, type: string | undefined, now: number): FrameVerdict {
    const state = this.sockets.get(socket) ?? this.open(socket, now)
    const slot = (type === undefined ? undefined : this.slots.get(type)) ?? this.other
    if (takeToken(state, slot, this.rates[slot]!, now)) return 'handle'
    return this.refuse(state, now)
  }

  private refuse(state: Float64Array, now: number): Exclude<FrameVerdict, 'handle'> {
    const r = this.record
    if (now - state[r + LAST_REFUSED]! >= SPELL_GAP_MS) {
      state[r + SPELL_START] = now
      state[r + REFUSED] = 0
    }
    state[r + LAST_REFUSED] = now
    const refused = state[r + REFUSED]! + 1
    state[r + REFUSED] = refused
    if (refused >= CLOSE_AFTER_REFUSED || now - state[r + SPELL_START]! >= CLOSE_AFTER_MS)
      return 'close'
    if (now - state[r + WARNED_AT]! < WARN_EVERY_MS) return 'drop'
    state[r + WARNED_AT] = now
    return 'warn'
  }
}
