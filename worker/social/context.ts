// Per-request helpers for social handlers: the database and the signed-in viewer's circle.
import type { Context } from 'hono'
import { z } from '@hono/zod-openapi'
import type { AppEnv } from '../env'
import { ObjectIdSchema } from '../../shared/ids'
import { VISIBILITIES } from './store'
import { ObjectId } from 'mongodb'
import type { Prefetch } from '../middleware/auth'
import { circleOf, type Circle } from './relations'

declare module 'hono' {
  interface ContextVariableMap {
    circle: Promise<Circle>
  }
}

/** For `authedRoute({ prefetch })`: the viewer's friends and blocks, read beside the session check. */
export const prefetchCircle: Prefetch = (c, db, userId) => {
  const circle = circleOf(db, new ObjectId(userId))
  // Refused callers never await it; a failure then must not surface as an unhandled rejection.
  circle.catch(() => undefined)
  c.set('circle', circle)
}

export async function viewer(c: Context<AppEnv>) {
  const db = await c.get('services').database.db()
  const circle = await (c.get('circle') ?? circleOf(db, c.get('user')._id))
  return { db, circle, now: c.get('services').now() }
}

export const IdParams = z.object({ id: ObjectIdSchema })
export const VisibilitySchema = z.enum(VISIBILITIES)
export const PageQuery = z.object({
  cursor: ObjectIdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(50).default(20),
})
