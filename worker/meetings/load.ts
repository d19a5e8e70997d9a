// Reading the caller's own meetings: anyone else's meeting answers exactly like a missing one.
import type { Context } from 'hono'
import type { Filter } from 'mongodb'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { meetings, ownMeeting, ownMeetingByAnyId, type MeetingDoc } from './store'

export async function findOwnMeeting(c: Context<AppEnv>, filter: Filter<MeetingDoc>) {
  const doc = await meetings(await c.get('services').database.db()).findOne(filter)
  if (!doc) throw new AppError('NOT_FOUND', 'Meeting not found')
  return doc
}

export const loadOwnMeeting = (c: Context<AppEnv>, id: string) =>
  findOwnMeeting(c, ownMeeting(id, c.get('user')._id))

/** By `meeting_id` (or record id), as the notes routes are addressed. */
export const loadOwnMeetingByAnyId = (c: Context<AppEnv>, value: string) =>
  findOwnMeeting(c, ownMeetingByAnyId(value, c.get('user')._id))
