// The consumer loop against a scripted stream: with a poll interval far longer than the test may
// take, new work must still be read at once whenever a slot frees up or entries keep coming.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { loadTranscoderConfig } from './config'
import { Consumer } from './consumer'
import type { JobDeps } from './job'
import type { StreamEntry } from './stream'
import type { WorkerApi } from './worker-api'

function setup(concurrency: number) {
  const config = loadTranscoderConfig({
    UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:1',
    UPSTASH_REDIS_REST_TOKEN: 'token',
    S3_BUCKET: 'bucket',
    S3_ACCESS_KEY_ID: 'key',
    S3_SECRET_ACCESS_KEY: 'secret',
    WORKER_URL: 'http://127.0.0.1:2',
    TRANSCODER_SECRET: 'x'.repeat(32),
    TRANSCODER_CONCURRENCY: String(concurrency),
    // Longer than any test runs: a read that waited for it would never happen.
    TRANSCODER_POLL_MS: '60000',
    TRANSCODER_LEASE_SECONDS: '3600',
  })
  const reads: { count: number; answer: (entries: StreamEntry[]) => void }[] = []
  const acked: string[] = []
  let claims: (() => void)[] = []
  const stream = {
    ensureGroup: async () => undefined,
    claimStale: async () => ({ entries: [], scanComplete: true }),
    readNew: (count: number) =>
      new Promise<StreamEntry[]>((answer) => reads.push({ count, answer })),
    ack: async (id: string) => void acked.push(id),
    retryIn: async () => undefined,
  }
  // Every claim answers 410 (already finished) once released: the job ends right there.
  const api = {
    claim: () => new Promise((resolve) => claims.push(() => resolve({ kind: 'gone' }))),
  }
  const deps = {
    config,
    api: api as unknown as WorkerApi,
    stream,
    storage: {},
    log: () => undefined,
  } as unknown as JobDeps
  const consumer = new Consumer(config, deps)
  const releaseClaims = () => {
    for (const release of claims) release()
    claims = []
  }
  return { consumer, reads, acked, releaseClaims, pendingClaims: () => claims.length }
}

const entry = (n: number): StreamEntry => ({
  id: `${Date.now()}-${n}`,
  jobId: n.toString(16).padStart(24, '0'),
})

let stop: (() => Promise<void>) | undefined
afterEach(async () => {
  await stop?.()
  stop = undefined
})

describe('Consumer', () => {
  it('reads again at once when a job ends, without waiting for the poll interval', async () => {
    const t = setup(1)
    stop = () => t.consumer.stop(true)
    void t.consumer.run()
    await vi.waitFor(() => expect(t.reads).toHaveLength(1))
    t.reads[0]!.answer([entry(1)])
    // The slot is taken: the loop sleeps. The job ends: it must read again without the poll wait.
    await vi.waitFor(() => expect(t.pendingClaims()).toBe(1))
    t.releaseClaims()
    await vi.waitFor(() => expect(t.reads).toHaveLength(2))
    expect(t.acked).toHaveLength(1)
  })

  it('keeps reading while entries keep coming and slots are free', async () => {
    const t = setup(3)
    stop = () => t.consumer.stop(true)
    void t.consumer.run()
    await vi.waitFor(() => expect(t.reads).toHaveLength(1))
    expect(t.reads[0]!.count).toBe(3)
    t.reads[0]!.answer([entry(1)])
    await vi.waitFor(() => expect(t.reads).toHaveLength(2))
    expect(t.reads[1]!.count).toBe(2)
    t.reads[1]!.answer([entry(2)])
    await vi.waitFor(() => expect(t.reads).toHaveLength(3))
    expect(t.reads[2]!.count).toBe(1)
    t.reads[2]!.answer([])
    t.releaseClaims()
    await vi.waitFor(() => expect(t.acked).toHaveLength(2))
  })

  it('does not lose a wake-up that comes while it is reading', async () => {
    const t = setup(2)
    stop = () => t.consumer.stop(true)
    void t.consumer.run()
    await vi.waitFor(() => expect(t.reads).toHaveLength(1))
    t.reads[0]!.answer([entry(1)])
    // A slot is still free, so it reads again; the job ends during that read...
    await vi.waitFor(() => expect(t.reads).toHaveLength(2))
    await vi.waitFor(() => expect(t.pendingClaims()).toBe(1))
    t.releaseClaims()
    await vi.waitFor(() => expect(t.acked).toHaveLength(1))
    // ...and the empty answer must not send it to sleep for the poll interval regardless.
    t.reads[1]!.answer([])
    await vi.waitFor(() => expect(t.reads).toHaveLength(3))
  })
})
