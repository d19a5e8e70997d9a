// Meeting folders (/api/v1/folders): an owner's folders, trash and restore, and which folder each
// of their meetings is filed in. Only the caller's own folders and meetings are ever touched.
import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { ObjectId } from 'mongodb'
import type { AppEnv } from '../../env'
import { AppError } from '../../errors'
import { createRouter, errorResponses, jsonBody } from '../../openapi'
import {
  folderKey,
  folders,
  meetingFolders,
  meetings,
  publicFolder,
  type FolderDoc,
} from '../folders-store'
import { ObjectIdSchema } from '../../../shared/ids'
import { authedRoute } from '../../authed-route'

const TAG = 'Folders'
const NOT_FOUND = 'Folder not found'
const FolderParams = z.object({ folderId: ObjectIdSchema })
const NameSchema = z.string().trim().min(1).max(100)
const ColorSchema = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #1a2b3c')

async function ownerDb(c: Context<AppEnv>) {
  return { db: await c.get('services').database.db(), me: c.get('user')._id }
}

/** Changes one of the caller's folders and answers it; 404 when it is not theirs. */
async function updateFolder(
  c: Context<AppEnv>,
  folderId: string,
  update: { $set: Partial<FolderDoc>; $unset?: Record<string, ''> },
) {
  const { db, me } = await ownerDb(c)
  const updated = await folders(db).findOneAndUpdate(
    { _id: new ObjectId(folderId), ownerId: me },
    { ...update, $set: { ...update.$set, updatedAt: c.get('services').now() } },
    { returnDocument: 'after' },
  )
  if (!updated) throw new AppError('NOT_FOUND', NOT_FOUND)
  return c.json({ success: true, folder: publicFolder(updated) }, 200)
}

export const folderRoutes = createRouter()

folderRoutes.openapi(
  authedRoute({
    method: 'get',
    path: '/folders',
    tags: [TAG],
    summary: 'Your folders (or those in the trash with `?trashed=true`), oldest first',
    request: {
      query: z.object({ trashed: z.enum(['true', 'false']).default('false') }),
    },
    responses: { 200: { description: 'Folders' } },
  }),
  async (c) => {
    const { db, me } = await ownerDb(c)
    const list = await folders(db)
      .find({ ownerId: me, trashed: c.req.valid('query').trashed === 'true' })
      .sort({ createdAt: 1 })
      .limit(500)
      .toArray()
    return c.json({ success: true, folders: list.map(publicFolder) }, 200)
  },
)

folderRoutes.openapi(
  authedRoute({
    method: 'post',
    path: '/folders',
    tags: [TAG],
    summary: 'Create a folder (names are unique among your live folders, ignoring case)',
    request: jsonBody(z.strictObject({ name: NameSchema, color: ColorSchema.optional() })),
    responses: { 201: { description: 'The folder' }, ...errorResponses(409) },
  }),
  async (c) => {
    const { name, color } = c.req.valid('json')
    const { db, me } = await ownerDb(c)
    const now = c.get('services').now()
    const doc: FolderDoc = {
      _id: new ObjectId(),
      ownerId: me,
      name,
      nameKey: folderKey(name),
      trashed: false,
      createdAt: now,
      updatedAt: now,
    }
    if (color) doc.color = color
    await folders(db).insertOne(doc)
    return c.json({ success: true, folder: publicFolder(doc) }, 201)
  },
)

folderRoutes.openapi(
  authedRoute({
    method: 'put',
    path: '/folders/{folderId}',
    tags: [TAG],
    summary: 'Rename or recolour a folder',
    request: {
      params: FolderParams,
      ...jsonBody(
        z
          .strictObject({ name: NameSchema.optional(), color: ColorSchema.optional() })
          .refine((v) => v.name !== undefined || v.color !== undefined, 'give a name or a color'),
      ),
    },
    responses: { 200: { description: 'The folder' }, ...errorResponses(404, 409) },
  }),
  async (c) => {
    const { name, color } = c.req.valid('json')
    const $set: Partial<FolderDoc> = {}
    if (name !== undefined) Object.assign($set, { name, nameKey: folderKey(name) })
    if (color !== undefined) $set.color = color
    return updateFolder(c, c.req.valid('param').folderId, { $set })
  },
)

