// What the Worker checks before it lets a verified ticket's socket into a room: the ticket has not
// been used, and for an account, the checks every account socket passes (account-checks.ts: session
// live, role unchanged since the ticket was minted, the room recorded in the account's registry so
// that a later revocation reaches the socket; see UserChannel.admit / revokeEverywhere).
import type { Context } from 'hono'
import type { RoomKind } from '../../shared/realtime'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { liveAccount, registryAdmits, type AccountRefusal } from './account-checks'
import { TICKET_TTL_SECONDS, type VerifiedTicket } from './tickets'

const REFUSED: Record<AccountRefusal, string> = {
  'no-session': 'This ticket names no session',
  ended: 'This session has ended',
  'role-changed': 'Your role changed; ask for a new ticket',
}

/**
 * Whether the object the ticket opens admits it once by itself: an anonymous participant's ticket
 * goes to the one audience shard it names, which remembers the tickets it took (AudienceShard).
 */
function singleUseKeptByShard(room: { kind: RoomKind }, ticket: VerifiedTicket): boolean {
  const { identity } = ticket
  return (
    room.kind === 'conference' && identity.kind === 'participant' && identity.shard !== undefined
  )
}

/** Throws 401 unless the ticket may open a socket into `kind/id` now. */
export async function admitTicket(
  c: Context<AppEnv>,
  room: { kind: RoomKind; id: string },
  ticket: VerifiedTicket,
): Promise<void> {
  if (singleUseKeptByShard(room, ticket)) return
  const { redis, database } = c.get('services')
  // Single use: the id is remembered for longer than the ticket lives.
  const first = await redis.set(`realtime:ticket:${ticket.jti}`, 1, {
    nx: true,
    ex: TICKET_TTL_SECONDS + 5,
  })
  if (first === null) throw new AppError('UNAUTHORIZED', 'This ticket was already used')

  const { identity } = ticket
  if (identity.kind !== 'user') return
  const account = await liveAccount(await database.db(), identity, (user) =>
    Boolean(user.roleChangedAt && ticket.issuedAtMs < user.roleChangedAt.getTime()),
  )
  if ('refusal' in account) throw new AppError('UNAUTHORIZED', REFUSED[account.refusal])
  if (!(await registryAdmits(c.env, room, identity, ticket.issuedAtMs)))
    throw new AppError('UNAUTHORIZED', 'This session has ended')
}
