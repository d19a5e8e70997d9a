// One Engine.IO v4 session as plain data and the transitions a host applies to it: the polling
// queue and the one-GET/one-POST rule, the probe/upgrade to WebSocket, incoming packets. No timers
// and no I/O: the host (a Durable Object, or the Node test host) holds the requests and sockets,
// and keeps the session in memory or, for a WebSocket, in the socket's attachment.
import { bareReply, type EngineReply } from './engine-errors'
import {
  decodeFrame,
  decodePollBody,
  encodeFrame,
  encodePollBody,
  type EnginePacket,
} from './engine-packets'

export type EngineTransport = 'polling' | 'websocket'

export interface EngineOptions {
  /** How often the server pings (ms). */
  pingInterval: number
  /** How long a ping may go unanswered before the session is closed (ms). */
  pingTimeout: number
  /** Largest POST body or WebSocket message accepted (bytes), announced in the handshake. */
  maxPayload: number
}

/** The reference server's defaults, which the old clients were built against. */
export const ENGINE_DEFAULTS: EngineOptions = {
  pingInterval: 25_000,
  pingTimeout: 20_000,
  maxPayload: 1_000_000,
}

/** The close packet a server-side close queues for a polling client. */
const CLOSE_FRAME = encodeFrame({ type: 'close' })

/**
 * Why a session ended, in the reference server's words (a client logs them as `disconnect` reasons
 * of its own, so these are for the host's logs).
 */
export type CloseReason =
  'transport close' | 'transport error' | 'parse error' | 'ping timeout' | 'forced close'

export interface EngineSession {
  id: string
  transport: EngineTransport
  /**
   * 'none'; 'opened' once a WebSocket came for this polling session; 'probed' once its `2probe`
   * was answered (polls are then released with a noop so the client can pause polling); 'done'.
   */
  upgrade: 'none' | 'opened' | 'probed' | 'done'
  /** Frames waiting for the next poll (polling only), already encoded. */
  queue: string[]
  /** A GET is held, waiting for frames. */
  polling: boolean
  /** A POST is being read. */
  posting: boolean
  openedAt: number
  /** When the last ping was sent; null before the first. */
  pingedAt: number | null
  /** When the last pong arrived; for a hibernated WebSocket the host reads the runtime's timestamp. */
  pongAt: number | null
  closed: CloseReason | null
}

/** A message for the layer above (Socket.IO): text, or binary data (an attachment). */
export type EngineMessage = string | ArrayBuffer

/** What the host must do after the session received something. */
export interface EngineOutcome {
  /** Frames to send on the WebSocket the input came from, in order. */
  send: string[]
  /** Messages for Socket.IO, in order. */
  messages: EngineMessage[]
  /** The held GET may be answerable now: call `takePoll`. */
  wakePoll: boolean
  /** Set when the session ended: the host closes its transports and forgets it. */
  close: CloseReason | null
}

/** 15 random bytes as 20 URL-safe characters, like the reference's base64id. */
export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(15))
  return btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
}

/**
 * A new session and its `open` frame (`0{"sid",…}`): the host sends it as the first WebSocket
 * message, or answers the handshake GET with it (`pollReply`).
 */
export function openSession(
  transport: EngineTransport,
  now: number,
  options: EngineOptions,
  id: string = randomId(),
): { session: EngineSession; frame: string } {
  const session: EngineSession = {
    id,
    transport,
    upgrade: 'none',
    queue: [],
    polling: false,
    posting: false,
    openedAt: now,
    pingedAt: null,
    pongAt: null,
    closed: null,
  }
  const handshake = {
    sid: id,
    upgrades: transport === 'polling' ? ['websocket'] : [],
    pingInterval: options.pingInterval,
    pingTimeout: options.pingTimeout,
    maxPayload: options.maxPayload,
  }
  return { session, frame: encodeFrame({ type: 'open', data: JSON.stringify(handshake) }) }
}

const outcome = (): EngineOutcome => ({ send: [], messages: [], wakePoll: false, close: null })

function end(session: EngineSession, result: EngineOutcome, reason: CloseReason): EngineOutcome {
  session.closed = reason
  result.close = reason
  result.wakePoll = true
  return result
}

/** Queues frames for the next poll. Afterwards call `takePoll` to answer a held GET. */
export function enqueue(session: EngineSession, ...frames: string[]): void {
  session.queue.push(...frames)
}

/**
 * A server-side close. A polling client is told with a `1` on its next poll; a WebSocket client by
 * the socket closing, which the host does.
 */
export function closeSession(session: EngineSession, reason: CloseReason): void {
  if (session.closed) return
  session.closed = reason
  if (session.transport === 'polling' && session.upgrade !== 'done') {
    session.queue.push(CLOSE_FRAME)
  }
}

/**
 * A GET arrived. Either it is answered at once (`body`), or the host holds it and calls
 * `takePoll` whenever something was queued or `wakePoll` was set. A second GET while one is held
 * ends the session (the held one gets `1`) and is refused with a bare 400, as the reference does.
 */
export function beginPoll(
  session: EngineSession,
): { ok: true; body: string | null } | { ok: false; reply: EngineReply; close: CloseReason } {
  if (session.polling) {
    closeSession(session, 'transport error')
    return { ok: false, reply: bareReply(400), close: 'transport error' }
  }
  session.polling = true
  return { ok: true, body: takePoll(session) }
}

/**
 * The body for the held GET, or null to keep holding it. Queued frames go first; with nothing
 * queued, a noop releases the GET once an upgrade is probed or done (the client pauses polling
 * before it sends `5`) or once the session is closed. The close packet goes in an answer of its
 * own after the frames queued before it, as the reference's does: socket.io-client handles the
 * packets it decodes a tick late, so a DISCONNECT sharing an answer with the `1` would come after
 * the close and the client would take it for a lost connection and reconnect.
 */
