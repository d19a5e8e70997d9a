// Tickets into a conference's live room: the signed-in caller enters with their role there, an
// anonymous participant as audience.
import type { Context } from 'hono'
import type { ConferenceRole } from '../../shared/conference'
import type { RealtimeIdentity } from '../../shared/realtime'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { accountIdentity, signRealtimeTicket } from '../realtime/tickets'
import { conferenceRole } from './access'
import type { Participant } from './participants'
import { audienceShardOf, UNSHARDED } from './shards'
import type { ConferenceDoc } from './store'

/** Someone the host removed is not let back in, with a new ticket or otherwise. */
export function refuseRemoved(doc: ConferenceDoc, voter: string) {
  if (doc.removedParticipants?.includes(voter))
    throw new AppError('FORBIDDEN', 'You were removed from this conference')
}

const issue = (c: Context<AppEnv>, id: string, identity: RealtimeIdentity) =>
  signRealtimeTicket(c.get('config').JWT_SECRET, { kind: 'conference', id }, identity)

/**
 * The signed-in caller's ticket into room `id` (of `doc`) and the role they enter with; 403 when
 * the host removed them.
 */
export async function accountTicket(
  c: Context<AppEnv>,
  id: string,
  doc: ConferenceDoc,
): Promise<{ ticket: string; role: ConferenceRole }> {
  const user = c.get('user')
  const role = conferenceRole(doc, user)
  refuseRemoved(doc, `user:${user._id.toHexString()}`)
  const identity = accountIdentity(c, role)
  // The audience's sockets go to their shard; hosts' and speakers' to the room.
  if (role === 'audience') identity.shard = audienceShardOf(identity, shardsOf(doc))
  return { ticket: await issue(c, id, identity), role }
}

const shardsOf = (doc: ConferenceDoc) => doc.audienceShards ?? UNSHARDED

/** An anonymous participant's ticket into room `id`, as audience, through their shard. */
export function participantTicket(
  c: Context<AppEnv>,
  id: string,
  doc: ConferenceDoc,
  participant: Participant,
) {
  const identity: RealtimeIdentity = {
    subject: participant.id,
    kind: 'participant',
    role: 'audience',
    ...(participant.name ? { name: participant.name } : {}),
  }
  identity.shard = participant.shard ?? audienceShardOf(identity, shardsOf(doc))
  return issue(c, id, identity)
}
