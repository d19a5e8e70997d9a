// Sanora `playlists` → `playlists`: one of a course (`course`/`courseId`, shown on the course and
// managed by its university) or else a user's own (`user`, `userId`, `owner` or `createdBy`). The
// `videos` array becomes the items in order, each with its video's course; a video that no longer
// exists is reported and left out, as is anything past our item limit.
import { MAX_PLAYLIST_ITEMS, type PlaylistDoc } from '../../courses/playlists-store'
import { objectIds, unknownFields } from '../legacy-fields'
import type { Fields, Note, Ref, Step, Transformed } from '../step'
import {
  COURSE_FIELDS,
  courseRef,
  firstId,
  firstString,
  legacyVideos,
  timestamps,
  uniqueIds,
  type LegacyVideo,
} from './course-refs'

const OWNER_FIELDS = ['user', 'userId', 'owner', 'createdBy']
const KNOWN = [...COURSE_FIELDS, ...OWNER_FIELDS, 'title', 'name', 'description', 'videos']

interface Prepared {
  videos: Map<string, LegacyVideo>
}

export const sanoraPlaylists: Step<Prepared> = {
  name: 'sanora.playlists',
  group: 'courses',
  db: 'sanora',
  collection: 'playlists',
  async prepare(batch, source) {
    return {
      videos: await legacyVideos(source, uniqueIds(batch.flatMap((p) => objectIds(p.videos)))),
    }
  },
  transform(doc, _ctx, prepared): Transformed {
    const id = String(doc._id)
    const courseId = courseRef(doc)
    const userId = firstId(doc, ...OWNER_FIELDS)
    if (!courseId && !userId) return { skip: 'neither a course nor a user', outputs: [] }
    const { createdAt, updatedAt } = timestamps(doc)
    const refs: Ref[] = courseId
      ? [{ field: 'course', db: 'sanora', collection: 'courses', id: courseId }]
      : [{ field: 'user', db: 'sanora', collection: 'users', id: userId! }]
    const notes: Note[] = []
    const items: PlaylistDoc['items'] = []
    const seen = new Set<string>()
    for (const videoId of objectIds(doc.videos)) {
      const video = prepared.videos.get(String(videoId))
      if (!video) {
        refs.push({ field: 'videos', db: 'sanora', collection: 'videos', id: videoId })
        continue
      }
      // A course playlist holds that course's videos only; ours holds each video once.
      if (!video.imported || !video.courseId || seen.has(String(videoId))) continue
      if (courseId && !video.courseId.equals(courseId)) continue
      seen.add(String(videoId))
      items.push({ videoId, courseId: video.courseId, addedAt: createdAt })
    }
    if (items.length > MAX_PLAYLIST_ITEMS)
      notes.push({
        kind: `playlist over ${MAX_PLAYLIST_ITEMS} videos, the rest left out`,
        detail: { id, videos: items.length },
      })
    const legacy = unknownFields(doc, KNOWN)
    if (courseId && userId) legacy.user = userId
    const playlist: Omit<PlaylistDoc, 'userId' | 'courseId'> & Fields = {
      _id: doc._id,
      ...(courseId ? { courseId } : { userId }),
      title: firstString(doc, 'title', 'name') ?? 'Playlist',
      items: items.slice(0, MAX_PLAYLIST_ITEMS),
      version: 0,
      createdAt,
      updatedAt,
      legacy,
    }
    const description = firstString(doc, 'description')
    if (description) playlist.description = description
    return { outputs: [{ collection: 'playlists', document: playlist }], refs, notes }
  },
}
