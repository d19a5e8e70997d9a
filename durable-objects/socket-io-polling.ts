// A Socket.IO session on HTTP long-polling, as the room sees it: a WebSocket-shaped member (send,
// close, readyState, the attachment) so room code keeps passing `WebSocket`s, and keeps the same
// member for the whole session even once the client upgraded to a WebSocket, to which it then
// forwards (rooms cache their members, e.g. the conference's staff sockets).
//
// Polling sessions live in the object's memory only: a held GET is a request in flight, which keeps
// the object awake, and between two polls there are milliseconds. An upgraded session's state is
// mirrored into its WebSocket's attachment, so after a hibernation that WebSocket itself is the
// member, like a socket that came over WebSocket from the start.
import { closeSession, enqueue, takePoll, type EngineSession } from './socket-io/engine-session'

export class PollingSocket {
  /** The held GET's answer, while one is held. */
  private held: ((body: string) => void) | null = null
  private flushQueued = false
  private attachment: unknown = null
  /** The WebSocket probing an upgrade, until it sends `5` or gives up. */
  probe: WebSocket | null = null
  /** The WebSocket the session upgraded to: every frame goes there from then on. */
  upgraded: WebSocket | null = null
  /** When the session ended (null while it lives). */
  endedAt: number | null = null

  /** `ended`: called once, when the session ends for whatever reason. */
  constructor(
    readonly session: EngineSession,
    private readonly ended: (socket: PollingSocket) => void,
  ) {}

  /** The member as rooms type it: it answers every WebSocket call rooms make on a member. */
  get handle(): WebSocket {
    return this as unknown as WebSocket
  }

  get readyState(): number {
    if (this.upgraded) return this.upgraded.readyState
    return this.session.closed ? WebSocket.CLOSED : WebSocket.OPEN
  }

  /**
   * Queues a frame for the next poll (sent on the upgraded WebSocket once there is one). Frames of
   * one turn of the event loop go out in one poll answer. A closed session drops what it is sent,
   * as a closing socket would: the room's close path sends a farewell that may come too late.
   */
  send(frame: string): void {
    if (this.session.closed) return
    if (this.upgraded) return this.upgraded.send(frame)
    enqueue(this.session, frame)
    if (this.flushQueued || !this.held) return
    this.flushQueued = true
    queueMicrotask(() => {
      this.flushQueued = false
      this.flush()
    })
  }

  /**
   * Ends the session: a polling client collects `1` from its held (or next) GET, an upgraded one
   * sees its WebSocket close. Called by the room (closeSocket) and by the host for every end.
   */
  close(code?: number, reason?: string): void {
    for (const ws of [this.upgraded, this.probe]) {
      try {
        ws?.close(code ?? 1000, reason)
      } catch {
        // Already closing.
      }
    }
    closeSession(this.session, 'forced close')
    this.flush()
    if (this.endedAt === null) {
      this.endedAt = Date.now()
      this.ended(this)
    }
  }

  serializeAttachment(attachment: unknown): void {
    this.attachment = attachment
    // Kept on the upgraded WebSocket as well: after a hibernation it is the member.
    this.upgraded?.serializeAttachment(attachment)
  }

  deserializeAttachment(): unknown {
    return this.attachment
  }

  /** Holds a GET that found nothing to take: it is answered by `flush` with the next frames. */
  hold(): Promise<string> {
    return new Promise((resolve) => {
      this.held = resolve
    })
  }

  /** Answers the held GET if there is something for it (frames, or the noop of an upgrade or close). */
  flush(): void {
    if (!this.held) return
    const body = takePoll(this.session)
    if (body === null) return
    const answer = this.held
    this.held = null
    answer(body)
  }

  /** Whether nothing is left to deliver: a closed session whose last poll took its `1`. */
  get drained(): boolean {
    return this.session.closed !== null && !this.held && this.session.queue.length === 0
  }
}
