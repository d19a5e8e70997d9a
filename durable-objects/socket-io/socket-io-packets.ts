// Socket.IO v5 packets through the official socket.io-parser, wrapped in their Engine.IO message
// frame: incoming text decoded into a closed union, outgoing packets encoded once as the frame
// string a host sends as is (one string for every socket of a broadcast).
import { Decoder, Encoder, PacketType, type Packet } from 'socket.io-parser'
import { encodeFrame } from './engine-packets'

export type SocketIoInbound =
  | { type: 'connect'; nsp: string; auth: Record<string, unknown> }
  | { type: 'event'; nsp: string; event: string; args: unknown[]; ackId: number | null }
  | { type: 'ack'; nsp: string; ackId: number; args: unknown[] }
  | { type: 'disconnect'; nsp: string }
  /** A packet with binary attachments, which this server refuses (see socket-io-connection.ts). */
  | { type: 'binary'; nsp: string; event: string | null; ackId: number | null }
  | { type: 'invalid'; reason: string }

/** Server packets carry JSON only: a Buffer or typed array in the arguments is this error. */
export class BinaryPayloadError extends Error {
  override readonly name = 'BinaryPayloadError'
}

const encoder = new Encoder()

function frame(packet: Packet): string {
  const parts = encoder.encode(packet) as unknown[]
  const [text] = parts
  if (parts.length !== 1 || typeof text !== 'string') {
    throw new BinaryPayloadError('binary arguments cannot be sent to Socket.IO clients here')
  }
  return encodeFrame({ type: 'message', data: text })
}

/**
 * Decodes one Engine.IO message's text. A fresh decoder per message keeps nothing between
 * messages (so a hibernated socket loses nothing): binary packets are refused, never reassembled.
 * Their header is still decoded by the parser, fed empty attachments, to learn the namespace,
 * event and ack id for the refusal.
 */
export function decodeSocketIo(text: string): SocketIoInbound {
  const decoder = new Decoder()
  let decoded: Packet | undefined
  decoder.on('decoded', (packet: Packet) => {
    decoded = packet
  })
  try {
    decoder.add(text)
    const binary = decoded === undefined
    // The header names how many attachments follow; the parser's maxAttachments (10) bounds this.
    for (let i = 0; binary && decoded === undefined && i <= 10; i++) decoder.add(new ArrayBuffer(0))
    if (decoded === undefined) return { type: 'invalid', reason: 'incomplete packet' }
    return binary ? refused(decoded) : inbound(decoded)
  } catch (error) {
    return { type: 'invalid', reason: error instanceof Error ? error.message : String(error) }
  } finally {
    decoder.destroy()
  }
}

function refused(packet: Packet): SocketIoInbound {
  const data: unknown = packet.data
  const first = Array.isArray(data) ? (data as unknown[])[0] : undefined
  return {
    type: 'binary',
    nsp: packet.nsp,
    event: packet.type === PacketType.EVENT && first !== undefined ? String(first) : null,
    ackId: packet.id ?? null,
  }
}

function inbound(packet: Packet): SocketIoInbound {
  const data: unknown = packet.data
  switch (packet.type) {
    case PacketType.CONNECT:
      return { type: 'connect', nsp: packet.nsp, auth: (data ?? {}) as Record<string, unknown> }
    case PacketType.DISCONNECT:
      return { type: 'disconnect', nsp: packet.nsp }
    case PacketType.EVENT: {
      const [event, ...args] = data as unknown[]
      return {
        type: 'event',
        nsp: packet.nsp,
        event: String(event),
        args,
        ackId: packet.id ?? null,
      }
    }
    case PacketType.ACK:
      if (packet.id === undefined) return { type: 'invalid', reason: 'ack without id' }
      return { type: 'ack', nsp: packet.nsp, ackId: packet.id, args: data as unknown[] }
    default:
      // CONNECT_ERROR is server-to-client only.
      return { type: 'invalid', reason: `unexpected packet type ${packet.type}` }
  }
}

/**
 * An EVENT as an Engine.IO frame. With an ack id the client answers with an ACK of that id. With
 * an offset (connection state recovery) it goes last, as the client reads its offset from there.
 * @example encodeEvent('/', 'chat', [{ text: 'hi' }]) // '42["chat",{"text":"hi"}]'
 */
export function encodeEvent(
  nsp: string,
  event: string,
  args: readonly unknown[],
  options: { ackId?: number; offset?: string } = {},
): string {
  const data = [event, ...args, ...(options.offset === undefined ? [] : [options.offset])]
  return frame({
    type: PacketType.EVENT,
    nsp,
    data,
    ...(options.ackId === undefined ? {} : { id: options.ackId }),
  })
}

/** The answer to a client's EVENT that asked for an ack. */
export function encodeAck(nsp: string, ackId: number, args: readonly unknown[]): string {
  return frame({ type: PacketType.ACK, nsp, id: ackId, data: [...args] })
}

/** A namespace joined: `40{"sid":…}` (with `pid` when connection state recovery is on). */
export function encodeConnect(nsp: string, sid: string, pid: string | null): string {
  return frame({ type: PacketType.CONNECT, nsp, data: pid === null ? { sid } : { sid, pid } })
}

/** A namespace refused: `44{"message":…}`; the client emits `connect_error` with that message. */
export function encodeConnectError(nsp: string, message: string, data?: unknown): string {
  return frame({
    type: PacketType.CONNECT_ERROR,
    nsp,
    data: data === undefined ? { message } : { message, data },
  })
}

/** The server leaves a namespace: the client emits `disconnect` with "io server disconnect". */
export function encodeDisconnect(nsp: string): string {
  return frame({ type: PacketType.DISCONNECT, nsp })
}
