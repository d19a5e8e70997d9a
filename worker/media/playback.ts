// Playback of private media: short-lived playback tokens in URLs (players cannot send headers),
// HLS playlists rewritten so that each segment is a presigned storage URL and each nested playlist
// goes through this route again.
import { SignJWT, jwtVerify } from 'jose'
import type { Storage } from '../services/storage'

const AUDIENCE = 'playback'
const TTL_SECONDS = 3600

const key = (secret: string) => new TextEncoder().encode(secret)

export function signPlaybackToken(secret: string, mediaId: string): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setAudience(AUDIENCE)
    .setSubject(mediaId)
    .setIssuedAt()
    .setExpirationTime(`${TTL_SECONDS}s`)
    .sign(key(secret))
}

export async function verifyPlaybackToken(
  secret: string,
  mediaId: string,
  token: string,
): Promise<boolean> {
  try {
    const { payload } = await jwtVerify(token, key(secret), {
      audience: AUDIENCE,
      algorithms: ['HS256'],
    })
    return payload.sub === mediaId
  } catch {
    return false
  }
}

/** Rewrites a playlist's URI lines: `.m3u8` back through `playlistUrl`, everything else presigned. */
export async function rewritePlaylist(
  text: string,
  dirKey: string,
  storage: Storage,
  playlistUrl: (file: string) => string,
): Promise<string> {
  const lines = text.split('\n')
  return (
    await Promise.all(
      lines.map(async (line) => {
        const trimmed = line.trim()
        if (!trimmed || trimmed.startsWith('#')) return line
        if (!/^[A-Za-z0-9_./-]+$/.test(trimmed) || trimmed.includes('..')) return line
        return trimmed.endsWith('.m3u8')
          ? playlistUrl(trimmed)
          : storage.presignGet(dirKey + trimmed, TTL_SECONDS)
      }),
    )
  ).join('\n')
}
