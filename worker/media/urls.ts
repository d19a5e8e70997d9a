// The URLs a client reads a media item with: presigned storage reads and the HLS playlist's own
// URL (with its playback token). Used by every feature that shows media, not only /api/media.
import type { Context } from 'hono'
import type { AppEnv } from '../env'
import { signPlaybackToken } from './playback'
import type { MediaDoc } from './store'

/** Presigned URLs a client can read the media with: the original, and a video's outputs. */
export async function mediaUrls(c: Context<AppEnv>, doc: MediaDoc) {
  const { storage } = c.get('services')
  if (doc.status !== 'ready' && doc.status !== 'processing') return null
  const urls: Record<string, string> = { original: await storage.presignGet(doc.key) }
  if (doc.outputs) {
    urls.mp4 = await storage.presignGet(doc.outputs.mp4Key)
    urls.thumbnail = await storage.presignGet(doc.outputs.thumbnailKey)
  }
  // HLS as soon as the lowest rendition is playable, before the other outputs exist.
  if (doc.playback ?? doc.outputs) {
    const token = await signPlaybackToken(c.get('config').JWT_SECRET, doc._id.toHexString())
    urls.hls = `${new URL(c.req.url).origin}/api/media/${doc._id.toHexString()}/hls/master.m3u8?token=${token}`
  }
  return urls
}
