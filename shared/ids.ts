// Ids in paths and bodies: a MongoDB ObjectId as 24 hex characters.
import { z } from 'zod'

export const ObjectIdSchema = z.string().regex(/^[0-9a-f]{24}$/i, 'must be a 24-character hex id')
