// Routes a request under `/socket.io/` the way the reference Engine.IO server verifies it: a new
// session (polling GET or WebSocket), a poll, a POST, an upgrade of a polling session, or the
// reference's refusal for that case. Checks run in the reference's order, so a request with two
// faults gets the same answer it got from the old servers.
import {
  bareReply,
  engineErrorReply,
  upgradeErrorReply,
  type EngineErrorName,
  type EngineReply,
} from './engine-errors'
import type { EngineSession, EngineTransport } from './engine-session'

/** The path the old clients use (socket.io-client's default `path`). */
export const ENGINE_PATH = '/socket.io/'

/** What the host knows of an incoming request. */
export interface EngineHttpRequest {
  method: string
  /** The full URL or path with its query (`/socket.io/?EIO=4&transport=polling&sid=…`). */
  url: string
  /** It asks for a WebSocket (`Upgrade: websocket`). */
  upgrade: boolean
}

export type EngineRoute =
  /** Open a session: answer the GET with the open frame, or accept the WebSocket and send it. */
  | { kind: 'handshake'; transport: EngineTransport }
  /** A GET on a polling session (`beginPoll`). */
  | { kind: 'poll'; session: EngineSession }
  /** A POST on a polling session (`beginPost`, then `finishPost`). */
  | { kind: 'post'; session: EngineSession }
  /** A WebSocket for a polling session: accept it as the probe socket (`beginUpgrade`). */
  | { kind: 'upgrade'; session: EngineSession }
  /** The reference accepts this WebSocket and closes it at once (an upgrade already under way or done). */
  | { kind: 'accept-and-close' }
  | { kind: 'error'; reply: EngineReply }

const TRANSPORTS: readonly string[] = ['polling', 'websocket'] satisfies EngineTransport[]

/**
 * @example
 * routeEngineRequest({ method: 'GET', url: '/socket.io/?EIO=4&transport=polling', upgrade: false }, find)
 * // { kind: 'handshake', transport: 'polling' }
 */
export function routeEngineRequest(
  request: EngineHttpRequest,
  findSession: (sid: string) => EngineSession | undefined,
): EngineRoute {
  const query = new URL(request.url, 'http://localhost').searchParams
  const transport = query.get('transport') ?? ''
  const sid = query.get('sid')
  const refuse = (name: EngineErrorName): EngineRoute => ({
    kind: 'error',
    reply: request.upgrade ? upgradeErrorReply(name) : engineErrorReply(name),
  })
  if (!TRANSPORTS.includes(transport)) return refuse('UNKNOWN_TRANSPORT')
  // Every session here speaks v4: a sid with another EIO is the reference's PROTOCOL_MISMATCH.
  const v4 = query.get('EIO') === '4'
  if (sid) {
    const session = findSession(sid)
    if (!session) return refuse('UNKNOWN_SID')
    if (!request.upgrade && session.transport !== transport) return refuse('BAD_REQUEST')
    if (!v4) return refuse('BAD_REQUEST')
    if (request.upgrade) {
      const fresh = transport === 'websocket' && session.transport === 'polling'
      return fresh && session.upgrade === 'none'
        ? { kind: 'upgrade', session }
        : { kind: 'accept-and-close' }
    }
    if (request.method === 'GET') return { kind: 'poll', session }
    if (request.method === 'POST') return { kind: 'post', session }
    return { kind: 'error', reply: bareReply(500) }
  }
  if (request.method !== 'GET') return refuse('BAD_HANDSHAKE_METHOD')
  if (transport === 'websocket' && !request.upgrade) return refuse('BAD_REQUEST')
  if (!v4) return refuse('UNSUPPORTED_PROTOCOL_VERSION')
  // A WebSocket that says transport=polling: the reference accepts it and closes it.
  if (request.upgrade && transport !== 'websocket') return { kind: 'accept-and-close' }
  return { kind: 'handshake', transport: request.upgrade ? 'websocket' : 'polling' }
}
