// Who a Socket.IO client is, from the credential it carries the way the old clients did (CONNECT
// `auth.token`, the `token` query parameter, `Authorization: Bearer`, or the `token` cookie), and
// whether it may join the room it named. The Worker checks the handshake's credential before
// forwarding it (a pre-authenticated identity, or the refusal to answer the CONNECT with); the room
// checks a CONNECT's `auth.token` itself, with the same function, when the CONNECT arrives.
//
// A conference admits its audience by participant token. A chat conversation and a user channel
// admit an account's access token with every check a realtime ticket gets at /api/realtime/… plus
// what the ticket routes check before minting one: membership of the conversation, and only your
// own user channel (`room=user:<your user id>`, the id the user-ticket route answers; there is no
// `user:me`, because a token sent only in the CONNECT arrives after the session was routed to an
// object). No request context here: rooms import this, never the HTTP middleware.
import { ObjectId, type Db } from 'mongodb'
import type { RealtimeIdentity, RoomKind } from '../../shared/realtime'
import type { Config } from '../../shared/config'
import { acceptLegacyAccess } from '../auth/legacy-access'
import { InvalidAccessTokenError, verifyAccessToken, type AccessClaims } from '../auth/tokens'
import { findMemberConversation } from '../chat/store'
import { conferenceRole } from '../conference/access'
import { verifyParticipantToken } from '../conference/participants'
import { audienceShardOf, UNSHARDED, type AudienceShards } from '../conference/shards'
import { conferences } from '../conference/store'
import { liveAccount, registryAdmits, type AccountRefusal } from './account-checks'
import type { ChannelBindings } from './rooms'

/** Kinds of room that host Socket.IO sessions themselves (`?room=<kind>:<id>`). */
export const SOCKET_IO_ROOM_KINDS = [
  'conference',
  'chat',
  'user',
] as const satisfies readonly RoomKind[]
export type SocketIoRoomKind = (typeof SOCKET_IO_ROOM_KINDS)[number]

/**
 * Set by the Worker on a handshake whose credential it refused: the room answers the CONNECT (when
 * no `auth.token` proves an identity) with this message rather than a generic one.
 */
export const SOCKET_IO_REFUSAL_HEADER = 'x-socket-io-refusal'

/** Messages a client's `connect_error` shows. */
export const SOCKET_IO_REFUSED = {
  invalid: 'Invalid or expired token',
  ended: 'This session has ended',
  roleChanged: 'Your role changed; refresh your access token and connect again',
  notMember: 'You are not a member of this conversation',
  notYourChannel: 'You can only open your own user channel',
  noConference: 'Conference not found',
  removed: 'You were removed from this conference',
} as const

const ACCOUNT_REFUSED: Record<AccountRefusal, string> = {
  'no-session': SOCKET_IO_REFUSED.invalid,
  ended: SOCKET_IO_REFUSED.ended,
  'role-changed': SOCKET_IO_REFUSED.roleChanged,
}

/** What admission needs, as plain values: the Worker passes its services, a room its own. */
export interface SocketIoAdmissionDeps {
  config: Config
  /** Only account rooms ask for it. */
  db: () => Promise<Db>
  env: ChannelBindings
}

export type SocketIoAdmission =
  /** `at`: when the checks began; a revocation after it covers the socket (revocationCovers). */
  { ok: true; identity: RealtimeIdentity; at: number } | { ok: false; message: string }

/**
 * Whether `token` admits its bearer to room `kind/id` now, as whom; for an account, the room is
 * recorded in its registry (so call this only when the socket is about to join).
 * @example await admitSocketIo(deps, 'chat', conversationId, accessToken) // { ok: true, identity: { kind: 'user', role: 'member', … }, at }
 */
export async function admitSocketIo(
  deps: SocketIoAdmissionDeps,
  kind: SocketIoRoomKind,
  id: string,
  token: string,
): Promise<SocketIoAdmission> {
  if (kind === 'conference') {
    // The audience's participant token; otherwise a signed-in account (a host, a speaker, or
    // audience with an account), as the conference's ticket route admits each.
    const identity = await participantIdentity(deps.config.JWT_SECRET, kind, id, token)
    if (identity) return { ok: true, identity, at: Date.now() }
  }
  return admitAccount(deps, { kind, id }, token)
}

