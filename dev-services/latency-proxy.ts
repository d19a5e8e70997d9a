// A TCP proxy that puts a fixed round-trip time between its clients and a server, the way a
// remote link (or `tc netem` on loopback) does: every byte is delivered half an RTT after it was
// sent, in order, and opening a connection costs one full RTT (the SYN / SYN-ACK exchange) before
// the client's first bytes can even leave. Used by benchmarks to stand for a remote database.
import { createServer, connect, type Socket } from 'node:net'

export interface LatencyProxyOptions {
  target: { host: string; port: number }
  rttMs: number
  host?: string
}

export interface LatencyProxy {
  host: string
  port: number
  close(): Promise<void>
}

export async function startLatencyProxy(opts: LatencyProxyOptions): Promise<LatencyProxy> {
  const host = opts.host ?? '127.0.0.1'
  const oneWay = opts.rttMs / 2
  const open = new Set<Socket>()

  const server = createServer((client) => {
    const acceptedAt = Date.now()
    const upstream = connect(opts.target.port, opts.target.host)
    for (const socket of [client, upstream]) {
      socket.setNoDelay(true)
      open.add(socket)
      socket.on('close', () => open.delete(socket))
    }
    // The client could only have sent once its handshake completed, a full RTT after accept.
    pipeDelayed(client, upstream, (now) => Math.max(now, acceptedAt + opts.rttMs) + oneWay)
    pipeDelayed(upstream, client, (now) => now + oneWay)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, () => resolve())
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    host,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

/** Copies `from` to `to`, each chunk at `deliverAt(now)`; a close travels behind the data. */
function pipeDelayed(from: Socket, to: Socket, deliverAt: (now: number) => number) {
  let last = 0
  const later = (action: () => void) => {
    // Never before an earlier chunk: timers of equal delay keep order, a later one must too.
    last = Math.max(last, deliverAt(Date.now()))
    setTimeout(action, last - Date.now())
  }
  from.on('data', (chunk) => later(() => to.writable && to.write(chunk)))
  from.on('end', () => later(() => to.end()))
  from.on('error', () => later(() => to.destroy()))
  from.on('close', () => later(() => to.destroy()))
}
