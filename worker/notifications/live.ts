// Posts an event to a user's UserChannel and answers how many of their sockets got it; unlike
// notifyUser, the count matters here (no socket open → fall back to push).
import type { UserChannel } from '../../durable-objects/user-channel'
import type { Bindings } from '../env'
import type { UserEvent } from '../realtime/notify'

export type ChannelBindings = Pick<Bindings, 'USER_CHANNEL'>

export function userChannel(env: ChannelBindings, userId: string) {
  // The binding is declared untyped in env.ts; the class gives the stub its RPC methods.
  const ns = env.USER_CHANNEL as unknown as DurableObjectNamespace<UserChannel>
  return ns.get(ns.idFromName(userId))
}

export async function deliverToUser(
  env: ChannelBindings,
  userId: string,
  event: UserEvent,
): Promise<number> {
  const res = await userChannel(env, userId).fetch('https://user-channel/notify', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(event),
  })
  if (!res.ok) throw new Error(`user channel answered ${res.status}`)
  const { delivered } = (await res.json()) as { delivered: number }
  return delivered
}