/**
 * The identity a participant token proves in conference `id`, or null.
 * @example await participantIdentity(secret, 'conference', id, participantToken) // { kind: 'participant', role: 'audience', … }
 */
async function participantIdentity(
  secret: string,
  _kind: 'conference',
  id: string,
  token: string,
): Promise<RealtimeIdentity | null> {
  const participant = await verifyParticipantToken(secret, id, token)
  if (!participant) return null
  return {
    subject: participant.id,
    kind: 'participant',
    role: 'audience',
    ...(participant.name ? { name: participant.name } : {}),
    ...(participant.shard !== undefined ? { shard: participant.shard } : {}),
  }
}

/** Ours, or during a cut-over an old system's (the session it stands for, as REST opens it). */
async function accountClaims(deps: SocketIoAdmissionDeps, token: string): Promise<AccessClaims> {
  try {
    return await verifyAccessToken(deps.config.JWT_SECRET, token)
  } catch (error) {
    if (!(error instanceof InvalidAccessTokenError)) throw error
    const device = { name: 'old access token (socket)' }
    return (
      await acceptLegacyAccess(deps.db, deps.config, token, {
        device,
        now: new Date(),
        replace: false,
      })
    ).claims
  }
}

/** An access token, checked as REST checks it and as a realtime ticket's account is checked. */
async function admitAccount(
  deps: SocketIoAdmissionDeps,
  room: { kind: SocketIoRoomKind; id: string },
  token: string,
): Promise<SocketIoAdmission> {
  let claims
  try {
    claims = await accountClaims(deps, token)
  } catch (error) {
    if (error instanceof InvalidAccessTokenError)
      return { ok: false, message: SOCKET_IO_REFUSED.invalid }
    throw error
  }
  if (room.kind === 'user' && room.id !== claims.userId)
    return { ok: false, message: SOCKET_IO_REFUSED.notYourChannel }
  const at = Date.now()
  const db = await deps.db()
  // REST takes the account's current role; a token minted for another role opens no socket.
  const account = await liveAccount(
    db,
    { subject: claims.userId, session: claims.sessionId },
    (user) => user.role !== claims.role,
  )
  if ('refusal' in account) return { ok: false, message: ACCOUNT_REFUSED[account.refusal] }
  const { user } = account
  let role: string = user.role
  let shards: AudienceShards | undefined
  if (room.kind === 'chat') {
    if (!(await findMemberConversation(db, room.id, user._id)))
      return { ok: false, message: SOCKET_IO_REFUSED.notMember }
    role = 'member'
  } else if (room.kind === 'conference') {
    const doc = ObjectId.isValid(room.id)
      ? await conferences(db).findOne({ _id: new ObjectId(room.id) })
      : null
    // As the ticket route: a DRAFT is not disclosed to its audience, the removed stay out.
    if (!doc || (doc.status === 'DRAFT' && conferenceRole(doc, user) === 'audience'))
      return { ok: false, message: SOCKET_IO_REFUSED.noConference }
    if (doc.removedParticipants?.includes(`user:${claims.userId}`))
      return { ok: false, message: SOCKET_IO_REFUSED.removed }
    role = conferenceRole(doc, user)
    shards = doc.audienceShards ?? UNSHARDED
  }
  // As the ticket routes build it (accountIdentity).
  const identity: RealtimeIdentity = {
    subject: claims.userId,
    kind: 'user',
    role,
    name: user.name.slice(0, 200),
    session: claims.sessionId,
  }
  // The audience's socket goes to its shard (worker/conference/shards.ts), as with a ticket.
  if (shards && role === 'audience') identity.shard = audienceShardOf(identity, shards)
  if (!(await registryAdmits(deps.env, room, identity, at)))
    return { ok: false, message: SOCKET_IO_REFUSED.ended }
  return { ok: true, identity, at }
}
