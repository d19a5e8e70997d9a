// One client socket: frames incoming bytes, runs each command synchronously in arrival order,
// and writes replies, optionally delayed by a fixed latency while keeping them in order.
import type { Socket } from 'node:net'
import type { Document } from 'bson'
import { runCommand } from './commands/index.js'
import type { ConnectionCounts } from './commands/context.js'
import type { CursorRegistry } from './cursors.js'
import type { Engine } from './engine.js'
import { InvalidBsonError, ReplyTooLargeError, describe } from './errors.js'
import {
  type CommandRequest,
  MessageFramer,
  OP_MSG,
  OP_QUERY,
  type RawMessage,
  decodeCommand,
  encodeOpMsg,
  encodeOpReply,
} from './wire.js'

export interface ConnectionDeps {
  engine: Engine
  cursors: CursorRegistry
  latencyMs: number
  startedAt: number
  connections: ConnectionCounts
  log: (line: string) => void
}

let nextRequestId = 1

export class Connection {
  private readonly framer = new MessageFramer()
  // replies waiting out the simulated latency, oldest first
  private readonly delayed: { at: number; bytes: Buffer }[] = []
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly socket: Socket,
    readonly id: number,
    private readonly deps: ConnectionDeps,
  ) {
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('error', (err) => deps.log(`[mongo-dev] connection ${id} error: ${err.message}`))
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer)
    this.delayed.length = 0
    this.socket.destroy()
  }

  private onData(chunk: Buffer): void {
    let messages: RawMessage[]
    try {
      messages = this.framer.push(chunk)
    } catch (err) {
      // the byte stream can't be resynchronised after a framing error
      this.drop(describe(err))
      return
    }
    for (const msg of messages) {
      if (msg.opCode !== OP_MSG && msg.opCode !== OP_QUERY) {
        this.drop(`unsupported opCode ${msg.opCode}`)
        return
      }
      let req: CommandRequest
      try {
        req = decodeCommand(msg)
      } catch (err) {
        // the frame was intact, only its contents were not: answer this request and go on
        const error = new InvalidBsonError(describe(err), err)
        this.reply(msg.opCode === OP_QUERY, msg.requestId, error.toReply())
        continue
      }
      this.handle(req)
    }
  }

  private drop(reason: string): void {
    this.deps.log(`[mongo-dev] closing connection ${this.id}: ${reason}`)
    this.close()
  }

  private handle(req: CommandRequest): void {
    const legacy = req.opCode !== OP_MSG
    const reply = runCommand(
      req.command,
      {
        engine: this.deps.engine,
        cursors: this.deps.cursors,
        db: req.db,
        connectionId: this.id,
        startedAt: this.deps.startedAt,
        connections: this.deps.connections,
        log: this.deps.log,
      },
      legacy,
    )
    if (!req.noReply) this.reply(legacy, req.requestId, reply)
  }

  private reply(legacy: boolean, responseTo: number, reply: Document): void {
    const requestId = nextRequestId++ & 0x7fffffff
    const encode = legacy ? encodeOpReply : encodeOpMsg
    let bytes: Buffer
    try {
      bytes = encode(requestId, responseTo, reply)
    } catch (err) {
      bytes = encode(requestId, responseTo, new ReplyTooLargeError(describe(err), err).toReply())
    }
    this.send(bytes)
  }

  private send(bytes: Buffer): void {
    if (this.deps.latencyMs <= 0) {
      this.write(bytes)
      return
    }
    this.delayed.push({ at: performance.now() + this.deps.latencyMs, bytes })
    if (!this.timer) this.schedule()
  }

  private schedule(): void {
    const head = this.delayed[0]
    if (!head) {
      this.timer = undefined
      return
    }
    // timers may fire a little early; flush re-arms until the head is really due
    this.timer = setTimeout(() => this.flush(), Math.max(1, Math.ceil(head.at - performance.now())))
  }

  private flush(): void {
    const now = performance.now()
    while (this.delayed[0] && this.delayed[0].at <= now) {
      this.write((this.delayed.shift() as { bytes: Buffer }).bytes)
    }
    this.schedule()
  }

  private write(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes)
  }
}
