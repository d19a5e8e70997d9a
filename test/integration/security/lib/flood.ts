// One socket's flood of one frame type, as the per-socket frame budgets must hold it: the frames
// sent all at once, the room's answers told apart from the budget's warnings, and the close code.
import { vi } from 'vitest'
import { CLOSE_AFTER_REFUSED, OVER_BUDGET_MESSAGE } from '../../../../durable-objects/frame-budgets'
import type { FrameBudget } from '../../../../shared/realtime'
import type { TestSocket } from '../../../harness/ws'

export interface Flood {
  sent: number
  /** Flood frames the room answered itself (ack, pong, or an error of its own). */
  answered: number
  /** The budget's RATE_LIMITED warnings, each carrying the rid of a flood frame. */
  warnings: number
  /** The code of the close frame the room sent; undefined when it answered every frame instead. */
  closeCode: number | undefined
  /** From the first send until the close frame arrived: the room spent its budget within this. */
  elapsedMs: number
}

/**
 * Enough frames to spend the budget, be refused until the socket is closed, and still be sending
 * then: the burst, CLOSE_AFTER_REFUSED refusals, and room for the refill while the room reads them.
 */
const floodSize = (budget: FrameBudget) =>
  budget.burst + CLOSE_AFTER_REFUSED + 3 * budget.perSecond + 50

/** The most frames `budget` lets one socket have handled within `ms`: the burst and the refill. */
export const budgetAllows = (budget: FrameBudget, ms: number) =>
  Math.floor(budget.burst + (budget.perSecond * ms) / 1000)

/** A flood is closed within a second or so; this is the wait before calling it not closed. */
const CLOSE_WAIT_MS = 10_000

const isFloodRid = (rid: unknown) => typeof rid === 'string' && /^flood-\d+$/.test(rid)

/**
 * Sends floodSize(budget) copies of `frame`, each with its own rid, at once; runs `during` (another
 * socket's request, answered while the room reads the flood); then waits for the room to close the
 * flooding socket, or to have answered every frame (no budget held them: the checks then fail).
 */
export async function flood(
  socket: TestSocket,
  frame: Record<string, unknown>,
  budget: FrameBudget,
  during: () => Promise<unknown> = async () => undefined,
): Promise<Flood> {
  const sent = floodSize(budget)
  const start = performance.now()
  for (let i = 0; i < sent; i++) socket.send({ ...frame, rid: `flood-${i}` })
  await during()
  const closeCode = await Promise.race([
    socket.closedByServer(CLOSE_WAIT_MS),
    everyFrameAnswered(socket, sent),
  ])
  const elapsedMs = performance.now() - start
  const replies = socket.messages.filter((m) => isFloodRid(m.rid))
  const warnings = replies.filter(
    (m) => m.code === 'RATE_LIMITED' && m.message === OVER_BUDGET_MESSAGE,
  )
  socket.ws.terminate()
  return {
    sent,
    answered: replies.length - warnings.length,
    warnings: warnings.length,
    closeCode,
    elapsedMs,
  }
}

/** Resolves (undefined) once the room answered all `sent` flood frames: no budget held them. */
async function everyFrameAnswered(socket: TestSocket, sent: number): Promise<undefined> {
  try {
    await vi.waitFor(
      () => {
        if (socket.messages.filter((m) => isFloodRid(m.rid)).length < sent)
          throw new Error('not every flood frame was answered')
      },
      { timeout: CLOSE_WAIT_MS, interval: 50 },
    )
    return undefined
  } catch {
    // Neither closed nor all answered: closedByServer rejects for this first.
    return new Promise(() => undefined)
  }
}
