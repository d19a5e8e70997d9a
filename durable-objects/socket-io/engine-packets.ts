// Engine.IO framing through the official engine.io-parser: one frame per WebSocket message, and
// `\x1e`-joined payloads (binary as base64 `b…`) for HTTP long-polling.
import { decodePacket, decodePayload, encodePacket, type Packet } from 'engine.io-parser'

export type { Packet as EnginePacket }

/** engine.io-parser's record separator between the packets of a polling payload. */
const SEPARATOR = '\x1e'

/**
 * One Engine.IO packet as the text frame sent on a WebSocket or queued for a poll.
 * @example encodeFrame({ type: 'message', data: '2["hi"]' }) // '42["hi"]'
 */
export function encodeFrame(packet: Packet): string {
  let frame: string | undefined
  // The parser answers through a callback; for text it calls back at once (only browser Blobs,
  // which no server sends, would call back later).
  encodePacket(packet, false, (encoded: string) => {
    frame = encoded
  })
  if (frame === undefined) throw new TypeError('engine.io-parser did not encode the packet at once')
  return frame
}

/**
 * The body of a poll answer from frames already encoded by `encodeFrame`. The queue holds encoded
 * frames so that a broadcast is encoded once for all its sockets; joining them is what
 * engine.io-parser's encodePayload produces for text packets (engine-packets.test.ts checks it).
 */
export function encodePollBody(frames: readonly string[]): string {
  return frames.join(SEPARATOR)
}

/** The packets of a POST body; a malformed packet decodes as `{ type: 'error' }` and ends the list. */
export function decodePollBody(body: string): Packet[] {
  return decodePayload(body, 'arraybuffer')
}

/** One WebSocket message: text is an Engine.IO packet, binary is a message packet's data. */
export function decodeFrame(data: string | ArrayBuffer): Packet {
  return decodePacket(data, 'arraybuffer')
}
