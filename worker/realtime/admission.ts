// What the Worker checks before it lets a verified ticket's socket into a room: the ticket has not
// been used, and for an account, that its session is still live and its role unchanged since the
// ticket was minted. The account's registry then records the room so that a later revocation
// reaches the socket (see UserChannel.admit / revokeEverywhere).
import type { Context } from 'hono'
import type { RoomKind } from '../../shared/realtime'
import { isSessionLive } from '../auth/sessions'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { findUserById } from '../auth/users-store'
import { userChannel } from './rooms'
import { TICKET_TTL_SECONDS, type VerifiedTicket } from './tickets'

/** Throws 401 unless the ticket may open a socket into `kind/id` now. */
export async function admitTicket(
  c: Context<AppEnv>,
  room: { kind: RoomKind; id: string },
  ticket: VerifiedTicket,
): Promise<void> {
  const { redis, database } = c.get('services')
  // Single use: the id is remembered for longer than the ticket lives.
  const first = await redis.set(`realtime:ticket:${ticket.jti}`, 1, {
    nx: true,
    ex: TICKET_TTL_SECONDS + 5,
  })
  if (first === null) throw new AppError('UNAUTHORIZED', 'This ticket was already used')

  const { identity } = ticket
  if (identity.kind !== 'user') return
  if (!identity.session) throw new AppError('UNAUTHORIZED', 'This ticket names no session')
  const db = await database.db()
  const [user, live] = await Promise.all([
    findUserById(db, identity.subject),
    isSessionLive(db, identity.session),
  ])
  if (!user?.isActive || !live) throw new AppError('UNAUTHORIZED', 'This session has ended')
  if (user.roleChangedAt && ticket.issuedAtMs < user.roleChangedAt.getTime())
    throw new AppError('UNAUTHORIZED', 'Your role changed; ask for a new ticket')
  // The user's own channel is its registry: it checks its revocations itself.
  if (room.kind === 'user') return
  const registry = userChannel(c.env, identity.subject)
  if (registry && !(await registry.admit(room.kind, room.id, identity, ticket.issuedAtMs)))
    throw new AppError('UNAUTHORIZED', 'This session has ended')
}
