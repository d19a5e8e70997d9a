// What the Socket.IO baseline server and the benchmark exchange: its start-up environment, its
// start-up message (IPC) and the payloads of its events.
import { randomBytes, randomUUID } from 'node:crypto'
import { OPTIONS, type Counts } from '../tally'

export interface BaselineConference {
  id: string
  code: string
  questionId: string
  optionIds: string[]
}

/**
 * What several baseline processes must share to serve one conference: its ids and the secret its
 * tokens are signed with. One process alone makes its own.
 */
export interface BaselineSetup {
  secretHex: string
  conference: BaselineConference
}

/** The environment a baseline process reads its setup (JSON) and its Redis URL from. */
export const SETUP_ENV = 'SOCKET_IO_BASELINE_SETUP'
/** Set: Socket.IO's Redis adapter and the poll state in this Redis; unset: one process, in memory. */
export const REDIS_URL_ENV = 'SOCKET_IO_BASELINE_REDIS_URL'

export function newSetup(): BaselineSetup {
  return {
    secretHex: randomBytes(32).toString('hex'),
    conference: {
      id: randomUUID(),
      code: randomBytes(4).toString('hex').toUpperCase(),
      questionId: randomUUID(),
      optionIds: OPTIONS.map(() => randomUUID()),
    },
  }
}

/** Sent over IPC once the server listens. */
export interface BaselineReady {
  type: 'ready'
  port: number
  conference: BaselineConference
  hostToken: string
}

export interface Tally extends Counts {
  questionId: string
}

/** `room.stats` to the hosts: after every join, leave and counted vote. */
export interface RoomStats {
  audienceCount: number
  results: Tally
}
