// The handler logic user playlists (/api/playlists) and course playlists share. A scope says which
// playlists a request may reach and how it sees their videos; the actions below do the rest the
// same way for both.
import type { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { ObjectId } from 'mongodb'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { courseVideos, type CourseDoc } from './store'
import { playlists, type PlaylistDoc, type PlaylistItem } from './playlists-store'
import { courseDb, isEnrolled, loadOwnCourse, mayWatchCourse, ownsCourse } from './access'
import {
  addItem,
  editPlaylist,
  newPlaylist,
  playlistSummary,
  removeItem,
  reorderItems,
  withItems,
  type CreatePlaylistSchema,
  type EditPlaylistSchema,
} from './playlist-items'

export interface PlaylistScope {
  c: Context<AppEnv>
  /** The owner field new playlists of this scope get. */
  owner: { userId: ObjectId } | { courseId: ObjectId }
  /** Only playlists matching this are found; any other id is a 404. */
  filter: { userId: ObjectId } | { courseId: ObjectId }
  /** The video a caller may add, or the refusal (404, or 403 for a course they may not watch). */
  findVideo(videoId: ObjectId): Promise<Pick<PlaylistItem, 'videoId' | 'courseId'>>
  /** Whether the caller may play a course's videos (the others are listed without URLs). */
  mayWatch(courseId: ObjectId): boolean | Promise<boolean>
}

/** The signed-in user's own playlists, of videos of courses they are enrolled in or run. */
export function userScope(c: Context<AppEnv>): PlaylistScope {
  const user = c.get('user')
  const mayWatch = (courseId: ObjectId) => mayWatchCourse(c, courseId, user)
  return {
    c,
    owner: { userId: user._id },
    filter: { userId: user._id },
    mayWatch,
    async findVideo(videoId) {
      const video = await courseVideos(await courseDb(c)).findOne({ _id: videoId })
      if (!video) throw new AppError('NOT_FOUND', 'Video not found')
      if (!(await mayWatch(video.courseId)))
        throw new AppError('FORBIDDEN', 'Enroll in the course of this video first')
      return { videoId: video._id, courseId: video.courseId }
    },
  }
}

/**
 * One course's playlists, of that course's videos. The caller's right to see or change the course
 * is checked by whoever loaded it; URLs go to its owner and enrolled students only.
 */
export function courseScope(c: Context<AppEnv>, course: CourseDoc): PlaylistScope {
  const user = c.var.user
  // Asked once per request, and only when items are shown.
  let mayWatch: Promise<boolean> | undefined
  const computeMayWatch = async () =>
    !!user && (ownsCourse(course, user) || (await isEnrolled(c, course._id, user._id)))
  return {
    c,
    owner: { courseId: course._id },
    filter: { courseId: course._id },
    mayWatch: () => (mayWatch ??= computeMayWatch()),
    async findVideo(videoId) {
      const video = await courseVideos(await courseDb(c)).findOne({
        _id: videoId,
        courseId: course._id,
      })
      if (!video) throw new AppError('NOT_FOUND', 'Video not found in this course')
      return { videoId: video._id, courseId: course._id }
    },
  }
}

/** The playlists of a course the caller runs (its refusals are loadOwnCourse's). */
export const ownCourseScope = async (c: Context<AppEnv>, courseId: string) =>
  courseScope(c, await loadOwnCourse(c, courseId))

/** Playlists with their items as the scope's caller sees them. */
export const presentPlaylists = (scope: PlaylistScope, docs: PlaylistDoc[]) =>
  withItems(scope.c, docs, scope.mayWatch)

async function present(scope: PlaylistScope, doc: PlaylistDoc) {
  return (await presentPlaylists(scope, [doc]))[0]!
}

async function loadPlaylist(scope: PlaylistScope, playlistId: string) {
  const doc = await playlists(await courseDb(scope.c)).findOne({
    _id: new ObjectId(playlistId),
    ...scope.filter,
  })
  if (!doc) throw new AppError('NOT_FOUND', 'Playlist not found')
  return doc
}

const now = (scope: PlaylistScope) => scope.c.get('services').now()

export async function createPlaylist(
  scope: PlaylistScope,
  body: z.infer<typeof CreatePlaylistSchema>,
) {
  const doc = newPlaylist(scope.owner, body, now(scope))
  await playlists(await courseDb(scope.c)).insertOne(doc)
  return { ...playlistSummary(doc), items: [] }
}

export async function showPlaylist(scope: PlaylistScope, playlistId: string) {
  return present(scope, await loadPlaylist(scope, playlistId))
}

/** Title and description only: the summary, without items. */
export async function editPlaylistIn(
  scope: PlaylistScope,
  playlistId: string,
  body: z.infer<typeof EditPlaylistSchema>,
) {
  const doc = await loadPlaylist(scope, playlistId)
  return playlistSummary(await editPlaylist(await courseDb(scope.c), doc, body, now(scope)))
}

export async function deletePlaylist(scope: PlaylistScope, playlistId: string) {
  const doc = await loadPlaylist(scope, playlistId)
  await playlists(await courseDb(scope.c)).deleteOne({ _id: doc._id })
}

export async function addVideo(scope: PlaylistScope, playlistId: string, videoId: string) {
  const doc = await loadPlaylist(scope, playlistId)
  const item = await scope.findVideo(new ObjectId(videoId))
  return present(scope, await addItem(await courseDb(scope.c), doc, item, now(scope)))
}

export async function removeVideo(scope: PlaylistScope, playlistId: string, videoId: string) {
  const doc = await loadPlaylist(scope, playlistId)
  const db = await courseDb(scope.c)
  return present(scope, await removeItem(db, doc, new ObjectId(videoId), now(scope)))
}

export async function reorderVideos(scope: PlaylistScope, playlistId: string, videoIds: string[]) {
  const doc = await loadPlaylist(scope, playlistId)
  const db = await courseDb(scope.c)
  return present(scope, await reorderItems(db, doc, videoIds, now(scope)))
}
