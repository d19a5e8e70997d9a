// `/socket.io/`, where the old Socket.IO 4 clients connect: every request of a session (polling,
// the WebSocket upgrade) names its room in the query (`room=conference:<id>`, `chat:<conversation
// id>`, `user:<user id>`) and goes to that room's object, which hosts the Engine.IO session; without
// a room, to the Videodesk gateway (../socket-io-gateway.ts). A credential found here in the
// handshake travels along as a pre-authenticated identity (or as the refusal to answer the CONNECT
// with); the CONNECT's `auth.token` may still prove one in the room.
import { Hono } from 'hono'
import { IDENTITY_HEADER, TICKET_AT_HEADER } from '../../../shared/realtime'
import type { AppEnv } from '../../env'
import { AppError } from '../../errors'
import { audienceShardStub, shardOfSessionId } from '../../conference/shards'
import { roomStub } from '../rooms'
import { handshakeCredential } from '../socket-io-credential'
import { gatewayRequest } from '../socket-io-gateway'
import {
  admitSocketIo,
  SOCKET_IO_REFUSAL_HEADER,
  SOCKET_IO_ROOM_KINDS,
  type SocketIoRoomKind,
} from '../socket-io-identity'

const ROOM = /^([a-z]+):([A-Za-z0-9_-]{1,64})$/

export const socketIo = new Hono<AppEnv>().on(['GET', 'POST'], '/socket.io/', async (c) => {
  const room = c.req.query('room')
  // Videodesk's clients name no room: they choose it after connecting.
  if (room === undefined) return gatewayRequest(c)
  const match = ROOM.exec(room)
  const kind = match?.[1] as SocketIoRoomKind | undefined
  if (!match || !kind || !SOCKET_IO_ROOM_KINDS.includes(kind)) {
    throw new AppError(
      'BAD_REQUEST',
      `room must be <kind>:<id> with kind one of: ${SOCKET_IO_ROOM_KINDS.join(', ')}`,
    )
  }
  const id = match[2]!
  const sid = c.req.query('sid')
  // A session on an audience shard: its id names the shard.
  let shard = kind === 'conference' && sid !== undefined ? shardOfSessionId(sid) : undefined
  const headers = new Headers(c.req.raw.headers)
  headers.delete(IDENTITY_HEADER)
  headers.delete(TICKET_AT_HEADER)
  const token = handshakeCredential(c)
  headers.delete(SOCKET_IO_REFUSAL_HEADER)
  // Only the handshake (no sid yet) opens a session; later requests of it carry nothing to check.
  if (token && c.req.query('sid') === undefined) {
    const { database } = c.get('services')
    const admission = await admitSocketIo(
      { config: c.get('config'), db: () => database.db(), env: c.env },
      kind,
      id,
      token,
    )
    if (admission.ok) {
      headers.set(IDENTITY_HEADER, JSON.stringify(admission.identity))
      headers.set(TICKET_AT_HEADER, String(admission.at))
      // A conference's audience member whose handshake named them goes to their shard, as a
      // ticket's would; one who proves who they are only in CONNECT stays on the room (their votes
      // still go to their shard from there).
      if (kind === 'conference' && admission.identity.role === 'audience')
        shard = admission.identity.shard
    } else headers.set(SOCKET_IO_REFUSAL_HEADER, admission.message)
  }
  const stub =
    shard !== undefined && c.env.AUDIENCE_SHARD
      ? audienceShardStub(c.env, id, shard)
      : roomStub(c.env, kind, id)
  if (!stub) throw new AppError('SERVICE_UNAVAILABLE', 'Realtime rooms are not available here')
  const url = new URL(c.req.url)
  url.searchParams.set('room', id)
  if (shard !== undefined) url.searchParams.set('shard', String(shard))
  else url.searchParams.delete('shard')
  // A polling POST's body is read here (it is small: bodySize caps it) rather than streamed: the
  // room may answer before reading it (a refusal), and a stream still being piped then fails.
  const body = c.req.method === 'POST' ? await c.req.arrayBuffer() : null
  return stub.fetch(new Request(url, { method: c.req.method, headers, body }))
})
