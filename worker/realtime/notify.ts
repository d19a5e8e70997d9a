// Pushes a live event to every socket a user has open on their UserChannel (all their devices).
// Best effort: a user with no open socket simply polls.
import type { Bindings } from '../env'

export interface UserEvent {
  type: string
  [field: string]: unknown
}

export async function notifyUser(env: Bindings, userId: string, event: UserEvent): Promise<void> {
  const stub = env.USER_CHANNEL.get(env.USER_CHANNEL.idFromName(userId))
  await stub.fetch('https://user-channel/notify', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(event),
  })
}
