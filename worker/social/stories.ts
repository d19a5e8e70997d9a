// Stories: an image or video that anyone allowed sees for 24 hours. Reads filter on expiresAt, so
// expiry never waits for a cron; the TTL index drops documents a grace period later, after the
// sweep here (idempotent, every minute) has deleted their media files.
import type { Context } from 'hono'
import type { Db } from 'mongodb'
import type { AppEnv } from '../env'
import type { ScheduledTask } from '../scheduled'
import { stories, storyViews, type StoryDoc } from './store'
import { authorsById, deletedAuthor } from './authors'
import { attachmentsById, purgeMedia } from './media'
import type { Circle } from './relations'

export const STORY_LIFETIME_MS = 24 * 60 * 60 * 1000
/** How long an expired story document outlives its expiry (TTL), for the media sweep to run. */
export const STORY_GRACE_SECONDS = 7 * 24 * 60 * 60
const SWEEP_BATCH = 200

export const activeFilter = (now: Date) => ({ expiresAt: { $gt: now } })

/** Deletes the media of expired stories not yet purged. */
export function expiredStorySweep(): ScheduledTask {
  return {
    name: 'expired-stories',
    async run(services, now) {
      const db = await services.database.db()
      const expired = await stories(db)
        .find({ mediaPurged: false, expiresAt: { $lte: now } })
        .limit(SWEEP_BATCH)
        .toArray()
      for (const story of expired) await purgeStoryMedia(db, services.storage, story)
      return { purged: expired.length }
    },
  }
}

export async function purgeStoryMedia(
  db: Db,
  storage: Parameters<typeof purgeMedia>[1],
  story: StoryDoc,
) {
  await purgeMedia(db, storage, [story.mediaId], { type: 'story', id: story._id })
  await stories(db).updateOne({ _id: story._id }, { $set: { mediaPurged: true } })
}

/** Public shapes of stories, with whether the viewer has seen each. */
export async function publicStories(c: Context<AppEnv>, docs: StoryDoc[], circle: Circle) {
  const db = await c.get('services').database.db()
  const [authors, attachments, seen] = await Promise.all([
    authorsById(
      db,
      docs.map((d) => d.authorId),
    ),
    attachmentsById(
      c,
      docs.map((d) => d.mediaId),
    ),
    storyViews(db)
      .find(
        { storyId: { $in: docs.map((d) => d._id) }, viewerId: circle.me },
        { projection: { storyId: 1 } },
      )
      .toArray(),
  ])
  const seenIds = new Set(seen.map((v) => v.storyId.toHexString()))
  return docs.map((doc) => {
    const mine = doc.authorId.equals(circle.me)
    return {
      id: doc._id.toHexString(),
      _id: doc._id.toHexString(),
      author: authors.get(doc.authorId.toHexString()) ?? deletedAuthor(doc.authorId),
      media: attachments.get(doc.mediaId.toHexString()) ?? null,
      caption: doc.caption,
      visibility: doc.visibility,
      seen: mine || seenIds.has(doc._id.toHexString()),
      // Only the author learns how many people watched.
      viewsCount: mine ? doc.viewsCount : undefined,
      isOwner: mine,
      createdAt: doc.createdAt.toISOString(),
      expiresAt: doc.expiresAt.toISOString(),
    }
  })
}
