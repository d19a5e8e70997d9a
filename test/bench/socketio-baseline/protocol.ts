// What the Socket.IO baseline server and the benchmark exchange: its start-up message (IPC) and the
// payloads of its events.
import type { Counts } from '../tally'

export interface BaselineConference {
  id: string
  code: string
  questionId: string
  optionIds: string[]
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
