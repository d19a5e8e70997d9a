// Invalid socket frames: the same one-fault-at-a-time generation as for HTTP bodies, from each
// room's zod message union (through z.toJSONSchema), plus the frame-level faults every room must
// answer (not JSON, not an object, no type, unknown type, oversize, binary).
import { z } from 'zod'
import { MAX_CLIENT_FRAME_BYTES } from '../../../../shared/realtime'
import type { TestSocket } from '../../../harness/ws'
import { FUZZ_MARK, objectFaults, sample } from './bad-inputs'
import type { JsonSchema } from './openapi'

export interface BadFrame {
  label: string
  /** Text sent as is, or a Buffer sent as a binary frame. */
  data: string | Buffer
}

/** The variants of a message union, keyed by their `type`. */
export function variants(schema: z.ZodType): Map<string, JsonSchema> {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema
  const list = json.oneOf ?? json.anyOf ?? [json]
  return new Map(list.map((v) => [String(v.properties!.type!.const), v]))
}

/** A valid frame of one variant, with the given ids filled in where the variant has them. */
export function validFrame(variant: JsonSchema, fill: Record<string, unknown> = {}) {
  const base = sample(variant) as Record<string, unknown>
  for (const [k, v] of Object.entries(fill)) if (variant.properties?.[k]) base[k] = v
  return base
}

export function messageFaults(
  schema: z.ZodType,
  fill: Record<string, unknown> = {},
): (BadFrame & { type: string })[] {
  const out: (BadFrame & { type: string })[] = []
  for (const [type, variant] of variants(schema)) {
    for (const fault of objectFaults(variant, validFrame(variant, fill), `${type}.`)) {
      if (fault.label === `${type}.type: missing`) continue // a frame-level fault, below
      out.push({ type, label: fault.label, data: JSON.stringify(fault.value) })
    }
  }
  return out
}

export const FRAME_FAULTS: BadFrame[] = [
  { label: 'not JSON', data: `{"${FUZZ_MARK}":` },
  { label: 'JSON null', data: 'null' },
  { label: 'JSON array', data: '[]' },
  { label: 'JSON string', data: '"ping"' },
  { label: 'no type', data: JSON.stringify({ rid: 'r' }) },
  { label: 'type not a string', data: JSON.stringify({ type: 42 }) },
  { label: 'type operator object', data: JSON.stringify({ type: { $ne: null } }) },
  { label: 'type too long', data: JSON.stringify({ type: 'x'.repeat(65) }) },
  { label: 'unknown type', data: JSON.stringify({ type: `${FUZZ_MARK}.unknown`, rid: 'u' }) },
  { label: 'rid operator object', data: JSON.stringify({ type: 'ping', rid: { $gt: '' } }) },
  { label: 'ping with unknown field', data: JSON.stringify({ type: 'ping', [FUZZ_MARK]: 1 }) },
  {
    label: 'oversize frame',
    data: JSON.stringify({ type: 'ping', pad: 'x'.repeat(MAX_CLIENT_FRAME_BYTES + 1) }),
  },
  { label: 'deeply nested', data: `${'['.repeat(4000)}${']'.repeat(4000)}` },
  { label: 'binary frame', data: Buffer.from(JSON.stringify({ type: 'ping' })) },
]

/** Sends one frame and answers the room's reply to it: an error, or an ack (an accept). */
export async function reply(socket: TestSocket, frame: BadFrame) {
  socket.ws.send(frame.data)
  return socket.next((m) => m.type === 'error' || m.type === 'ack' || m.type === 'pong', 5000)
}
