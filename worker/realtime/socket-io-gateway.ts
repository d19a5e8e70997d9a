// `/socket.io/` without a room: Videodesk's clients, which choose their room after connecting
// (`join-room`). A handshake goes to a new SocketIoGateway object; the sid it hands out is that
// object's id, so the session's later requests (polling, the upgrade) reach the same object with no
// lookup. A sid that is not one of our object ids gets the reference's "Session ID unknown".
import type { Context } from 'hono'
import { routeEngineRequest } from '../../durable-objects/socket-io/engine-request'
import type { EngineReply } from '../../durable-objects/socket-io/engine-errors'
import { IDENTITY_HEADER, TICKET_AT_HEADER, type RealtimeIdentity } from '../../shared/realtime'
import { acceptLegacyAccess } from '../auth/legacy-access'
import { InvalidAccessTokenError, verifyAccessToken, type AccessClaims } from '../auth/tokens'
import type { AppEnv, Bindings } from '../env'
import { AppError } from '../errors'
import { handshakeCredential } from './socket-io-credential'

/** A Durable Object id's string form: what the gateway hands out as its sid. */
const OBJECT_ID = /^[0-9a-f]{64}$/

export async function gatewayRequest(c: Context<AppEnv>): Promise<Response> {
  const namespace = (c.env as Partial<Bindings>).SOCKET_IO_GATEWAY
  if (!namespace) throw new AppError('SERVICE_UNAVAILABLE', 'Realtime rooms are not available here')
  const request = c.req.raw
  const url = new URL(request.url)
  const sid = url.searchParams.get('sid')
  let id: DurableObjectId | undefined
  if (sid === null) {
    // A bad handshake is refused here, before it makes an object.
    const refusal = engineRefusal(request)
    if (refusal) return refusal
    id = namespace.newUniqueId()
  } else {
    id = sessionObjectId(namespace, sid)
    if (!id) return engineRefusal(request)!
  }
  const headers = new Headers(request.headers)
  headers.delete(IDENTITY_HEADER)
  headers.delete(TICKET_AT_HEADER)
  if (sid === null) {
    // The account the handshake's credential names; the gateway checks its session at CONNECT.
    const account = await handshakeAccount(c)
    if (account) {
      headers.set(IDENTITY_HEADER, JSON.stringify(account))
      headers.set(TICKET_AT_HEADER, String(Date.now()))
    }
  }
  // A polling POST's body is read first (bodySize caps it): see routes/socket-io.ts.
  const body = request.method === 'POST' ? await request.arrayBuffer() : null
  return namespace.get(id).fetch(new Request(url, { method: request.method, headers, body }))
}

/** The reference's refusal of this request when no session matches its sid (none for a handshake). */
function engineRefusal(request: Request): Response | undefined {
  const route = routeEngineRequest(
    {
      method: request.method,
      url: request.url,
      upgrade: request.headers.get('upgrade')?.toLowerCase() === 'websocket',
    },
    () => undefined,
  )
  return route.kind === 'error' ? reply(route.reply) : undefined
}

function reply({ status, headers, body }: EngineReply): Response {
  return new Response(body, { status, headers })
}

/** The gateway object a sid names, or undefined when it cannot be one of ours. */
function sessionObjectId(
  namespace: NonNullable<Bindings['SOCKET_IO_GATEWAY']>,
  sid: string,
): DurableObjectId | undefined {
  if (!OBJECT_ID.test(sid)) return undefined
  try {
    return namespace.idFromString(sid)
  } catch {
    return undefined
  }
}

/**
 * The account of the access token in the `token` query parameter, the `Authorization` header or
 * the `token` cookie (the old clients' order), by its signature and expiry; null without one.
 */
async function handshakeAccount(c: Context<AppEnv>): Promise<RealtimeIdentity | null> {
  const token = handshakeCredential(c)
  if (!token) return null
  let claims: AccessClaims
  try {
    claims = await verifyAccessToken(c.get('config').JWT_SECRET, token)
  } catch {
    // During a cut-over, an old system's token: the session it stands for, as REST opens it.
    try {
      const { database, now } = c.get('services')
      const opts = { device: { name: 'old access token (socket)' }, now: now(), replace: false }
      claims = (await acceptLegacyAccess(() => database.db(), c.get('config'), token, opts)).claims
    } catch (error) {
      if (error instanceof InvalidAccessTokenError) return null
      throw error
    }
  }
  return { subject: claims.userId, kind: 'user', role: claims.role, session: claims.sessionId }
}
