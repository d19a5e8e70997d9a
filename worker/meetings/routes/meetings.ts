// The caller's meetings (/api/v1/meetings): list, search, counts, read, edit, archive, the trash
// (soft delete, restore) and permanent deletion with every stored file. Fixed paths are declared
// before `/meetings/{id}` so that it never captures them.
import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import type { Filter, UpdateFilter } from 'mongodb'
import type { AppEnv } from '../../env'
import { AppError } from '../../errors'
import { findOwnMeeting, loadOwnMeeting } from '../load'
import { deleteMeetingMedia } from '../media'
import { IdParams, ListQuerySchema, SearchSchema, UpdateMeetingSchema } from '../schemas'
import { searchFilter, stateFilter } from '../search'
import { meetingSummary, meetingView } from '../views'
import { createRouter, errorResponses, jsonBody } from '../../openapi'
import { meetings as meetingsCollection, ownMeeting, type MeetingDoc } from '../store'
import { authedRoute } from '../../authed-route'

const TAG = 'Meetings'
const ok = (description: string) => ({ 200: { description }, ...errorResponses(400, 404) })

async function page(
  c: Context<AppEnv>,
  filter: Filter<MeetingDoc>,
  p: { page: number; limit: number },
) {
  const collection = meetingsCollection(await c.get('services').database.db())
  const [docs, total] = await Promise.all([
    collection
      .find(filter)
      .sort({ createdAt: -1, _id: -1 })
      .skip((p.page - 1) * p.limit)
      .limit(p.limit)
      .toArray(),
    collection.countDocuments(filter),
  ])
  return c.json(
    {
      success: true,
      meetings: docs.map(meetingSummary),
      pagination: { page: p.page, limit: p.limit, total, pages: Math.ceil(total / p.limit) },
    },
    200,
  )
}

/** Applies `update` to one of the caller's meetings matching `extra`; 404 when there is none. */
async function updateOwn(
  c: Context<AppEnv>,
  id: string,
  update: UpdateFilter<MeetingDoc>,
  extra: Filter<MeetingDoc> = {},
) {
  const { database, storage, now } = c.get('services')
  const filter = { ...ownMeeting(id, c.get('user')._id), ...extra }
  const doc = await meetingsCollection(await database.db()).findOneAndUpdate(
    filter,
    { ...update, $set: { ...(update.$set ?? {}), updatedAt: now() } },
    { returnDocument: 'after' },
  )
  if (!doc) {
    // Tell "not yours / missing" apart from "not in the expected state".
    await loadOwnMeeting(c, id)
    throw new AppError('CONFLICT', 'The meeting is not in a state that allows this')
  }
  return meetingView(storage, doc)
}

/** Moves one of the caller's meetings into or out of the trash (409 when already there). */
const setTrashed = (c: Context<AppEnv>, id: string, trashed: boolean) =>
  updateOwn(
    c,
    id,
    { $set: { is_deleted: trashed, deleted_at: trashed ? c.get('services').now() : null } },
    { is_deleted: !trashed },
  )

const meetingResponse = async (c: Context<AppEnv>, doc: MeetingDoc) =>
  c.json({ success: true, meeting: await meetingView(c.get('services').storage, doc) }, 200)

export const meetingsRoutes = createRouter()

meetingsRoutes.openapi(
  authedRoute({
    method: 'get',
    path: '/meetings/all',
    tags: [TAG],
    summary: 'Your meetings: active (default), `archived=true` or the trash (`deleted=true`)',
    request: { query: ListQuerySchema },
    responses: ok('A page of meetings'),
  }),
  (c) => {
    const q = c.req.valid('query')
    return page(c, { owner: c.get('user')._id, ...stateFilter(q) }, q)
  },
)

meetingsRoutes.openapi(
  authedRoute({
    method: 'post',
    path: '/meetings/search',
    tags: [TAG],
    summary: 'Search your meetings by name, address, reference, notes, date range and state',
    request: jsonBody(SearchSchema),
    responses: ok('A page of matching meetings'),
  }),
  (c) => {
    const search = c.req.valid('json')
    return page(c, searchFilter(c.get('user')._id, search), search)
  },
)

