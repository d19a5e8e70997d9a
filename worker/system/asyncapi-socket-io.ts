// How the old apps' Socket.IO 4 clients reach the same rooms (/socket.io/), for the AsyncAPI
// document: a server of its own, the framing rules in the document's description, and on each
// channel how a Socket.IO connection enters that room. The entries are checked against the kinds
// the Worker serves (worker/realtime/socket-io-identity.ts) by asyncapi.test.ts.
import type { RoomKind } from '../../shared/realtime'

/** How a Socket.IO connection enters each kind of room, and with which credential. */
export const SOCKET_IO_ENTRIES: Record<
  RoomKind,
  { room?: string; credential: string; enter: string }
> = {
  conference: {
    room: 'conference:{id}',
    credential: 'the participant token of the join-by-code answer (`participantToken`)',
    enter: "`io(BASE_URL, { query: { room: 'conference:<id>' }, auth: { token } })`",
  },
  chat: {
    room: 'chat:{id}',
    credential: "a member's access token",
    enter: "`io(BASE_URL, { query: { room: 'chat:<conversationId>' }, auth: { token } })`",
  },
  user: {
    room: 'user:{id}',
    credential: 'the access token of that user (no other user may open the channel)',
    enter: "`io(BASE_URL, { query: { room: 'user:<your user id>' }, auth: { token } })`",
  },
  meeting: {
    credential:
      "the room owner's access token (admin), or the invite link's token (guest: `auth.inviteToken`, or join-room's token); never the room id alone",
    enter:
      "no room in the query (Videodesk's clients): `io(BASE_URL, { auth })`, then `emit('join-room', roomId[, token], ack)` or `emit('join-room', { roomId, token? }, ack)`; `join-notification-room` relays the account's user channel the same way",
  },
}

export const SOCKET_IO_DESCRIPTION = `## Socket.IO clients
The old apps' \`socket.io-client\` v4 connects to the same rooms at \`/socket.io/\` (server \`socketIo\`: Engine.IO v4, Socket.IO v5; HTTP long-polling then the upgrade to WebSocket, or either alone). Each channel's \`x-socket-io\` says how a connection enters that room.

| Socket.IO | the native protocol of this document |
| --- | --- |
| credential | \`auth.token\`, else the \`token\` query parameter, \`Authorization: Bearer\`, or the \`token\` cookie (from a page of a trusted origin only) |
| \`emit(type, payload)\` | the frame \`{ type, ...payload }\` |
| \`emit(type, payload, ack)\` | the same frame with a \`rid\`; the ack callback gets the \`ack\`'s fields, or \`{ error: { code, message } }\` |
| \`on(type, payload)\` | every frame the room sends, without \`type\`; numbered events add their \`seq\` as the recovery offset |
| \`connect_error\` | a refused credential or admission, with a readable message |
| disconnect \`io server disconnect\` | the room closed the socket (a close code of this document) |
| \`socket.recovered\` | \`since=<seq>\`: true only where the room replayed exactly what came after the offset |

Binary payloads are refused with an \`error\` event. The server pings every \`pingInterval\` of the handshake and closes a client that does not answer within \`pingTimeout\`.`

export const socketIoServer = (host: string, protocol: string) => ({
  host,
  protocol,
  pathname: '/socket.io/',
  description:
    'Socket.IO 4 clients of the old apps (Engine.IO v4, Socket.IO v5) on the same rooms: see "Socket.IO clients" above and each channel\'s `x-socket-io`.',
  security: [{ $ref: '#/components/securitySchemes/socketIoToken' }],
})

export const SOCKET_IO_SECURITY_SCHEME = {
  type: 'httpApiKey',
  name: 'token',
  in: 'query',
  description:
    "An access or participant token: in the CONNECT's `auth.token`, or the `token` query parameter, `Authorization: Bearer`, or the `token` cookie (each channel's `x-socket-io` names the token it takes).",
}
