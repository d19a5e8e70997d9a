// Asks whatever listens at host:port whether it is a Redis, speaking RESP over a raw socket
// (no Redis client package is needed for one PING).
import net from 'node:net'

/** The first reply line (`+PONG` from a usable Redis), or null when nothing answered in time. */
export function pingRedis(host: string, port: number, timeoutMs = 500): Promise<string | null> {
  return new Promise((resolve) => {
    let reply = ''
    let settled = false
    const socket = net.connect({ host, port })
    const finish = (value: string | null) => {
      if (settled) return
      settled = true
      socket.destroy()
      resolve(value)
    }
    socket.setTimeout(timeoutMs, () => finish(null))
    socket.once('error', () => finish(null))
    socket.once('close', () => finish(reply.includes('\r\n') ? reply.split('\r\n')[0]! : null))
    socket.once('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'))
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('utf8')
      const end = reply.indexOf('\r\n')
      if (end >= 0) finish(reply.slice(0, end))
    })
  })
}
