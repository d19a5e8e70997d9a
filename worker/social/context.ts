// Per-request helpers for social handlers: the database and the signed-in viewer's circle.
import type { Context } from 'hono'
import { z } from '@hono/zod-openapi'
import type { AppEnv } from '../env'
import { ObjectIdSchema } from '../routes/media'
import { VISIBILITIES } from '../repositories/social'
import { circleOf } from './relations'

export async function viewer(c: Context<AppEnv>) {
  const db = await c.get('services').database.db()
  return { db, circle: await circleOf(db, c.get('user')._id), now: c.get('services').now() }
}

export const IdParams = z.object({ id: ObjectIdSchema })
export const VisibilitySchema = z.enum(VISIBILITIES)
export const PageQuery = z.object({
  cursor: ObjectIdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(50).default(20),
})