export function takePoll(session: EngineSession): string | null {
  if (!session.polling) return null
  let body: string | null = null
  if (session.queue.length > 0) {
    const closeAt = session.closed ? session.queue.indexOf(CLOSE_FRAME) : -1
    body = encodePollBody(session.queue.splice(0, closeAt > 0 ? closeAt : session.queue.length))
  } else if (session.upgrade === 'probed' || session.upgrade === 'done' || session.closed) {
    body = encodeFrame({ type: 'noop' })
  }
  if (body !== null) session.polling = false
  return body
}

/** The answer to a GET: the payload as text, never cached. */
export function pollReply(body: string): EngineReply {
  return {
    status: 200,
    headers: { 'Content-Type': 'text/plain; charset=UTF-8', 'Cache-Control': 'no-store' },
    body,
  }
}

/**
 * A POST arrived, before its body is read: refuses a second concurrent POST and binary content
 * (both end the session, as in the reference) and a declared length over maxPayload (413).
 * When it returns null the host reads the body and calls `finishPost`.
 */
export function beginPost(
  session: EngineSession,
  request: { contentType: string | null; contentLength: number | null },
  options: EngineOptions,
): { reply: EngineReply; close: CloseReason | null } | null {
  if (session.posting || request.contentType === 'application/octet-stream') {
    closeSession(session, 'transport error')
    return { reply: bareReply(400), close: 'transport error' }
  }
  if (request.contentLength !== null && request.contentLength > options.maxPayload) {
    return { reply: bareReply(413), close: null }
  }
  session.posting = true
  return null
}

/** The body of a POST: its packets applied, and the `ok` answer (413 if it was too large after all). */
export function finishPost(
  session: EngineSession,
  body: string,
  now: number,
  options: EngineOptions,
): { reply: EngineReply; outcome: EngineOutcome } {
  session.posting = false
  if (new TextEncoder().encode(body).byteLength > options.maxPayload) {
    return { reply: bareReply(413), outcome: outcome() }
  }
  const result = outcome()
  // A closed session only waits for its last poll to collect the `1`.
  for (const packet of session.closed ? [] : decodePollBody(body)) {
    if (applyPacket(session, packet, now, result).close) break
  }
  return {
    reply: {
      status: 200,
      headers: { 'Content-Type': 'text/html', 'Cache-Control': 'no-store' },
      body: 'ok',
    },
    outcome: result,
  }
}

/** A WebSocket was accepted for this polling session: the probe may begin. */
export function beginUpgrade(session: EngineSession): void {
  session.upgrade = 'opened'
}

/**
 * A message on the session's own WebSocket. The runtime answers `3` itself on a hibernated socket
 * (the host then reads its timestamp); a `3` that still comes here counts too.
 */
export function receiveWebSocket(
  session: EngineSession,
  data: string | ArrayBuffer,
  now: number,
  options: EngineOptions,
): EngineOutcome {
  const result = outcome()
  if (session.closed) return result
  const size =
    typeof data === 'string' ? new TextEncoder().encode(data).byteLength : data.byteLength
  if (size > options.maxPayload) return end(session, result, 'transport error')
  return applyPacket(session, decodeFrame(data), now, result)
}

/** What the host does after a message on the probe WebSocket of an upgrading session. */
export interface ProbeOutcome {
  /** Frames to send on the probe socket. */
  send: string[]
  /** The held GET may be answerable now: call `takePoll`. */
  wakePoll: boolean
  /** The probe socket is now the session's socket (frames queued for polling are in `send`). */
  upgraded: boolean
  /** The upgrade failed: close the probe socket; the session goes on polling. */
  abort: boolean
}

/** A message on the probe socket: `2probe` → `3probe` (and polls are released), then `5`. */
export function receiveProbe(session: EngineSession, data: string | ArrayBuffer): ProbeOutcome {
  const result: ProbeOutcome = { send: [], wakePoll: false, upgraded: false, abort: false }
  const packet = decodeFrame(data)
  if (session.closed) {
    result.abort = true
  } else if (packet.type === 'ping' && packet.data === 'probe' && session.upgrade === 'opened') {
    session.upgrade = 'probed'
    result.send.push(encodeFrame({ type: 'pong', data: 'probe' }))
    result.wakePoll = true
  } else if (packet.type === 'upgrade' && session.upgrade === 'probed') {
    session.upgrade = 'done'
    session.transport = 'websocket'
    result.send.push(...session.queue)
    session.queue = []
    result.wakePoll = true
    result.upgraded = true
  } else {
    session.upgrade = 'none'
    result.abort = true
  }
  return result
}

/** A WebSocket of this session closed: the session's own ends it; a probe socket's only the upgrade. */
export function webSocketClosed(session: EngineSession, wasProbe: boolean): EngineOutcome {
  const result = outcome()
  if (wasProbe) {
    if (session.upgrade !== 'done') session.upgrade = 'none'
    return result
  }
  if (session.closed) return result
  return end(session, result, 'transport close')
}

function applyPacket(
  session: EngineSession,
  packet: EnginePacket,
  now: number,
  result: EngineOutcome,
): EngineOutcome {
  switch (packet.type) {
    case 'pong':
      session.pongAt = now
      break
    case 'message':
      result.messages.push(packet.data as EngineMessage)
      break
    case 'close':
      return end(session, result, 'transport close')
    case 'noop':
      break
    case 'error':
      return end(session, result, 'parse error')
    default:
      // A client `2` (heartbeat direction of v3), `0`, `5` outside an upgrade: protocol errors.
      return end(session, result, 'transport error')
  }
  return result
}
