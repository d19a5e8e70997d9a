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
  return { ticket: await issue(c, id, accountIdentity(c, role)), role }
}

/** An anonymous participant's ticket into room `id`, as audience. */
export function participantTicket(c: Context<AppEnv>, id: string, participant: Participant) {
  return issue(c, id, {
    subject: participant.id,
    kind: 'participant',
    role: 'audience',
    ...(participant.name ? { name: participant.name } : {}),
  })
}
