// Ties an emailed code to the registration or sign-in that asked for it. The Videodesk and
// university flows email a code after a password step; the code proves the mailbox, and the
// binding proves that whoever reads it is also whoever did the password step. Without it, a code
// a planter's registration sent could be typed in by the mailbox's owner and sign them in to the
// planter's account as it is. The binding travels as an httpOnly cookie (browsers, unchanged old
// web clients) or as `challenge` in the answer, echoed in the verification body (other clients).
import type { Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { ObjectId } from 'mongodb'
import type { AppEnv } from '../env'
import { findUserById, normalizeEmail } from './users-store'
import { randomToken, sha256 } from './tokens'

export type BindingPurpose = 'videodesk' | 'university'

const COOKIE = 'proof_binding'
/** Longer than a code lives, so a resent code is still covered. */
const TTL_SECONDS = 30 * 60

const key = (purpose: BindingPurpose, hash: string) => `proof-binding:${purpose}:${hash}`

/** Binds the codes about to be sent to `accountId`; answers the challenge for the response. */
export async function bindProof(
  c: Context<AppEnv>,
  purpose: BindingPurpose,
  accountId: ObjectId,
): Promise<string> {
  const challenge = randomToken()
  await c
    .get('services')
    .redis.set(key(purpose, await sha256(challenge)), accountId.toHexString(), { ex: TTL_SECONDS })
  const production = c.get('config').APP_ENV === 'production'
  setCookie(c, COOKIE, challenge, {
    httpOnly: true,
    secure: production,
    sameSite: 'Lax',
    path: '/api',
    maxAge: TTL_SECONDS,
  })
  return challenge
}

/**
 * The account the caller's binding (`challenge`, else the cookie) names, if it is valid and the
 * account still holds `email`: a binding ties a code to the registration that asked for it, never
 * to another address.
 */
export async function boundAccount(
  c: Context<AppEnv>,
  purpose: BindingPurpose,
  challenge: string | undefined,
  email: string,
): Promise<ObjectId | undefined> {
  const token = challenge ?? getCookie(c, COOKIE)
  if (!token) return undefined
  const id = await c.get('services').redis.get<string>(key(purpose, await sha256(token)))
  if (typeof id !== 'string' || !ObjectId.isValid(id)) return undefined
  const account = await findUserById(await c.get('services').database.db(), id)
  return account?.email === normalizeEmail(email) ? account._id : undefined
}

/** One use: the binding is dropped once the code it covered was accepted. */
export async function dropProofBinding(
  c: Context<AppEnv>,
  purpose: BindingPurpose,
  challenge: string | undefined,
) {
  const token = challenge ?? getCookie(c, COOKIE)
  if (token) await c.get('services').redis.del(key(purpose, await sha256(token)))
  deleteCookie(c, COOKIE, { path: '/api' })
}
