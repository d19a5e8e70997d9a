// Socket.IO v5 over one Engine.IO session: namespaces joined with a host-checked `auth` payload,
// events and acks handed to the host as actions, connection state recovery requests passed to the
// host's replay hook. State is plain data (it fits a WebSocket attachment); the host applies the
// actions, and awaits each call before the next message of the same connection.
import type { EngineMessage } from './engine-session'
import { randomId } from './engine-session'
import { splitRecovery, type RecoveryRequest } from './recovery'
import {
  decodeSocketIo,
  encodeAck,
  encodeConnect,
  encodeConnectError,
  encodeDisconnect,
  encodeEvent,
} from './socket-io-packets'

export interface NamespaceSocket<Identity> {
  /** The socket's id in this namespace (`socket.id` on the client); never the Engine.IO sid. */
  sid: string
  /** The private id a recovering client sends back; null when recovery is off. */
  pid: string | null
  identity: Identity
}

export interface SocketIoState<Identity> {
  namespaces: Record<string, NamespaceSocket<Identity>>
  /** Namespaces whose CONNECT is being authenticated. */
  joining: string[]
}

export type AuthResult<Identity> =
  { ok: true; identity: Identity } | { ok: false; message: string; data?: unknown }

export interface SocketIoHost<Identity, Handshake> {
  /**
   * Checks a CONNECT: the namespace, its `auth` payload (without `pid`/`offset`) and what the host
   * kept of the Engine.IO handshake (query, headers, cookies). A refusal's message reaches the
   * client's `connect_error`; refuse an unknown namespace with INVALID_NAMESPACE as the reference does.
   */
  authenticate(
    nsp: string,
    auth: Record<string, unknown>,
    handshake: Handshake,
  ): Promise<AuthResult<Identity>>
  /**
   * Connection state recovery is on: each socket gets a pid. A client coming back with its pid and
   * offset is offered here (after authentication); true means the host will replay the events after
   * `seq` once it has sent the CONNECT answer (on the `connected` action), and the socket keeps its pid.
   */
  recover?(nsp: string, identity: Identity, request: RecoveryRequest): Promise<boolean>
}

export type SocketIoAction<Identity> =
  /** Send this frame to the connection. */
  | { type: 'send'; frame: string }
  /** A namespace was joined; `recovered` is set when the host accepted a recovery (replay now). */
  | {
      type: 'connected'
      nsp: string
      socket: NamespaceSocket<Identity>
      recovered: RecoveryRequest | null
    }
  /** An event for the app; answer `ackId` (when set) with `encodeAck`. */
  | {
      type: 'event'
      nsp: string
      socket: NamespaceSocket<Identity>
      event: string
      args: unknown[]
      ackId: number | null
    }
  /** The client's answer to a server event sent with `ackId`. */
  | { type: 'ack'; nsp: string; ackId: number; args: unknown[] }
  | { type: 'disconnected'; nsp: string; socket: NamespaceSocket<Identity> }
  /** Close the Engine.IO session: a malformed packet, or one the namespace state does not allow. */
  | { type: 'close'; reason: 'parse error' | 'invalid state' }

/** The reference server's refusal of a namespace nobody serves. */
export const INVALID_NAMESPACE = 'Invalid namespace'

/** What a client gets for a binary packet: an `error` event with this, and its ack answered with it. */
export const BINARY_REFUSED = 'Binary payloads are not supported: send JSON'

export function newSocketIoState<Identity>(): SocketIoState<Identity> {
  return { namespaces: {}, joining: [] }
}

/**
 * One Engine.IO message of this connection, as actions for the host.
 * @example
 * const actions = await receiveSocketIo(state, '40{"token":"t"}', host, handshake)
 * // [{ type: 'send', frame: '40{"sid":"…"}' }, { type: 'connected', nsp: '/', … }]
 */
export async function receiveSocketIo<Identity, Handshake>(
  state: SocketIoState<Identity>,
  message: EngineMessage,
  host: SocketIoHost<Identity, Handshake>,
  handshake: Handshake,
): Promise<SocketIoAction<Identity>[]> {
  // Binary messages are the attachments of a binary packet, already refused with its header.
  if (typeof message !== 'string') return []
  const packet = decodeSocketIo(message)
  if (packet.type === 'invalid') return [{ type: 'close', reason: 'parse error' }]
  const socket = state.namespaces[packet.nsp]
  if (packet.type === 'connect') {
    if (socket || state.joining.includes(packet.nsp))
      return [{ type: 'close', reason: 'invalid state' }]
    return join(state, packet.nsp, packet.auth, host, handshake)
  }
  // Like the reference, a packet for a namespace the client has not joined ends the connection.
  if (!socket) return [{ type: 'close', reason: 'invalid state' }]
  switch (packet.type) {
    case 'event':
      return [
        {
          type: 'event',
          nsp: packet.nsp,
          socket,
          event: packet.event,
          args: packet.args,
          ackId: packet.ackId,
        },
      ]
    case 'ack':
      return [{ type: 'ack', nsp: packet.nsp, ackId: packet.ackId, args: packet.args }]
    case 'disconnect':
      delete state.namespaces[packet.nsp]
      return [{ type: 'disconnected', nsp: packet.nsp, socket }]
    case 'binary': {
      const refusal = { message: BINARY_REFUSED, event: packet.event }
      const actions: SocketIoAction<Identity>[] = [
        { type: 'send', frame: encodeEvent(packet.nsp, 'error', [refusal]) },
      ]
      if (packet.ackId !== null && packet.event !== null) {
        actions.push({
          type: 'send',
          frame: encodeAck(packet.nsp, packet.ackId, [{ error: refusal }]),
        })
      }
      return actions
    }
  }
}

async function join<Identity, Handshake>(
  state: SocketIoState<Identity>,
  nsp: string,
  payload: Record<string, unknown>,
  host: SocketIoHost<Identity, Handshake>,
  handshake: Handshake,
): Promise<SocketIoAction<Identity>[]> {
  const { auth, recovery } = splitRecovery(payload)
  state.joining.push(nsp)
  try {
    const result = await host.authenticate(nsp, auth, handshake)
    if (!result.ok)
      return [{ type: 'send', frame: encodeConnectError(nsp, result.message, result.data) }]
    const recovered =
      host.recover && recovery && (await host.recover(nsp, result.identity, recovery))
        ? recovery
        : null
    const socket: NamespaceSocket<Identity> = {
      sid: randomId(),
      pid: host.recover ? (recovered?.pid ?? randomId()) : null,
      identity: result.identity,
    }
    state.namespaces[nsp] = socket
    return [
      { type: 'send', frame: encodeConnect(nsp, socket.sid, socket.pid) },
      { type: 'connected', nsp, socket, recovered },
    ]
  } finally {
    state.joining = state.joining.filter((name) => name !== nsp)
  }
}

/** The server removes the socket from a namespace: the frame to send, or null if it had not joined. */
export function leaveNamespace<Identity>(
  state: SocketIoState<Identity>,
  nsp: string,
): string | null {
  if (!state.namespaces[nsp]) return null
  delete state.namespaces[nsp]
  return encodeDisconnect(nsp)
}
