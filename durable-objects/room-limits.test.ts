import { describe, expect, it } from 'vitest'
import {
  ROOM_SHARD_REPORTS_PER_SECOND,
  SHARD_REPORT_MIN_MS,
  shardReportIntervalMs,
} from './room-limits'

describe('shard report interval', () => {
  it('is the shortest tick while a few shards stay within the room’s budget', () => {
    expect(shardReportIntervalMs(1)).toBe(SHARD_REPORT_MIN_MS)
    expect(shardReportIntervalMs(8)).toBe(SHARD_REPORT_MIN_MS)
    expect(shardReportIntervalMs(10)).toBe(SHARD_REPORT_MIN_MS)
  })

  it('grows with the shards so that all of them together never exceed the budget', () => {
    expect(shardReportIntervalMs(25)).toBe(250)
    expect(shardReportIntervalMs(500)).toBe(5000)
    for (let shards = 1; shards <= 1000; shards++) {
      const perSecond = (shards * 1000) / shardReportIntervalMs(shards)
      expect(perSecond).toBeLessThanOrEqual(ROOM_SHARD_REPORTS_PER_SECOND)
    }
  })
})
