// The heartbeat the server owes an Engine.IO v4 client, as decisions from timestamps, so a Durable
// Object can run it from one alarm with its sockets hibernated: the runtime answers the client's
// `3` with a `6` noop on its own (WebSocketRequestResponsePair) and records when
// (getWebSocketAutoResponseTimestamp); the alarm sends the due `2`s, closes the silent, and sets
// itself to `nextAt`.

export interface HeartbeatOptions {
  pingInterval: number
  pingTimeout: number
  /**
   * Pings due within this many ms are sent now, so that sockets drift into shared rounds and the
   * alarm fires once per round rather than once per socket. An early ping is harmless.
   */
  coalesce?: number
  /** A session that joined no namespace this long after opening is closed (the reference's connectTimeout). */
  connectTimeout?: number
}

export interface HeartbeatPeer {
  id: string
  /** When the session opened (ms). */
  openedAt: number
  /** When the last ping was sent to it; null before the first. */
  pingedAt: number | null
  /** When its last `3` arrived (the later of what the host saw and the runtime's auto-response timestamp). */
  pongAt: number | null
  /** It joined a namespace; only read with `connectTimeout`. */
  connected?: boolean
}

export interface HeartbeatPlan {
  /** Send `2` to these now and record `pingedAt = now`. */
  ping: string[]
  /** Close these: a ping unanswered for pingTimeout, or no namespace joined in time. */
  close: string[]
  /** When to run again (set the alarm); null when there is no one left. */
  nextAt: number | null
}

/** The reference server's connectTimeout. */
export const CONNECT_TIMEOUT = 45_000

/**
 * @example
 * heartbeat(60_000, [{ id: 'a', openedAt: 0, pingedAt: 25_000, pongAt: 25_010 }], { pingInterval: 25_000, pingTimeout: 20_000 })
 * // { ping: ['a'], close: [], nextAt: 80_000 }
 */
export function heartbeat(
  now: number,
  peers: Iterable<HeartbeatPeer>,
  options: HeartbeatOptions,
): HeartbeatPlan {
  const { pingInterval, pingTimeout, coalesce = 0, connectTimeout } = options
  const plan: HeartbeatPlan = { ping: [], close: [], nextAt: null }
  const wakeAt = (at: number) => {
    plan.nextAt = plan.nextAt === null ? at : Math.min(plan.nextAt, at)
  }
  for (const peer of peers) {
    const connectBy =
      connectTimeout !== undefined && !peer.connected ? peer.openedAt + connectTimeout : null
    if (connectBy !== null && now >= connectBy) {
      plan.close.push(peer.id)
      continue
    }
    const awaiting = peer.pingedAt !== null && (peer.pongAt === null || peer.pongAt < peer.pingedAt)
    if (peer.pingedAt !== null && awaiting) {
      const deadline = peer.pingedAt + pingTimeout
      if (now >= deadline) {
        plan.close.push(peer.id)
        continue
      }
      wakeAt(deadline)
    } else {
      // The next ping is due an interval after the previous one (or after the open): the client
      // allows pingInterval + pingTimeout between pings, so alarm lateness up to pingTimeout is safe.
      const due = (peer.pingedAt ?? peer.openedAt) + pingInterval
      if (due <= now + coalesce) {
        plan.ping.push(peer.id)
        // Back when the pong should be in (next ping due) or overdue, whichever comes first.
        wakeAt(now + Math.min(pingInterval, pingTimeout))
      } else {
        wakeAt(due)
      }
    }
    if (connectBy !== null) wakeAt(connectBy)
  }
  return plan
}
