import { describe, expect, it } from 'vitest'
import type { ConferenceDoc } from './store'
import { cachedConference, forgetConference, readOnce, rememberConference } from './code-cache'

const doc = (status: ConferenceDoc['status']) => ({ status, publicCode: 'ABC123' }) as ConferenceDoc

describe('the conference code cache', () => {
  it('shares one read among concurrent lookups of a code in one scope, and reads again after', async () => {
    const scope = {}
    let reads = 0
    let release!: (d: ConferenceDoc) => void
    const read = () => {
      reads += 1
      return new Promise<ConferenceDoc | null>((resolve) => (release = resolve))
    }
    const storm = Array.from({ length: 50 }, () => readOnce(scope, 'ABC123', read))
    // Another request's own client (a stateless Worker's) reads for itself.
    void readOnce({}, 'ABC123', () => Promise.resolve(null))
    expect(reads).toBe(1)
    release(doc('ACTIVE'))
    expect(new Set(await Promise.all(storm)).size).toBe(1)
    // Settled: the next lookup reads again.
    const next = readOnce(scope, 'ABC123', read)
    expect(reads).toBe(2)
    release(doc('ENDED'))
    expect((await next)?.status).toBe('ENDED')
  })

  it('keeps a running conference for its time, never a draft, and forgets on request', () => {
    rememberConference('RUN001', doc('ACTIVE'), 1000, 5000)
    rememberConference('DRAFT1', doc('DRAFT'), 1000, 5000)
    expect(cachedConference('RUN001', 5999)?.status).toBe('ACTIVE')
    expect(cachedConference('RUN001', 6000)).toBeUndefined()
    expect(cachedConference('DRAFT1', 1001)).toBeUndefined()
    rememberConference('RUN002', doc('ACTIVE'), 1000, 5000)
    forgetConference('RUN002')
    expect(cachedConference('RUN002', 1001)).toBeUndefined()
    rememberConference('OFF001', doc('ACTIVE'), 1000, 0)
    expect(cachedConference('OFF001', 1000)).toBeUndefined()
  })
})
