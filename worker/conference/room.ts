// The Worker's handle on a conference's ConferenceRoom: addressed by the conference id, with room
// errors (returned as values over RPC) turned back into AppErrors.
import type { Context } from 'hono'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { conferenceQuestions, conferences, liveDefinition, type ConferenceDoc } from './store'

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

/**
 * A conference the legacy import brought in while it was running (`roomPending`): its room is handed
 * the status, the questions, the live one and the closed ones, once, by the first request that
 * reads the conference; every later read finds the flag gone.
 */
export async function adoptPendingRoom(
  c: Context<AppEnv>,
  conference: ConferenceDoc,
): Promise<ConferenceDoc> {
  if (!conference.roomPending) return conference
  const db = await c.get('services').database.db()
  if (conference.status === 'ACTIVE') {
    const questions = await conferenceQuestions(db)
      .find({ conferenceId: conference._id })
      .sort({ order: 1 })
      .toArray()
    unwrap(
      await roomOf(c, conference._id.toHexString()).adopt(
        conference._id.toHexString(),
        conference.status,
        questions.map(liveDefinition),
        {
          live: questions.find((q) => q.status === 'ACTIVE')?._id.toHexString(),
          closed: questions.filter((q) => q.status === 'CLOSED').map((q) => q._id.toHexString()),
        },
      ),
    )
  }
  await conferences(db).updateOne({ _id: conference._id }, { $unset: { roomPending: '' } })
  const { roomPending: _adopted, ...adopted } = conference
  return adopted
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
    conference.audienceShards,
  )
}
