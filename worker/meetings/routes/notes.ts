// A meeting's special notes (/api/v1/meetings/{meeting_id}/special-notes): free text, and named
// structured fields merged by PATCH (a null value removes a field). Addressed by meeting id or
// record id, for the caller's meetings only.
import type { Context } from 'hono'
import type { AppEnv } from '../../env'
import { loadOwnMeetingByAnyId } from '../load'
import { MeetingIdParams, SpecialNotesSchema, StructuredNotesSchema } from '../schemas'
import { createRouter, errorResponses, jsonBody } from '../../openapi'
import { meetings, type MeetingDoc } from '../store'
import { authedRoute } from '../../authed-route'

const TAG = 'Meetings'
const responses = { 200: { description: 'The notes' }, ...errorResponses(404) }

const notesView = (doc: MeetingDoc) => ({
  success: true,
  meeting_id: doc.meeting_id,
  special_notes: doc.special_notes ?? '',
  structured_special_notes: doc.structured_special_notes ?? {},
})

async function update(
  c: Context<AppEnv>,
  meetingId: string,
  set: Record<string, unknown>,
  unset: Record<string, ''> = {},
) {
  const doc = await loadOwnMeetingByAnyId(c, meetingId)
  const { database, now } = c.get('services')
  const updated = await meetings(await database.db()).findOneAndUpdate(
    { _id: doc._id, owner: doc.owner },
    {
      $set: { ...set, updatedAt: now() },
      ...(Object.keys(unset).length > 0 ? { $unset: unset } : {}),
    },
    { returnDocument: 'after' },
  )
  return notesView(updated ?? doc)
}

/** Both note kinds are read as the one notes view. */
const showNotes = async (c: Context<AppEnv>, meetingId: string) =>
  c.json(notesView(await loadOwnMeetingByAnyId(c, meetingId)), 200)

export const meetingNotes = createRouter()

meetingNotes.openapi(
  authedRoute({
    method: 'get',
    path: '/meetings/{meeting_id}/special-notes',
    tags: [TAG],
    summary: "A meeting's special notes",
    request: { params: MeetingIdParams },
    responses,
  }),
  (c) => showNotes(c, c.req.valid('param').meeting_id),
)

meetingNotes.openapi(
  authedRoute({
    method: 'post',
    path: '/meetings/{meeting_id}/special-notes',
    tags: [TAG],
    summary: "Replace a meeting's special notes",
    request: { params: MeetingIdParams, ...jsonBody(SpecialNotesSchema) },
    responses,
  }),
  async (c) =>
    c.json(
      await update(c, c.req.valid('param').meeting_id, {
        special_notes: c.req.valid('json').special_notes,
      }),
      200,
    ),
)

meetingNotes.openapi(
  authedRoute({
    method: 'get',
    path: '/meetings/{meeting_id}/structured-special-notes',
    tags: [TAG],
    summary: "A meeting's structured special notes",
    request: { params: MeetingIdParams },
    responses,
  }),
  (c) => showNotes(c, c.req.valid('param').meeting_id),
)

meetingNotes.openapi(
  authedRoute({
    method: 'patch',
    path: '/meetings/{meeting_id}/structured-special-notes',
    tags: [TAG],
    summary: 'Merge fields into the structured special notes (null removes a field)',
    request: { params: MeetingIdParams, ...jsonBody(StructuredNotesSchema) },
    responses,
  }),
  async (c) => {
    const set: Record<string, unknown> = {}
    const unset: Record<string, ''> = {}
    for (const [key, value] of Object.entries(c.req.valid('json'))) {
      if (value === null) unset[`structured_special_notes.${key}`] = ''
      else set[`structured_special_notes.${key}`] = value
    }
    return c.json(await update(c, c.req.valid('param').meeting_id, set, unset), 200)
  },
)
