// What an account's socket must still satisfy when it opens, whatever credential admitted it (a
// realtime ticket at /api/realtime/…, or an access token in a Socket.IO handshake or CONNECT): the
// account active, the session live, the role unchanged since the credential was issued; and the
// account's registry (its UserChannel) records the room, so that a later revocation reaches the
// socket. Plain values in, no request context: the Worker's routes and the rooms both call these.
import type { Db, WithId } from 'mongodb'
import type { RealtimeIdentity, RoomKind } from '../../shared/realtime'
import { isSessionLive } from '../auth/sessions'
import { findUserById, type UserDoc } from '../auth/users-store'
import { userChannel, type ChannelBindings } from './rooms'

export type AccountRefusal = 'no-session' | 'ended' | 'role-changed'

/**
 * The account behind `identity` if its sockets may still open: it names a session, the account is
 * active, the session live, and `roleStale` does not hold for the account as it is now.
 * @example await liveAccount(db, identity, (u) => u.role !== claims.role) // { user } or { refusal: 'ended' }
 */
export async function liveAccount(
  db: Db,
  identity: Pick<RealtimeIdentity, 'subject' | 'session'>,
  roleStale: (user: WithId<UserDoc>) => boolean,
): Promise<{ user: WithId<UserDoc> } | { refusal: AccountRefusal }> {
  if (!identity.session) return { refusal: 'no-session' }
  const [user, live] = await Promise.all([
    findUserById(db, identity.subject),
    isSessionLive(db, identity.session),
  ])
  if (!user?.isActive || !live) return { refusal: 'ended' }
  if (roleStale(user)) return { refusal: 'role-changed' }
  return { user }
}

/**
 * Records room `kind/id` in the account's registry so that a revocation reaches the socket; false
 * when a revocation made after `at` (the moment the checks began) already covers it. The user's
 * own channel is its registry and checks its revocations itself.
 */
export async function registryAdmits(
  env: ChannelBindings,
  room: { kind: RoomKind; id: string },
  identity: Pick<RealtimeIdentity, 'subject' | 'session'>,
  at: number,
): Promise<boolean> {
  if (room.kind === 'user') return true
  const registry = userChannel(env, identity.subject)
  return registry ? registry.admit(room.kind, room.id, identity, at) : true
}
