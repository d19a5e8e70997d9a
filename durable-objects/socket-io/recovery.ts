// Connection state recovery (Socket.IO v4.6+) mapped onto the rooms' gap-free `seq`: every
// recoverable event carries its seq as the offset (the client keeps the last string argument of
// each event as its offset), and a reconnecting client's CONNECT carries `pid` and `offset` back.

/** A distinct prefix: the client takes the last string argument of *any* event as its offset. */
const OFFSET_PREFIX = 'seq:'

/** The offset string for a room event's seq, passed to `encodeEvent(…, { offset })`. */
export function formatOffset(seq: number): string {
  return `${OFFSET_PREFIX}${seq}`
}

/** The seq of an offset this server produced, or null (another string, or a foreign server's). */
export function parseOffset(offset: unknown): number | null {
  if (typeof offset !== 'string' || !offset.startsWith(OFFSET_PREFIX)) return null
  const digits = offset.slice(OFFSET_PREFIX.length)
  if (!/^\d{1,15}$/.test(digits)) return null
  return Number(digits)
}

export interface RecoveryRequest {
  /** The private session id the server gave in its last `40{"sid","pid"}`. */
  pid: string
  /** The seq of the last event the client received. */
  seq: number
}

/**
 * Splits a CONNECT payload into the recovery request (both `pid` and a valid `offset`, as the
 * reference requires) and the auth payload without them, which is what the host authenticates.
 */
export function splitRecovery(payload: Record<string, unknown>): {
  auth: Record<string, unknown>
  recovery: RecoveryRequest | null
} {
  const { pid, offset, ...auth } = payload
  const seq = parseOffset(offset)
  return { auth, recovery: typeof pid === 'string' && seq !== null ? { pid, seq } : null }
}
