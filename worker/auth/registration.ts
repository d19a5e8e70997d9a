// Registration without a code, as the old systems define it for hosts, speakers, universities and
// Videodesk: the account is created with its email as an unproven claim (worker/auth/identity.ts).
// The one answer that says an email is taken (409, the seeds' contract) is given only when an
// account holds it proven, and is limited per email as well as per client IP.
import type { Context } from 'hono'
import type { Role } from '../../shared/roles'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { clientIp, enforceRateLimit } from '../middleware/rate-limit'
import { createUser, identifierHolders, MAX_UNPROVEN_HOLDERS, type UserDoc } from './users-store'
import { LIMITS } from './limits'
import { hashPassword } from './passwords'

export async function registerUnproven(
  c: Context<AppEnv>,
  input: { name: string; role: Role; email: string; password: string },
): Promise<UserDoc> {
  await enforceRateLimit(c, LIMITS.register, [`ip:${clientIp(c)}`, `email:${input.email}`])
  const db = await c.get('services').database.db()
  const holders = await identifierHolders(db, 'email', input.email)
  // Past a few unproven claims on one email, more only fill the collection: refused the same way.
  if (holders.some((u) => u.emailVerified) || holders.length >= MAX_UNPROVEN_HOLDERS)
    throw new AppError('CONFLICT', 'An account with this email already exists')
  return createUser(
    db,
    {
      name: input.name,
      role: input.role,
      email: input.email,
      emailVerified: false,
      passwordHash: await hashPassword(input.password),
    },
    c.get('services').now(),
  )
}
