// WebSocket clients for room tests: open one or many, and await the next message that matches.
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

/** Opens `count` sockets, `concurrency` at a time, to the URLs `urlFor(i)` gives. */
export async function openSockets(
  count: number,
  urlFor: (index: number) => string | Promise<string>,
  concurrency = 50,
): Promise<TestSocket[]> {
  const sockets: TestSocket[] = new Array(count)
  let nextIndex = 0
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (nextIndex < count) {
        const i = nextIndex++
        sockets[i] = await openSocket(await urlFor(i))
      }
    }),
  )
  return sockets
}
