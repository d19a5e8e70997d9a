// WebSocket clients for room tests: open one or many, and await the next message that matches.
import { randomBytes } from 'node:crypto'
import type { Socket } from 'node:net'
import { vi } from 'vitest'
import WebSocket from 'ws'

export interface TestSocket {
  ws: WebSocket
  /** Every parsed message received so far, in order. */
  messages: any[]
  send(message: unknown): void
  /** Resolves with the first message (already received or future) matching `predicate`. */
  next(predicate?: (m: any) => boolean, timeoutMs?: number): Promise<any>
  close(): Promise<void>
  /**
   * Resolves with the code of the close frame the server sent, as soon as it arrives (the `close`
   * event waits for the TCP teardown too, which the local runtime may hold for seconds).
   */
  closedByServer(timeoutMs?: number): Promise<number>
  /**
   * Writes `message` on the raw connection as one masked text frame, as a client sends it,
   * bypassing `ws`'s own state (see `sendWhenServerCloses`).
   */
  sendRaw(message: unknown): void
  /**
   * Sends `message` the moment the server's close frame arrives, before the client answers it, as
   * a client that had the frame in flight would. `ws` drops whatever is sent once it has had the
   * close frame, so a frame sent after `closedByServer` resolves never leaves the client; this one
   * is written on the raw connection, and reaches the server after its close frame went out and
   * before the client's. Answers whether it has been written (only ever once the close arrived).
   */
  sendWhenServerCloses(message: unknown): { readonly written: boolean }
}

/** `message` as one masked text frame (RFC 6455 §5.2): what a client writes for `ws.send`. */
function maskedTextFrame(message: unknown): Buffer {
  const payload = Buffer.from(typeof message === 'string' ? message : JSON.stringify(message))
  const n = payload.length
  const lengthBytes = n < 126 ? 0 : n < 0x10000 ? 2 : 8
  const header = Buffer.alloc(2 + lengthBytes + 4)
  header[0] = 0x81 // FIN, text
  if (lengthBytes === 0) header[1] = 0x80 | n
  else if (lengthBytes === 2) {
    header[1] = 0x80 | 126
    header.writeUInt16BE(n, 2)
  } else {
    header[1] = 0x80 | 127
    header.writeBigUInt64BE(BigInt(n), 2)
  }
  const mask = randomBytes(4)
  mask.copy(header, 2 + lengthBytes)
  for (let i = 0; i < n; i++) payload[i]! ^= mask[i & 3]!
  return Buffer.concat([header, payload])
}

export function openSocket(url: string): Promise<TestSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url)
    const messages: any[] = []
    const waiters: { predicate: (m: any) => boolean; resolve: (m: any) => void }[] = []
    let cursor = 0
    ws.on('message', (data) => {
      const message = JSON.parse(String(data))
      messages.push(message)
      for (const w of [...waiters]) {
        if (w.predicate(message)) {
          waiters.splice(waiters.indexOf(w), 1)
          w.resolve(message)
        }
      }
    })
    ws.once('unexpected-response', (_req, res) => {
      let text = ''
      res.on('data', (chunk) => (text += chunk))
      res.on('end', () =>
        reject(
          Object.assign(new Error(`upgrade refused: ${res.statusCode}`), {
            status: res.statusCode,
            body: text,
          }),
        ),
      )
    })
    ws.once('error', reject)
    // `ws` internals: the raw connection, and whether the server's close frame has arrived.
    const raw = ws as unknown as { _socket: Socket; _closeFrameReceived: boolean }
    ws.once('open', () =>
      resolve({
        ws,
        messages,
        send: (message) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
        next(predicate = () => true, timeoutMs = 5000) {
          for (let i = cursor; i < messages.length; i++) {
            if (predicate(messages[i])) {
              cursor = i + 1
              return Promise.resolve(messages[i])
            }
          }
          return new Promise((res, rej) => {
            const timer = setTimeout(
              () => rej(new Error('timed out waiting for a socket message')),
              timeoutMs,
            )
            waiters.push({
              predicate,
              resolve: (m) => {
                clearTimeout(timer)
                cursor = messages.length
                res(m)
              },
            })
          })
        },
        closedByServer: (timeoutMs = 5000) => {
          // `ws` records a received close frame's code here before it answers the frame.
          const received = ws as unknown as { _closeFrameReceived: boolean; _closeCode: number }
          return vi.waitFor(
            () => {
              if (!received._closeFrameReceived)
                throw new Error('the server did not close the socket')
              return received._closeCode
            },
            { timeout: timeoutMs, interval: 10 },
          )
        },
        sendRaw: (message) => void raw._socket.write(maskedTextFrame(message)),
        sendWhenServerCloses(message) {
          const state = { written: false }
          // On the server's close frame `ws` calls `close()` on the instance to answer it: the
          // frame goes out just before that answer. A close the client starts writes nothing.
          const close = ws.close
          ws.close = function (this: WebSocket, ...args: Parameters<WebSocket['close']>) {
            ws.close = close
            if (raw._closeFrameReceived && ws.readyState === WebSocket.OPEN) {
              raw._socket.write(maskedTextFrame(message))
              state.written = true
            }
            return close.apply(this, args)
          }
          return state
        },
        close: () =>
          new Promise<void>((res) => {
            if (ws.readyState === WebSocket.CLOSED) return res()
            ws.once('close', () => res())
            ws.close()
          }),
      }),
    )
  })
}
