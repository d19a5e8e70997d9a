// The gateway's native socket into one room (a MeetingRoom, or the account's UserChannel): opened
// the way the Worker's realtime route opens one (an upgrade with the verified identity), so the room
// admits, budgets, relays and revokes it as any native socket. Frames the room sends come back as
// their JSON text, for the gateway to turn into Socket.IO events.
import type { ErrorCode } from '../shared/errors'
import { IDENTITY_HEADER, TICKET_AT_HEADER, type RealtimeIdentity } from '../shared/realtime'

/** Why a room did not take the socket: its refusal, as an ack's `{ error }`. */
export interface RelayRefusal {
  code: ErrorCode
  message: string
}

export interface RelayHandlers {
  /** A frame from the room (after its `welcome`), as the room serialised it. */
  frame(body: string): void
  /** The room closed the socket (not called when the gateway closed it). */
  closed(code: number, reason: string): void
}

interface RoomFetcher {
  fetch(input: string, init?: RequestInit): Promise<Response>
}

export class NativeRelay {
  private closing = false

  private constructor(private readonly ws: WebSocket) {}

  /**
   * Opens a socket into `room`'s object as `identity` (proven at `at`); answers the relay once the
   * room welcomed it, or the room's refusal (an upgrade answered with an error, or an `error`
   * frame in place of the welcome).
   */
  static async open(
    stub: RoomFetcher,
    room: string,
    identity: RealtimeIdentity,
    at: number,
    handlers: RelayHandlers,
  ): Promise<NativeRelay | RelayRefusal> {
    const response = await stub.fetch(`http://room/?room=${encodeURIComponent(room)}`, {
      headers: {
        upgrade: 'websocket',
        [IDENTITY_HEADER]: JSON.stringify(identity),
        [TICKET_AT_HEADER]: String(at),
      },
    })
    const ws = response.webSocket
    if (!ws) {
      const body = (await response.json().catch(() => null)) as Partial<RelayRefusal> | null
      return {
        code: body?.code ?? 'SERVICE_UNAVAILABLE',
        message: body?.message ?? 'The room did not take the connection; try again',
      }
    }
    return new Promise((resolve) => {
      let relay: NativeRelay | undefined
      let settled = false
      ws.addEventListener('message', (event) => {
        const body = typeof event.data === 'string' ? event.data : ''
        if (relay) return handlers.frame(body)
        if (settled) return
        settled = true
        const first = parseObject(body)
        if (first?.type === 'welcome') {
          relay = new NativeRelay(ws)
          return resolve(relay)
        }
        resolve({
          code: (first?.code as ErrorCode | undefined) ?? 'INTERNAL',
          message: typeof first?.message === 'string' ? first.message : 'The room refused',
        })
        ws.close(1000, 'Refused')
      })
      ws.addEventListener('close', (event) => {
        if (relay) {
          if (!relay.closing) handlers.closed(event.code, event.reason)
          return
        }
        if (settled) return
        settled = true
        resolve({
          code: 'SERVICE_UNAVAILABLE',
          message: event.reason || 'The room closed the connection',
        })
      })
      ws.accept()
    })
  }

  /** Sends a native client frame. */
  send(frame: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(frame))
  }

  /** Closes it from the gateway's side: the room sees the socket leave. */
  close(): void {
    this.closing = true
    try {
      this.ws.close(1000, 'Left')
    } catch {
      // Already closed.
    }
  }
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null
  } catch {
    return null
  }
}
