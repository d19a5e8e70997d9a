// Where each kind of room lives: the Durable Object namespace binding and the stub for one room.
import type { RoomKind, Revocation } from '../../shared/realtime'
import type { Bindings } from '../env'

const NAMESPACE = {
  conference: 'CONFERENCE_ROOM',
  chat: 'CHAT_CONVERSATION',
  meeting: 'MEETING_ROOM',
  user: 'USER_CHANNEL',
} as const satisfies Record<RoomKind, keyof Bindings>

/** What every room answers over RPC, whatever its class (RealtimeRoom's public methods). */
export interface RoomStub {
  fetch(request: Request | string, init?: RequestInit): Promise<Response>
  revokeSockets(revocation: Revocation): Promise<number>
}

/** The room `kind/id`'s object, or undefined where the runtime has no Durable Objects (Node). */
export function roomStub(env: Partial<Bindings>, kind: RoomKind, id: string): RoomStub | undefined {
  const namespace = env[NAMESPACE[kind]]
  return namespace?.get(namespace.idFromName(id))
}

export type ChannelBindings = Partial<Pick<Bindings, 'USER_CHANNEL'>>

/**
 * A user's UserChannel, for its RPC: `deliver` to their devices, `presence`, and the registry of
 * their sockets in other rooms (`admit`, `revokeEverywhere`). Undefined where the runtime has no
 * Durable Objects (the REST app under Node), so realtime is skipped there, never an error.
 */
export function userChannel(env: ChannelBindings, userId: string) {
  const namespace = env.USER_CHANNEL
  return namespace?.get(namespace.idFromName(userId))
}

/**
 * What an account's registry records, so that a revocation reaches the socket: a room, or a
 * Socket.IO gateway session (its object's id), which holds the account's socket in no room.
 */
export const GATEWAY = 'gateway'
export type RegisteredKind = RoomKind | typeof GATEWAY

/** `kind:id`, the key a registry keeps a room (or a gateway session) under. */
export const roomKey = (kind: RegisteredKind, id: string) => `${kind}:${id}`

export function parseRoomKey(key: string): { kind: RegisteredKind; id: string } {
  const at = key.indexOf(':')
  return { kind: key.slice(0, at) as RegisteredKind, id: key.slice(at + 1) }
}

/** The object a registry entry names, for its `revokeSockets`; undefined where there is none. */
export function registeredStub(
  env: Partial<Bindings>,
  kind: RegisteredKind,
  id: string,
): Pick<RoomStub, 'revokeSockets'> | undefined {
  if (kind !== GATEWAY) return roomStub(env, kind, id)
  const namespace = env.SOCKET_IO_GATEWAY
  return namespace?.get(namespace.idFromString(id))
}
