// A socket.io-client socket that tracks what the conference benchmark measures, like the native
// RoomSocket: used for the Socket.IO baseline's clients and for the Socket.IO-framed audience in a
// ConferenceRoom. The server's answers differ between the two, so interpreting acks is the caller's.
import { performance } from 'node:perf_hooks'
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client'
import type { Received } from './conference-client'

export class SioSocket {
  received = 0
  /** performance.now() when question.live arrived. */
  liveAt: number | undefined
  /** performance.now() of each room.stats event (the audience's count ticks). */
  readonly statsAt: number[] = []
  /** Set when the socket failed to connect or disconnected while the benchmark still needed it. */
  failure: string | undefined
  /** room.stats events with their arrival time, when opened with keepStats (the host). */
  readonly kept: Received[] = []
  private readonly waiters: {
    event: string
    predicate: (r: Received) => boolean
    resolve: (received: Received) => void
  }[] = []
  private closing = false

  private constructor(
    readonly socket: Socket,
    keepStats: boolean,
  ) {
    socket.onAny((event: string, payload: unknown) => {
      this.received++
      const received = { at: performance.now(), message: payload }
      if (event === 'question.live') this.liveAt ??= received.at
      if (event === 'room.stats') {
        this.statsAt.push(received.at)
        if (keepStats) this.kept.push(received)
      }
      for (const w of [...this.waiters]) {
        if (w.event === event && w.predicate(received)) {
          this.waiters.splice(this.waiters.indexOf(w), 1)
          w.resolve(received)
        }
      }
    })
    socket.on('connect_error', (error) => this.fail(`connect error: ${error.message}`))
    socket.on('disconnect', (reason) => {
      if (!this.closing) this.fail(`disconnected: ${reason}`)
    })
  }

  /**
   * Connects over the WebSocket transport (no polling first, no reconnection: a drop is a failure
   * the benchmark reports) and resolves once the server's conference.snapshot arrived.
   */
  static open(
    url: string,
    options: Partial<ManagerOptions & SocketOptions>,
    opts: { keepStats?: boolean } = {},
  ): Promise<SioSocket> {
    const client = new SioSocket(
      io(url, {
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        timeout: 30_000,
        ...options,
      }),
      opts.keepStats ?? false,
    )
    return client
      .waitFor('conference.snapshot', () => true, 30_000)
      .then(
        () => client,
        (error: Error) => {
          client.close()
          throw error
        },
      )
  }

  private fail(why: string) {
    this.failure ??= why
  }

  /** The first matching `event` to arrive (for room.stats: one already kept counts too). */
  waitFor(
    event: string,
    predicate: (r: Received) => boolean,
    timeoutMs: number,
  ): Promise<Received> {
    const seen = event === 'room.stats' ? this.kept.find(predicate) : undefined
    if (seen) return Promise.resolve(seen)
    return new Promise((resolve, reject) => {
      const waiter = {
        event,
        predicate,
        resolve: (received: Received) => {
          clearTimeout(timer)
          resolve(received)
        },
      }
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1)
        reject(
          new Error(`timed out after ${timeoutMs} ms${this.failure ? ` (${this.failure})` : ''}`),
        )
      }, timeoutMs)
      this.waiters.push(waiter)
    })
  }

  /** Emits `event` with an ack and resolves with the server's answer, whatever it says. */
  async request(event: string, payload?: unknown): Promise<any> {
    if (this.failure) throw new Error(this.failure)
    return payload === undefined
      ? this.socket.emitWithAck(event)
      : this.socket.emitWithAck(event, payload)
  }

  close() {
    this.closing = true
    this.socket.disconnect()
  }
}
