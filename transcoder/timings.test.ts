// JobTimings: phases summed (and counted) across repeats, failures timed too, the queue wait read
// from a stream entry's id.
import { describe, expect, it } from 'vitest'
import type { Log } from './log'
import { entryAgeMs, JobTimings } from './timings'

describe('JobTimings', () => {
  it('sums repeated phases, counts them, times failures and logs each phase at debug', async () => {
    const lines: { level: string; fields: Record<string, unknown> | undefined }[] = []
    const log: Log = (level, _message, fields) => lines.push({ level, fields })
    const timings = new JobTimings(log, 'job-1')
    timings.add('upload', 40)
    timings.add('upload', 60)
    timings.add('queued', 250.4)
    await expect(
      timings.time('probe', async () => {
        throw new Error('unreadable')
      }),
    ).rejects.toThrow('unreadable')
    expect(await timings.time('claim', async () => 'granted')).toBe('granted')

    const { timingsMs, counts } = timings.summary()
    expect(timingsMs).toMatchObject({ upload: 100, queued: 250 })
    expect(Object.keys(timingsMs)).toEqual(['upload', 'queued', 'probe', 'claim', 'total'])
    expect(timingsMs.total).toBeGreaterThanOrEqual(0)
    expect(counts).toEqual({ upload: 2 })
    expect(lines).toHaveLength(5)
    expect(lines.every((l) => l.level === 'debug' && l.fields?.jobId === 'job-1')).toBe(true)
    expect(lines[0]!.fields).toMatchObject({ phase: 'upload', ms: 40 })
  })
})

describe('entryAgeMs', () => {
  it('reads the time an entry was added from its id', () => {
    expect(entryAgeMs('1700000000000-3', 1700000000750)).toBe(750)
    // A clock a little behind Redis's: never negative.
    expect(entryAgeMs('1700000000000-0', 1699999999990)).toBe(0)
  })

  it('answers undefined for ids it cannot read', () => {
    expect(entryAgeMs('not-an-id')).toBeUndefined()
    expect(entryAgeMs('')).toBeUndefined()
  })
})
