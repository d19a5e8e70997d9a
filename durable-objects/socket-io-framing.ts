// The rooms' native frames in Socket.IO terms, both ways: a client EVENT `type` with one object
// argument and an ack id is the native `{ type, rid, ...fields }`; a server message becomes the
// EVENT `type` (its `seq` as the recovery offset), and an `ack`/`error` with a rid the ack itself.
import { formatOffset } from './socket-io/recovery'
import { encodeAck, encodeEvent } from './socket-io/socket-io-packets'

/** The only namespace the rooms serve. */
export const ROOM_NAMESPACE = '/'

/**
 * The native client frame for an EVENT: the ack id plays the role of `rid`.
 * @example nativeFrame('vote', [{ questionId: 'q' }], 3) // { questionId: 'q', type: 'vote', rid: '3' }
 */
export function nativeFrame(
  event: string,
  args: readonly unknown[],
  ackId: number | null,
): { type: string; rid?: string; [field: string]: unknown } {
  // A `rid` of the client's own is dropped: only an ack id gets an answer.
  const { rid: _rid, ...fields } = isObject(args[0]) ? args[0] : {}
  return { ...fields, type: event, ...(ackId === null ? {} : { rid: String(ackId) }) }
}

/**
 * A native server message (its JSON text, as rooms serialise it once per broadcast) as one
 * Socket.IO frame: an ack answers the client's ack id, a refusal with a rid answers it with
 * `{ error }`, anything else is an EVENT named by its type.
 * @example sioFrame('{"type":"ack","rid":"3","replaced":false}') // '433[{"replaced":false}]'
 */
export function sioFrame(body: string): string {
  const { type, rid, ...fields } = JSON.parse(body) as Record<string, unknown> & { type: string }
  const ackId = typeof rid === 'string' && /^\d{1,15}$/.test(rid) ? Number(rid) : null
  if (type === 'ack' && ackId !== null) return encodeAck(ROOM_NAMESPACE, ackId, [fields])
  if (type === 'error' && ackId !== null) {
    const { code, message, details } = fields
    return encodeAck(ROOM_NAMESPACE, ackId, [
      { error: { code, message, ...(details === undefined ? {} : { details }) } },
    ])
  }
  const seq = fields.seq
  return encodeEvent(
    ROOM_NAMESPACE,
    type,
    [fields],
    typeof seq === 'number' ? { offset: formatOffset(seq) } : {},
  )
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
