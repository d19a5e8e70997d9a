// Health reports each dependency as the Worker in workerd sees it — a real MongoDB driver
// round-trip, a Redis REST call and an S3 call — and answers 503 when one is stopped.
import { connect, createServer, type Server } from 'node:net'
import { afterAll, describe, expect, it, inject } from 'vitest'
import { api } from '../harness/http'
import { startWorker } from '../harness/worker'
import { faultRecorder } from './security/lib/fault-report'

const faults = faultRecorder('mongodb-down')
afterAll(() => faults.save())

describe('GET /api/health', () => {
  it('reports MongoDB, Redis and S3 up with their latency', async () => {
    const res = await api('/api/health')
    expect(res.status).toBe(200)
    expect(res.body.status).toBe('up')
    for (const name of ['mongodb', 'redis', 's3']) {
      expect(res.body.services[name].status).toBe('up')
      expect(res.body.services[name].latencyMs).toBeGreaterThanOrEqual(0)
    }
  })

  it('answers 503 naming the dependency that is down, and recovers without a restart', async () => {
    // A port that is reserved and then released: nothing listens there until we say so.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number }
        probe.close(() => resolve(port))
      })
    })
    const vars = {
      ...inject('workerVars'),
      MONGODB_URI: `mongodb://127.0.0.1:${port}/?directConnection=true`,
    }
    const worker = await startWorker({ vars })
    faults.injected()
    let relay: Server | undefined
    try {
      const down = await fetch(`${worker.url}/api/health`)
      expect(down.status).toBe(503)
      const body: any = await down.json()
      expect(body.status).toBe('down')
      expect(body.services.mongodb.status).toBe('down')
      expect(body.services.redis.status).toBe('up')
      expect(body.services.s3.status).toBe('up')

      // Bring "MongoDB" back on that port: a TCP relay to the running stand-in.
      const real = new URL(inject('workerVars').MONGODB_URI!.replace('mongodb://', 'http://'))
      relay = createServer((client) => {
        const upstream = connect(Number(real.port), real.hostname)
        client.pipe(upstream).pipe(client)
        client.on('error', () => upstream.destroy())
        upstream.on('error', () => client.destroy())
      })
      await new Promise<void>((resolve) => relay!.listen(port, '127.0.0.1', resolve))
      const up = await fetch(`${worker.url}/api/health`)
      expect(up.status).toBe(200)
      expect(((await up.json()) as any).services.mongodb.status).toBe('up')
    } finally {
      relay?.close()
      await worker.dispose()
    }
  }, 60_000)
})