meetingsRoutes.openapi(
  authedRoute({
    method: 'get',
    path: '/meetings/archived-count',
    tags: [TAG],
    summary: 'How many of your meetings are active, archived and in the trash',
    responses: ok('Counts'),
  }),
  async (c) => {
    const collection = meetingsCollection(await c.get('services').database.db())
    const owner = c.get('user')._id
    const [active, archived, deleted] = await Promise.all([
      collection.countDocuments({ owner, ...stateFilter({}) }),
      collection.countDocuments({ owner, ...stateFilter({ archived: true }) }),
      collection.countDocuments({ owner, ...stateFilter({ deleted: true }) }),
    ])
    return c.json(
      {
        success: true,
        count: archived,
        archived,
        active,
        deleted,
        total: active + archived + deleted,
      },
      200,
    )
  },
)

meetingsRoutes.openapi(
  authedRoute({
    method: 'get',
    path: '/meetings/by-meeting-id/{id}',
    tags: [TAG],
    summary: 'One of your meetings by its meeting (room) id',
    request: { params: z.object({ id: z.string().min(1).max(64) }) },
    responses: ok('The meeting'),
  }),
  async (c) => {
    const doc = await findOwnMeeting(c, {
      owner: c.get('user')._id,
      meeting_id: c.req.valid('param').id,
    })
    return meetingResponse(c, doc)
  },
)

meetingsRoutes.openapi(
  authedRoute({
    method: 'put',
    path: '/meetings/restore/{id}',
    tags: [TAG],
    summary: 'Take a meeting out of the trash',
    request: { params: IdParams },
    responses: { ...ok('Restored'), ...errorResponses(409) },
  }),
  async (c) => {
    const meeting = await setTrashed(c, c.req.valid('param').id, false)
    return c.json({ success: true, message: 'Meeting restored', meeting }, 200)
  },
)

meetingsRoutes.openapi(
  authedRoute({
    method: 'delete',
    path: '/meetings/permanent/{id}',
    tags: [TAG],
    summary: 'Delete a meeting for good, with every recording and screenshot in storage',
    request: { params: IdParams },
    responses: ok('Deleted'),
  }),
  async (c) => {
    const doc = await loadOwnMeeting(c, c.req.valid('param').id)
    const { database, storage } = c.get('services')
    const db = await database.db()
    // Files first: if storage fails, the record stays and the delete can be repeated.
    await deleteMeetingMedia(db, storage, doc)
    await meetingsCollection(db).deleteOne({ _id: doc._id })
    return c.json({ success: true, message: 'Meeting permanently deleted' }, 200)
  },
)

meetingsRoutes.openapi(
  authedRoute({
    method: 'get',
    path: '/meetings/{id}',
    tags: [TAG],
    summary: 'One of your meetings with download URLs for its media',
    request: { params: IdParams },
    responses: ok('The meeting'),
  }),
  async (c) => {
    return meetingResponse(c, await loadOwnMeeting(c, c.req.valid('param').id))
  },
)

meetingsRoutes.openapi(
  authedRoute({
    method: 'put',
    path: '/meetings/{id}',
    tags: [TAG],
    summary: "Edit a meeting's details",
    request: { params: IdParams, ...jsonBody(UpdateMeetingSchema) },
    responses: ok('The updated meeting'),
  }),
  async (c) => {
    const meeting = await updateOwn(c, c.req.valid('param').id, { $set: c.req.valid('json') })
    return c.json({ success: true, message: 'Meeting updated', meeting }, 200)
  },
)

meetingsRoutes.openapi(
  authedRoute({
    method: 'delete',
    path: '/meetings/{id}',
    tags: [TAG],
    summary: 'Move a meeting to the trash (deleted for good after the retention period)',
    request: { params: IdParams },
    responses: { ...ok('Trashed'), ...errorResponses(409) },
  }),
  async (c) => {
    const meeting = await setTrashed(c, c.req.valid('param').id, true)
    return c.json({ success: true, message: 'Meeting moved to the trash', meeting }, 200)
  },
)

for (const archived of [true, false]) {
  meetingsRoutes.openapi(
    authedRoute({
      method: 'put',
      path: archived ? '/meetings/{id}/archive' : '/meetings/{id}/unarchive',
      tags: [TAG],
      summary: archived ? 'Archive a meeting' : 'Bring a meeting back from the archive',
      request: { params: IdParams },
      responses: { ...ok(archived ? 'Archived' : 'Unarchived'), ...errorResponses(409) },
    }),
    async (c) => {
      const meeting = await updateOwn(
        c,
        c.req.valid('param').id,
        { $set: { is_archived: archived, archived_at: archived ? c.get('services').now() : null } },
        { is_deleted: false },
      )
      return c.json(
        { success: true, message: archived ? 'Meeting archived' : 'Meeting unarchived', meeting },
        200,
      )
    },
  )
}
