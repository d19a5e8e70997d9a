// What user and course playlists share: their public shape with items resolved to course videos
// (title, readiness, playback URLs for those who may watch), and the item changes — add once,
// remove, reorder against the version that was read.
import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { ObjectId, type Db } from 'mongodb'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { courseVideos } from './store'
import { media } from '../media/store'
import {
  MAX_PLAYLIST_ITEMS,
  playlists,
  type PlaylistDoc,
  type PlaylistItem,
} from './playlists-store'
import { mediaUrls } from '../media/urls'
import { ObjectIdSchema } from '../../shared/ids'

const PlaylistFields = {
  title: z.string().trim().min(1).max(200),
  description: z.string().trim().max(2000),
}
export const CreatePlaylistSchema = z.strictObject({
  title: PlaylistFields.title,
  description: PlaylistFields.description.optional(),
})
export const EditPlaylistSchema = z
  .strictObject({
    title: PlaylistFields.title.optional(),
    description: PlaylistFields.description.nullable().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'at least one field is required')
export const AddItemSchema = z.strictObject({ videoId: ObjectIdSchema })
export const ItemOrderSchema = z.strictObject({
  videoIds: z.array(ObjectIdSchema).max(MAX_PLAYLIST_ITEMS),
})

export function newPlaylist(
  owner: { userId: ObjectId } | { courseId: ObjectId },
  body: z.infer<typeof CreatePlaylistSchema>,
  now: Date,
): PlaylistDoc {
  return {
    _id: new ObjectId(),
    ...owner,
    title: body.title,
    ...(body.description ? { description: body.description } : {}),
    items: [],
    version: 0,
    createdAt: now,
    updatedAt: now,
  }
}

/** Title and description changes; a null description removes it. */
export async function editPlaylist(
  db: Db,
  doc: PlaylistDoc,
  body: z.infer<typeof EditPlaylistSchema>,
  now: Date,
) {
  const $set: Partial<PlaylistDoc> = { updatedAt: now }
  if (body.title !== undefined) $set.title = body.title
  if (body.description) $set.description = body.description
  const update =
    body.description === null || body.description === ''
      ? { $set, $unset: { description: '' as const } }
      : { $set }
  const updated = await playlists(db).findOneAndUpdate({ _id: doc._id }, update, {
    returnDocument: 'after',
  })
  if (!updated) throw new AppError('NOT_FOUND', 'Playlist not found')
  return updated
}

/** Appends a video once; refused when it is already listed or the playlist is full. */
export async function addItem(
  db: Db,
  doc: PlaylistDoc,
  item: Omit<PlaylistItem, 'addedAt'>,
  now: Date,
) {
  const res = await playlists(db).updateOne(
    {
      _id: doc._id,
      'items.videoId': { $ne: item.videoId },
      [`items.${MAX_PLAYLIST_ITEMS - 1}`]: { $exists: false },
    },
    { $push: { items: { ...item, addedAt: now } }, $inc: { version: 1 }, $set: { updatedAt: now } },
  )
  if (res.matchedCount === 1) return reload(db, doc._id)
  const current = await reload(db, doc._id)
  if (current.items.some((i) => i.videoId.equals(item.videoId)))
    throw new AppError('CONFLICT', 'This video is already in the playlist')
  throw new AppError('CONFLICT', `A playlist holds at most ${MAX_PLAYLIST_ITEMS} videos`)
}

export async function removeItem(db: Db, doc: PlaylistDoc, videoId: ObjectId, now: Date) {
  const res = await playlists(db).updateOne(
    { _id: doc._id, 'items.videoId': videoId },
    { $pull: { items: { videoId } }, $inc: { version: 1 }, $set: { updatedAt: now } },
  )
  if (res.matchedCount === 0) throw new AppError('NOT_FOUND', 'Video not in this playlist')
  return reload(db, doc._id)
}

/** Puts the items in the given order: every listed video exactly once, nothing else. */
export async function reorderItems(db: Db, doc: PlaylistDoc, videoIds: string[], now: Date) {
  const byId = new Map(doc.items.map((i) => [i.videoId.toHexString(), i]))
  const wanted = [...new Set(videoIds.map((id) => id.toLowerCase()))]
  if (
    wanted.length !== videoIds.length ||
    wanted.length !== byId.size ||
    !wanted.every((id) => byId.has(id))
  )
    throw new AppError('VALIDATION_ERROR', 'Invalid request', [
      { path: 'videoIds', message: 'must list every video of the playlist exactly once' },
    ])
  const res = await playlists(db).updateOne(
    { _id: doc._id, version: doc.version },
    {
      $set: { items: wanted.map((id) => byId.get(id)!), updatedAt: now },
      $inc: { version: 1 },
    },
  )
  if (res.matchedCount === 0)
    throw new AppError('CONFLICT', 'The playlist changed meanwhile; reload it and try again')
  return reload(db, doc._id)
}

async function reload(db: Db, id: ObjectId) {
  const doc = await playlists(db).findOne({ _id: id })
  if (!doc) throw new AppError('NOT_FOUND', 'Playlist not found')
  return doc
}

export const playlistSummary = (doc: PlaylistDoc) => ({
  id: doc._id.toHexString(),
  courseId: doc.courseId?.toHexString() ?? null,
  title: doc.title,
  description: doc.description ?? null,
  itemCount: doc.items.length,
  createdAt: doc.createdAt.toISOString(),
  updatedAt: doc.updatedAt.toISOString(),
})

/**
 * The playlists with their items resolved in two queries. `mayWatch` says, per course id, whether
 * the caller may play that course's videos; others are listed without URLs (`available: false`).
 */
export async function withItems(
  c: Context<AppEnv>,
  docs: PlaylistDoc[],
  mayWatch: (courseId: ObjectId) => boolean | Promise<boolean>,
) {
  const db = await c.get('services').database.db()
  const videoIds = docs.flatMap((d) => d.items.map((i) => i.videoId))
  const videos = videoIds.length
    ? await courseVideos(db)
        .find({ _id: { $in: videoIds } })
        .toArray()
    : []
  const files = videos.length
    ? await media(db)
        .find({ _id: { $in: videos.map((v) => v.mediaId) } })
        .toArray()
    : []
  const videoById = new Map(videos.map((v) => [v._id.toHexString(), v]))
  const fileById = new Map(files.map((f) => [f._id.toHexString(), f]))
  const access = new Map<string, boolean>()
  for (const courseId of new Set(docs.flatMap((d) => d.items.map((i) => i.courseId.toHexString()))))
    access.set(courseId, await mayWatch(new ObjectId(courseId)))
  return Promise.all(
    docs.map(async (doc) => ({
      ...playlistSummary(doc),
      items: await Promise.all(
        doc.items.map(async (item) => {
          const video = videoById.get(item.videoId.toHexString())
          const file = video && fileById.get(video.mediaId.toHexString())
          const available = !!video && access.get(item.courseId.toHexString()) === true
          const playable = file?.status === 'ready'
          return {
            videoId: item.videoId.toHexString(),
            courseId: item.courseId.toHexString(),
            title: video?.title ?? null,
            available,
            playable,
            urls: available && playable ? await mediaUrls(c, file) : null,
            addedAt: item.addedAt.toISOString(),
          }
        }),
      ),
    })),
  )
}
