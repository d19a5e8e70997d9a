// Saving a meeting with its media (/api/v1/meetings/create) and removing single recordings or
// screenshots. Files are uploaded first through /api/media (purposes `meeting-recording` and
// `meeting-screenshot`); a meeting then references the caller's completed uploads by id.
import { z } from '@hono/zod-openapi'
import { ObjectId, type Db } from 'mongodb'
import type { Context } from 'hono'
import type { AppEnv } from '../../env'
import { AppError } from '../../errors'
import { loadOwnMeeting } from '../load'
import { claimMedia, deleteMediaEntry, releaseMedia } from '../media'
import { randomId } from '../base64url'
import { announceMeetingData } from '../room'
import { CreateMeetingSchema, type CreateMeeting } from '../schemas'
import { meetingView } from '../views'
import { createRouter, errorResponses, jsonBody } from '../../openapi'
import { claimRoom, isDuplicateKey } from '../rooms-store'
import { meetings, type MeetingDoc } from '../store'
import { authedRoute } from '../../authed-route'

const TAG = 'Meetings'
async function claimAll(
  db: Db,
  owner: ObjectId,
  meetingId: ObjectId,
  body: CreateMeeting,
  now: Date,
) {
  const recordings = await claimMedia(
    db,
    owner,
    meetingId,
    body.recordings,
    'meeting-recording',
    'recordings',
    now,
  )
  try {
    const screenshots = await claimMedia(
      db,
      owner,
      meetingId,
      body.screenshots,
      'meeting-screenshot',
      'screenshots',
      now,
    )
    return { recordings, screenshots }
  } catch (error) {
    await releaseMedia(db, meetingId, recordings)
    throw error
  }
}

/** Adds media to an existing meeting; answers null when it does not exist (yet). */
async function addToExisting(c: Context<AppEnv>, db: Db, body: CreateMeeting, meetingId: string) {
  const owner = c.get('user')._id
  const existing = await meetings(db).findOne({ owner, meeting_id: meetingId })
  if (!existing) return null
  if (existing.is_deleted)
    throw new AppError('CONFLICT', 'The meeting is in the trash; restore it first')
  const now = c.get('services').now()
  const media = await claimAll(db, owner, existing._id, body, now)
  const updated = await meetings(db).findOneAndUpdate(
    { _id: existing._id, owner },
    {
      $push: { recordings: { $each: media.recordings }, screenshots: { $each: media.screenshots } },
      $set: { updatedAt: now },
    },
    { returnDocument: 'after' },
  )
  if (!updated) {
    await releaseMedia(db, existing._id, [...media.recordings, ...media.screenshots])
    throw new AppError('NOT_FOUND', 'Meeting not found')
  }
  return updated
}

async function createNew(c: Context<AppEnv>, db: Db, body: CreateMeeting, meetingId: string) {
  const owner = c.get('user')._id
  const now = c.get('services').now()
  const _id = new ObjectId()
  const media = await claimAll(db, owner, _id, body, now)
  const { meeting_id: _, recordings: __, screenshots: ___, ...fields } = body
  const doc: MeetingDoc = {
    _id,
    meeting_id: meetingId,
    owner,
    userId: owner,
    created_by: owner,
    ...fields,
    structured_special_notes: {},
    recordings: media.recordings,
    screenshots: media.screenshots,
    share_id: randomId(18),
    access_history: [],
    total_access: 0,
    is_archived: false,
    archived_at: null,
    is_deleted: false,
    deleted_at: null,
    createdAt: now,
    updatedAt: now,
  }
  try {
    await meetings(db).insertOne(doc)
  } catch (error) {
    await releaseMedia(db, _id, [...media.recordings, ...media.screenshots])
    throw error
  }
  return doc
}

export const meetingMedia = createRouter()

meetingMedia.openapi(
  authedRoute({
    method: 'post',
    path: '/meetings/create',
    tags: [TAG],
    summary:
      'Save a meeting with its recordings and screenshots; an existing `meeting_id` only gains the new media',
    request: jsonBody(CreateMeetingSchema),
    responses: {
      200: { description: 'Media added to the existing meeting' },
      201: { description: 'Meeting created' },
      ...errorResponses(409),
    },
  }),
  async (c) => {
    const body = c.req.valid('json')
    const { database, storage, now } = c.get('services')
    const db = await database.db()
    const meetingId = body.meeting_id ?? crypto.randomUUID()
    // The meeting id is the room id: it belongs to whoever first used it.
    if (!(await claimRoom(db, meetingId, c.get('user')._id, now())))
      throw new AppError('CONFLICT', 'This meeting id belongs to another account')
    let doc = await addToExisting(c, db, body, meetingId)
    let created = false
    if (!doc) {
      try {
        doc = await createNew(c, db, body, meetingId)
        created = true
      } catch (error) {
        // Created by a concurrent request a moment ago: add to that one instead.
        if (!isDuplicateKey(error)) throw error
        doc = await addToExisting(c, db, body, meetingId)
        if (!doc) throw error
      }
    }
    if (body.recordings.length + body.screenshots.length > 0) await announceMeetingData(c, doc)
    return c.json(
      {
        success: true,
        message: created ? 'Meeting created' : 'Media added to the meeting',
        meeting: await meetingView(storage, doc),
      },
      created ? 201 : 200,
    )
  },
)

for (const field of ['recordings', 'screenshots'] as const) {
  const itemParam = field === 'recordings' ? 'recordingId' : 'screenshotId'
  meetingMedia.openapi(
    authedRoute({
      method: 'delete',
      path: `/meetings/{meetingId}/${field}/{${itemParam}}`,
      tags: [TAG],
      summary: `Delete one ${field === 'recordings' ? 'recording' : 'screenshot'} of a meeting, in storage too`,
      request: {
        params: z.object({
          meetingId: z.string().regex(/^[0-9a-f]{24}$/i, 'must be a 24-character hex id'),
          [itemParam]: z.string().regex(/^[0-9a-f]{24}$/i, 'must be a 24-character hex id'),
        }),
      },
      responses: { 200: { description: 'Deleted' }, ...errorResponses(404) },
    }),
    async (c) => {
      const params = c.req.valid('param') as Record<string, string>
      const doc = await loadOwnMeeting(c, params.meetingId!)
      const entry = doc[field].find((e) => e._id.toHexString() === params[itemParam]!.toLowerCase())
      if (!entry)
        throw new AppError(
          'NOT_FOUND',
          `${field === 'recordings' ? 'Recording' : 'Screenshot'} not found`,
        )
      const { database, storage, now } = c.get('services')
      const db = await database.db()
      await deleteMediaEntry(db, storage, entry)
      await meetings(db).updateOne(
        { _id: doc._id, owner: doc.owner },
        { $pull: { [field]: { _id: entry._id } }, $set: { updatedAt: now() } },
      )
      return c.json({ success: true, message: 'Deleted' }, 200)
    },
  )
}
