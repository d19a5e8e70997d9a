// Pushes a live event to every socket a user has open on their UserChannel (all their devices).
// Best effort: a user with no open socket simply polls.
import type { UserChannelEvent } from '../../shared/user-channel'
import type { Bindings } from '../env'

/** An event for the user's channel: one of the user channel protocol's (shared/user-channel.ts). */
export type UserEvent = UserChannelEvent

export async function notifyUser(env: Bindings, userId: string, event: UserEvent): Promise<void> {
  const stub = env.USER_CHANNEL.get(env.USER_CHANNEL.idFromName(userId))
  await stub.fetch('https://user-channel/notify', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(event),
  })
}
