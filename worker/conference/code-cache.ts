// The conference a public code names, remembered by this isolate for a few seconds: when a venue
// is told to scan the QR code, thousands of joins read the same conference, and each would be a
// MongoDB read. What a join decides from it that may change meanwhile is checked again where it
// matters: a removed participant and an ended conference are refused by the audience shard itself.
import type { ConferenceDoc } from './store'

/** Codes kept at most (the oldest go first): a few live events per isolate, never unbounded. */
const MAX_CODES = 500

const byCode = new Map<string, { doc: ConferenceDoc; until: number }>()

export function cachedConference(code: string, now: number): ConferenceDoc | undefined {
  const hit = byCode.get(code)
  if (!hit) return undefined
  if (hit.until > now) return hit.doc
  byCode.delete(code)
  return undefined
}

/**
 * Remembers a running conference's document for `ttlMs` (CONFERENCE_CODE_CACHE_SECONDS); drafts
 * and pending adoptions are never kept.
 */
export function rememberConference(code: string, doc: ConferenceDoc, now: number, ttlMs: number) {
  if (doc.status === 'DRAFT' || doc.roomPending || ttlMs <= 0) return
  byCode.delete(code)
  byCode.set(code, { doc, until: now + ttlMs })
  if (byCode.size > MAX_CODES) byCode.delete(byCode.keys().next().value!)
}

/** This isolate changed the conference: its next join reads it again (others within the TTL). */
export function forgetConference(code: string) {
  byCode.delete(code)
}

/**
 * One read at a time per code within `scope`: when a storm of joins finds nothing cached, they all
 * wait for the first one's read instead of each opening its own (thousands at once overwhelmed the
 * database's connections, and every join failed). The scope is the request's database client: in
 * the warm pool (durable-objects/warm-api.ts) it is shared by every request of the object, which
 * may share I/O; a stateless Worker's request has its own, so nothing crosses requests there.
 */
const inFlight = new WeakMap<object, Map<string, Promise<ConferenceDoc | null>>>()

export function readOnce(
  scope: object,
  code: string,
  read: () => Promise<ConferenceDoc | null>,
): Promise<ConferenceDoc | null> {
  let reads = inFlight.get(scope)
  if (!reads) inFlight.set(scope, (reads = new Map<string, Promise<ConferenceDoc | null>>()))
  const pending = reads.get(code)
  if (pending) return pending
  const started = read().finally(() => reads.delete(code))
  reads.set(code, started)
  return started
}
