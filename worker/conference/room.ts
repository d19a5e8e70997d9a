// The Worker's handle on a conference's ConferenceRoom: addressed by the conference id, with room
// errors (returned as values over RPC) turned back into AppErrors.
import type { Context } from 'hono'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { conferenceQuestions, liveDefinition, type ConferenceDoc } from './store'

export function roomOf(c: Context<AppEnv>, conferenceId: string) {
  const ns = c.env.CONFERENCE_ROOM
  return ns.get(ns.idFromName(conferenceId))
}

export function unwrap<T>(result: T | { error: { code: string; message: string } }): T {
  if (result && typeof result === 'object' && 'error' in result) {
    const { code, message } = (result as { error: { code: string; message: string } }).error
    throw new AppError(code as never, message)
  }
  return result as T
}

/** Loads the conference's status and every question definition into its room. */
export async function syncRoom(c: Context<AppEnv>, conference: ConferenceDoc) {
  const db = await c.get('services').database.db()
  const questions = await conferenceQuestions(db)
    .find({ conferenceId: conference._id })
    .sort({ order: 1 })
    .toArray()
  await roomOf(c, conference._id.toHexString()).setup(
    conference._id.toHexString(),
    conference.status,
    questions.map(liveDefinition),
  )
}
