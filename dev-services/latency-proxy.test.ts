import { createServer, connect, type AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { startLatencyProxy, type LatencyProxy } from './latency-proxy'

let proxy: LatencyProxy | undefined
const echo = createServer((s) => s.pipe(s))
afterEach(async () => {
  await proxy?.close()
  echo.close()
})

function roundTrip(port: number, payloads: string[]): Promise<{ reply: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const socket = connect(port, '127.0.0.1', () => payloads.forEach((p) => socket.write(p)))
    let reply = ''
    const expected = payloads.join('')
    socket.on('data', (d) => {
      reply += d.toString()
      if (reply.length >= expected.length) {
        socket.destroy()
        resolve({ reply, ms: Date.now() - started })
      }
    })
    socket.on('error', reject)
  })
}

describe('latency proxy', () => {
  it('charges one RTT to connect and one per exchange, keeping bytes in order', async () => {
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()))
    const { port } = echo.address() as AddressInfo
    proxy = await startLatencyProxy({ target: { host: '127.0.0.1', port }, rttMs: 60 })
    const { reply, ms } = await roundTrip(proxy.port, ['one,', 'two,', 'three'])
    expect(reply).toBe('one,two,three')
    // connect (60) + there and back (60); timers may fire late, never early
    expect(ms).toBeGreaterThanOrEqual(119)
  })
})
