// Where each kind of room lives: the Durable Object namespace binding and the stub for one room.
import type { RealtimeIdentity, RoomKind, Revocation } from '../../shared/realtime'
import type { Bindings } from '../env'

const NAMESPACE: Record<RoomKind, keyof Bindings> = {
  conference: 'CONFERENCE_ROOM',
  chat: 'CHAT_CONVERSATION',
  meeting: 'MEETING_ROOM',
  user: 'USER_CHANNEL',
}

/** What every room answers over RPC, whatever its class (RealtimeRoom's public methods). */
export interface RoomStub {
  fetch(request: Request | string, init?: RequestInit): Promise<Response>
  revokeSockets(revocation: Revocation): Promise<number>
}

/** The room `kind/id`'s object, or undefined where the runtime has no Durable Objects (Node). */
export function roomStub(env: Partial<Bindings>, kind: RoomKind, id: string): RoomStub | undefined {
  const namespace = env[NAMESPACE[kind]] as DurableObjectNamespace | undefined
  if (!namespace) return undefined
  return namespace.get(namespace.idFromName(id)) as unknown as RoomStub
}

/** An account's registry of its sockets in other rooms: its UserChannel (see user-channel.ts). */
export interface RegistryStub {
  admit(
    kind: RoomKind,
    id: string,
    identity: Pick<RealtimeIdentity, 'subject' | 'session'>,
    ticketAt: number,
  ): Promise<boolean>
  revokeEverywhere(revocation: Revocation): Promise<void>
}

export function registryStub(env: Partial<Bindings>, userId: string): RegistryStub | undefined {
  return roomStub(env, 'user', userId) as unknown as RegistryStub | undefined
}

/** `kind:id`, the key a registry keeps a room under. */
export const roomKey = (kind: RoomKind, id: string) => `${kind}:${id}`

export function parseRoomKey(key: string): { kind: RoomKind; id: string } {
  const at = key.indexOf(':')
  return { kind: key.slice(0, at) as RoomKind, id: key.slice(at + 1) }
}
