// The job stream as seen by one consumer of the `transcoders` group: read new entries, take over
// stale ones, keep our own alive, acknowledge, dead-letter. Polls only: the local Upstash emulator
// runs every command on one shared connection, so a blocking read would stall the whole API.
import { Redis } from '@upstash/redis'
import { DEAD_LETTER_STREAM, JOB_GROUP, JOB_STREAM } from '../shared/jobs'

export interface StreamEntry {
  /** The stream entry id (`<ms>-<seq>`). */
  id: string
  /** The job id the entry carries; undefined when the entry is malformed or was deleted. */
  jobId: string | undefined
}

class StreamUnavailableError extends Error {
  override readonly name = 'StreamUnavailableError'
}

// XCLAIM with an explicit IDLE. The client's typed xclaim cannot send it (it emits a broken TIME
// argument alongside IDLE), and a script keeps it to one round trip anyway.
const SET_IDLE_SCRIPT =
  "return redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'IDLE', ARGV[4], 'JUSTID')"

export interface JobStreamOptions {
  url: string
  token: string
  consumer: string
  /** Entries idle this long belong to a consumer that stopped working on them. */
  minIdleMs: number
}

export class JobStream {
  private readonly redis: Redis
  private groupReady = false
  private autoclaimCursor = '0-0'

  constructor(private readonly opts: JobStreamOptions) {
    // Raw replies: automatic JSON decoding would turn a job id like `6512345e12…` into a number.
    this.redis = new Redis({
      url: opts.url,
      token: opts.token,
      automaticDeserialization: false,
      retry: { retries: 1, backoff: () => 200 },
    })
  }

  /**
   * Creates the group from the start of the stream (`0`, not `$`: the Worker may have queued jobs
   * before any transcoder ever ran), and the stream with it. An existing group is fine.
   */
  async ensureGroup(): Promise<void> {
    if (this.groupReady) return
    try {
      await this.redis.xgroup(JOB_STREAM, {
        type: 'CREATE',
        group: JOB_GROUP,
        id: '0',
        options: { MKSTREAM: true },
      })
    } catch (error) {
      if (!/BUSYGROUP/.test(String(error))) throw this.unavailable('XGROUP CREATE', error)
    }
    this.groupReady = true
  }

  /**
   * Takes over up to `count` entries other consumers left idle for longer than a lease;
   * `scanComplete` once the scan of the pending list has wrapped around.
   */
  async claimStale(count: number): Promise<{ entries: StreamEntry[]; scanComplete: boolean }> {
    const reply = await this.call('XAUTOCLAIM', () =>
      this.redis.xautoclaim(
        JOB_STREAM,
        JOB_GROUP,
        this.opts.consumer,
        this.opts.minIdleMs,
        this.autoclaimCursor,
        { count },
      ),
    )
    const [cursor, entries] = reply as [string, RawEntry[]]
    // The scan of the pending list resumes where it stopped; `0-0` means it wrapped around.
    this.autoclaimCursor = cursor
    return { entries: parseEntries(entries), scanComplete: cursor === '0-0' }
  }

  /** Up to `count` entries never delivered to any consumer. */
  async readNew(count: number): Promise<StreamEntry[]> {
    const reply = await this.call('XREADGROUP', () =>
      this.redis.xreadgroup(JOB_GROUP, this.opts.consumer, JOB_STREAM, '>', { count }),
    )
    if (!reply) return []
    const streams = reply as [string, RawEntry[]][]
    return streams.flatMap(([, entries]) => parseEntries(entries))
  }

  /**
   * The heartbeat: claims the entry to ourselves again, which resets its idle time so no other
   * consumer's XAUTOCLAIM takes it while we work. False when it is no longer pending at all.
   */
  async touch(entryId: string): Promise<boolean> {
    const ids = await this.call('XCLAIM', () =>
      this.redis.xclaim(JOB_STREAM, JOB_GROUP, this.opts.consumer, 0, entryId, { justId: true }),
    )
    return ids.length > 0
  }

  /**
   * Leaves the entry pending but makes it eligible for XAUTOCLAIM in `seconds` (immediately for
   * 0): its idle time is set to what a lease minus that would have accumulated.
   */
  async retryIn(entryId: string, seconds: number): Promise<void> {
    const idleMs = Math.max(0, this.opts.minIdleMs - Math.max(0, seconds) * 1000)
    await this.call('XCLAIM IDLE', () =>
      this.redis.eval(
        SET_IDLE_SCRIPT,
        [JOB_STREAM],
        [JOB_GROUP, this.opts.consumer, entryId, String(Math.round(idleMs))],
      ),
    )
  }

  async ack(entryId: string): Promise<void> {
    await this.call('XACK', () => this.redis.xack(JOB_STREAM, JOB_GROUP, entryId))
  }

  /** Records a job that failed for good on the dead-letter stream, then acknowledges its entry. */
  async deadLetter(
    entry: StreamEntry,
    details: { error: string; attempts: number | undefined },
  ): Promise<void> {
    await this.call('XADD', () =>
      this.redis.xadd(DEAD_LETTER_STREAM, '*', {
        jobId: entry.jobId ?? '',
        error: details.error,
        attempts: String(details.attempts ?? 0),
        entryId: entry.id,
        consumer: this.opts.consumer,
      }),
    )
    await this.ack(entry.id)
  }

  private async call<T>(command: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (error) {
      // Someone removed the stream or the group (a flushed Redis): create them again next time.
      if (/NOGROUP/.test(String(error))) this.groupReady = false
      throw this.unavailable(command, error)
    }
  }

  private unavailable(command: string, error: unknown) {
    return new StreamUnavailableError(`${command} on ${JOB_STREAM} failed`, { cause: error })
  }
}

type RawEntry = [string, string[] | null] | null

function parseEntries(entries: RawEntry[] | null | undefined): StreamEntry[] {
  const parsed: StreamEntry[] = []
  for (const entry of entries ?? []) {
    if (!entry) continue
    const [id, fields] = entry
    let jobId: string | undefined
    for (let i = 0; fields && i + 1 < fields.length; i += 2) {
      if (fields[i] === 'jobId') jobId = String(fields[i + 1])
    }
    parsed.push({ id, jobId })
  }
  return parsed
}
