// Ending sessions, everywhere they are open: the session records (so REST refuses their tokens at
// once) and then the sockets they opened in every room (through the account's registry, the
// UserChannel). Every way a session ends goes through here, so none leaves a socket open.
import type { Context } from 'hono'
import type { ObjectId } from 'mongodb'
import { CLOSE_CODES, type CloseCode, type Revocation } from '../../shared/realtime'
import type { AppEnv } from '../env'
import { log } from '../log'
import { userChannel } from '../realtime/rooms'
import { revokeLegacyTokens } from './legacy-sessions'
import { endAllSessions, endOtherSessions, type SessionDoc } from './sessions'

type Reason = NonNullable<SessionDoc['revokedReason']> | 'role-change'

/**
 * Closes the sockets a revocation covers, in every room, before answering: the request that ended
 * the session returns only once its sockets are closed. A room that cannot be reached is logged;
 * the session records already refuse everything the socket could ask for over REST.
 */
export async function closeSockets(
  c: Context<AppEnv>,
  userId: ObjectId | string,
  scope: Pick<Revocation, 'sessions' | 'exceptSession'>,
  reason: Reason,
  code: CloseCode = CLOSE_CODES.SESSION_ENDED,
): Promise<void> {
  const subject = typeof userId === 'string' ? userId : userId.toHexString()
  const registry = userChannel(c.env ?? {}, subject)
  if (!registry) return
  const revocation: Revocation = { subject, ...scope, at: Date.now(), code, reason }
  try {
    await registry.revokeEverywhere(revocation)
  } catch (error) {
    log('error', 'sockets of a revoked session could not be closed', {
      requestId: c.get('requestId'),
      userId: subject,
      reason,
      error: error instanceof Error ? error.message : String(error),
    })
  }
}

/** Ends the given session families' sockets (their records are already revoked). */
export function closeSessionSockets(
  c: Context<AppEnv>,
  userId: ObjectId,
  families: ObjectId[],
  reason: Reason,
): Promise<void> {
  if (families.length === 0) return Promise.resolve()
  return closeSockets(c, userId, { sessions: families.map((f) => f.toHexString()) }, reason)
}

/** Ends every session of an account (or every one but `except`), records and sockets. */
export async function revokeAllSessions(
  c: Context<AppEnv>,
  userId: ObjectId,
  reason: NonNullable<SessionDoc['revokedReason']>,
  opts: { except?: string } = {},
): Promise<void> {
  const db = await c.get('services').database.db()
  const now = c.get('services').now()
  if (opts.except) await endOtherSessions(db, userId, opts.except, now)
  else await endAllSessions(db, userId, reason, now)
  // The old systems' tokens too (cut-over): they carry no session of ours to revoke.
  await revokeLegacyTokens(db, userId, now)
  await closeSockets(c, userId, opts.except ? { exceptSession: opts.except } : {}, reason)
}
