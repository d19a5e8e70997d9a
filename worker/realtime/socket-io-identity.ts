// Who a Socket.IO client is, from the credential it carries the way the old clients did (handshake
// `auth.token`, the `token` query parameter, `Authorization: Bearer`, or the `token` cookie). The
// Worker reads it before forwarding (a pre-authenticated identity) and the room reads `auth.token`
// again at CONNECT, both with this one function.
import type { RealtimeIdentity, RoomKind } from '../../shared/realtime'
import { verifyParticipantToken } from '../conference/participants'

/** Kinds of room that host Socket.IO sessions themselves (`?room=<kind>:<id>`). */
export const SOCKET_IO_ROOM_KINDS = ['conference'] as const satisfies readonly RoomKind[]
export type SocketIoRoomKind = (typeof SOCKET_IO_ROOM_KINDS)[number]

/**
 * The identity `token` proves in room `kind/id`, or null. A conference admits its audience by
 * participant token (the token the join-by-code answer hands out).
 * @example await socketIoIdentity(secret, 'conference', id, participantToken) // { kind: 'participant', role: 'audience', … }
 */
export async function socketIoIdentity(
  secret: string,
  kind: SocketIoRoomKind,
  id: string,
  token: string,
): Promise<RealtimeIdentity | null> {
  switch (kind) {
    case 'conference': {
      const participant = await verifyParticipantToken(secret, id, token)
      if (!participant) return null
      return {
        subject: participant.id,
        kind: 'participant',
        role: 'audience',
        ...(participant.name ? { name: participant.name } : {}),
      }
    }
  }
}
