// Where a Videodesk account's logo is shown from: its own URL, or a presigned read of the uploaded
// media. Used by the settings routes and the branded mail.
import type { Context } from 'hono'
import type { AppEnv } from '../env'
import { media } from '../media/store'
import type { Logo } from './settings-store'

/** A URL the logo can be shown from: its own, or a presigned read of the uploaded media. */
export async function logoUrl(
  c: Context<AppEnv>,
  logo: Logo | undefined,
  expiresInSeconds = 3600,
): Promise<string | null> {
  if (!logo) return null
  if (logo.url) return logo.url
  if (!logo.mediaId) return null
  const found = await media(await c.get('services').database.db()).findOne({ _id: logo.mediaId })
  return found ? c.get('services').storage.presignGet(found.key, expiresInSeconds) : null
}