folderRoutes.openapi(
  authedRoute({
    method: 'put',
    path: '/folders/{folderId}/trash',
    tags: [TAG],
    summary: 'Move a folder to the trash (its meetings stay filed in it)',
    request: { params: FolderParams },
    responses: { 200: { description: 'The folder' }, ...errorResponses(404) },
  }),
  (c) =>
    updateFolder(c, c.req.valid('param').folderId, {
      $set: { trashed: true, trashedAt: c.get('services').now() },
    }),
)

folderRoutes.openapi(
  authedRoute({
    method: 'put',
    path: '/folders/{folderId}/restore',
    tags: [TAG],
    summary: 'Restore a folder from the trash (409 when a live folder took its name)',
    request: { params: FolderParams },
    responses: { 200: { description: 'The folder' }, ...errorResponses(404, 409) },
  }),
  (c) =>
    updateFolder(c, c.req.valid('param').folderId, {
      $set: { trashed: false },
      $unset: { trashedAt: '' },
    }),
)

folderRoutes.openapi(
  authedRoute({
    method: 'delete',
    path: '/folders/{folderId}',
    tags: [TAG],
    summary: 'Delete a folder for good; its meetings become unfiled (the meetings stay)',
    request: { params: FolderParams },
    responses: { 200: { description: 'Deleted' }, ...errorResponses(404) },
  }),
  async (c) => {
    const { db, me } = await ownerDb(c)
    const folderId = new ObjectId(c.req.valid('param').folderId)
    const res = await folders(db).deleteOne({ _id: folderId, ownerId: me })
    if (res.deletedCount === 0) throw new AppError('NOT_FOUND', NOT_FOUND)
    const unfiled = await meetingFolders(db).deleteMany({ ownerId: me, folderId })
    return c.json(
      { success: true, message: 'Folder deleted', unfiledMeetings: unfiled.deletedCount },
      200,
    )
  },
)

folderRoutes.openapi(
  authedRoute({
    method: 'post',
    path: '/folders/assign-meeting',
    tags: [TAG],
    summary: 'File one of your meetings in one of your folders (`folderId: null` unfiles it)',
    request: jsonBody(
      z.strictObject({ meetingId: ObjectIdSchema, folderId: ObjectIdSchema.nullable() }),
    ),
    responses: { 200: { description: 'The assignment' }, ...errorResponses(404) },
  }),
  async (c) => {
    const body = c.req.valid('json')
    const { db, me } = await ownerDb(c)
    const meetingId = new ObjectId(body.meetingId)
    const meeting = await meetings(db).findOne({ _id: meetingId, userId: me })
    if (!meeting) throw new AppError('NOT_FOUND', 'Meeting not found')
    if (body.folderId === null) {
      await meetingFolders(db).deleteOne({ ownerId: me, meetingId })
      return c.json({ success: true, meetingId: body.meetingId, folderId: null }, 200)
    }
    const folderId = new ObjectId(body.folderId)
    const folder = await folders(db).findOne({ _id: folderId, ownerId: me, trashed: false })
    if (!folder) throw new AppError('NOT_FOUND', NOT_FOUND)
    await meetingFolders(db).updateOne(
      { ownerId: me, meetingId },
      {
        $set: { folderId, assignedAt: c.get('services').now() },
        $setOnInsert: { _id: new ObjectId() },
      },
      { upsert: true },
    )
    return c.json({ success: true, meetingId: body.meetingId, folderId: body.folderId }, 200)
  },
)

folderRoutes.openapi(
  authedRoute({
    method: 'get',
    path: '/folders/meeting-assignments',
    tags: [TAG],
    summary: 'Which folder each of your filed meetings is in',
    responses: { 200: { description: 'Assignments' } },
  }),
  async (c) => {
    const { db, me } = await ownerDb(c)
    const list = await meetingFolders(db)
      .find({ ownerId: me })
      .sort({ assignedAt: -1 })
      .limit(5000)
      .toArray()
    const assignments = list.map((a) => ({
      meetingId: a.meetingId.toHexString(),
      folderId: a.folderId.toHexString(),
      assignedAt: a.assignedAt.toISOString(),
    }))
    return c.json(
      {
        success: true,
        assignments,
        byMeeting: Object.fromEntries(assignments.map((a) => [a.meetingId, a.folderId])),
      },
      200,
    )
  },
)
