// Sanora `stories` → `stories`, and each viewer the old story listed → `story_views`. The expiry is
// kept (the stored `expiresAt`, else 24 hours after posting), so an expired story stays expired.
// An active story's media becomes a `media` record attached to it, as a new story's is. An expired
// one gets none and is marked purged: our expiry sweep must not delete a file the old system may
// still serve. A story expired longer ago than our TTL keeps stories is not imported (our TTL index
// would remove it at once, and a re-run would write it again).
import { ObjectId } from 'mongodb'
import type { StoryDoc, StoryViewDoc } from '../../social/store'
import { STORY_GRACE_SECONDS, STORY_LIFETIME_MS } from '../../social/stories'
import { asDate, asObjectId, counterDifference, unknownFields } from '../legacy-fields'
import type { Fields, LegacyDoc, Note, Output, Ref, Step, StepContext, Transformed } from '../step'
import {
  AUTHOR_FIELDS,
  derivedId,
  firstId,
  firstString,
  importMediaItems,
  timestamps,
  visibilityOf,
} from './social-fields'

const MEDIA_FIELDS = ['media', 'mediaUrl', 'url', 'image', 'video'] as const
const VIEWER_FIELDS = ['viewers', 'seenBy', 'views'] as const
const CAPTION_FIELDS = ['caption', 'text'] as const

/** The people who saw the story, once each, with when (the story's own time when not stored). */
function viewersOf(doc: LegacyDoc, authorId: ObjectId, fallback: Date) {
  const raw = VIEWER_FIELDS.map((f) => doc[f]).find(Array.isArray) as unknown[] | undefined
  const seen = new Map<string, { viewerId: ObjectId; viewedAt: Date }>()
  for (const item of raw ?? []) {
    // A viewer is an id, or `{ user, viewedAt }` (whose own `_id` is the entry's, not the user's).
    const entry = (
      item && typeof item === 'object' && !(item instanceof ObjectId) ? item : {}
    ) as Fields
    const viewerId = firstId(entry, ['user', 'userId', 'viewer']) ?? asObjectId(item)
    if (!viewerId || viewerId.equals(authorId) || seen.has(String(viewerId))) continue
    seen.set(String(viewerId), {
      viewerId,
      viewedAt: asDate(entry.viewedAt) ?? asDate(entry.seenAt) ?? asDate(entry.at) ?? fallback,
    })
  }
  return [...seen.values()]
}

export function transformStory(doc: LegacyDoc, ctx: StepContext): Transformed {
  const id = String(doc._id)
  const authorId = firstId(doc, AUTHOR_FIELDS)
  if (!authorId) return { skip: 'no author', outputs: [] }
  const { createdAt } = timestamps(doc)
  const expiresAt = asDate(doc.expiresAt) ?? new Date(createdAt.getTime() + STORY_LIFETIME_MS)
  if (expiresAt.getTime() + STORY_GRACE_SECONDS * 1000 <= ctx.now.getTime())
    return { skip: 'expired before our stories are kept', outputs: [] }
  const expired = expiresAt <= ctx.now
  const notes: Note[] = []
  const { visibility, note } = visibilityOf(doc.visibility ?? doc.privacy, id)
  if (note) notes.push(note)
  const item = MEDIA_FIELDS.map((f) => doc[f]).find((v) => v)
  const typed =
    typeof item === 'string' && typeof doc.mediaType === 'string'
      ? { url: item, type: doc.mediaType }
      : item
  const media = importMediaItems(
    typed ? [typed] : [],
    { id: doc._id, authorId, createdAt },
    'story',
    'story',
    doc.mediaType === 'video' ? 'video' : 'image',
  )
  const mediaId = media.ids[0]
  if (!mediaId) return { skip: 'no media with an S3 key', outputs: [] }
  const viewers = expired ? [] : viewersOf(doc, authorId, createdAt)
  const stored = doc.viewsCount ?? (typeof doc.views === 'number' ? doc.views : undefined)
  const difference = expired
    ? undefined
    : counterDifference('stories.views', id, stored, viewers.length)
  if (difference) notes.push(difference)
  const story: StoryDoc & { legacy: Fields } = {
    _id: doc._id,
    authorId,
    mediaId,
    caption: firstString(doc, CAPTION_FIELDS) ?? '',
    visibility,
    viewsCount: expired ? (typeof stored === 'number' ? stored : 0) : viewers.length,
    createdAt,
    expiresAt,
    mediaPurged: expired,
    legacy: unknownFields(doc, [
      ...AUTHOR_FIELDS,
      ...MEDIA_FIELDS,
      ...CAPTION_FIELDS,
      'mediaType',
      'visibility',
      'privacy',
      'viewsCount',
      'expiresAt',
      'createdAt',
      'updatedAt',
      // An expired story's viewers are kept: ours are gone with the story's expiry.
      ...(expired ? [] : VIEWER_FIELDS),
    ]),
  }
  if (expired) story.legacy.media = media.media[0]!.legacy.url ?? media.media[0]!.key
  const views: Output[] = viewers.map((v) => {
    const view: StoryViewDoc = {
      _id: derivedId('story_view', id, String(v.viewerId)),
      storyId: doc._id,
      viewerId: v.viewerId,
      viewedAt: v.viewedAt,
      expiresAt,
    }
    return { collection: 'story_views', document: { ...view } }
  })
  const refs: Ref[] = [
    { field: 'user', db: 'sanora', collection: 'users', id: authorId },
    ...viewers.map((v) => ({
      field: 'viewers',
      db: 'sanora' as const,
      collection: 'users',
      id: v.viewerId,
    })),
  ]
  const outputs: Output[] = [
    { collection: 'stories', document: { ...story } },
    ...(expired ? [] : media.media.map((m) => ({ collection: 'media', document: { ...m } }))),
    ...views,
  ]
  return { outputs, refs, notes }
}

export const sanoraStories: Step = {
  name: 'sanora.stories',
  group: 'social',
  db: 'sanora',
  collection: 'stories',
  transform: (doc, ctx) => transformStory(doc, ctx),
}
