// Helpers every step uses on a Mongoose document: drop `__v`, keep what the step does not map
// under `legacy`, read loosely typed values.
import { ObjectId } from 'mongodb'
import type { Fields, Note } from './step'

/** Fields no step keeps anywhere: Mongoose's version key. */
const ALWAYS_DROPPED = new Set(['__v'])

/**
 * The document's fields that are neither mapped (`known`) nor deliberately dropped (`dropped`,
 * e.g. secrets): kept under the imported document's `legacy`.
 */
export function unknownFields(
  doc: Fields,
  known: readonly string[],
  dropped: readonly string[] = [],
): Fields {
  const skip = new Set([...known, ...dropped, '_id'])
  return Object.fromEntries(
    Object.entries(doc).filter(([k]) => !skip.has(k) && !ALWAYS_DROPPED.has(k)),
  )
}

export const asString = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined

export const asDate = (v: unknown): Date | undefined => {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v
  if (typeof v === 'string' || typeof v === 'number') {
    const d = new Date(v)
    return Number.isNaN(d.getTime()) ? undefined : d
  }
  return undefined
}

export const asObjectId = (v: unknown): ObjectId | undefined => {
  if (v instanceof ObjectId) return v
  if (typeof v === 'string' && /^[0-9a-f]{24}$/i.test(v)) return new ObjectId(v)
  return undefined
}

/** A Mongoose array of refs (ObjectIds, hex strings or populated `{ _id }` sub-documents). */
export function objectIds(v: unknown): ObjectId[] {
  if (!Array.isArray(v)) return []
  return v.flatMap((item) => {
    const id = asObjectId(item) ?? asObjectId((item as { _id?: unknown } | null)?._id)
    return id ? [id] : []
  })
}

/** The latest of some dates, ignoring missing ones. */
export function latest(...dates: (Date | undefined)[]): Date | undefined {
  return dates.reduce<Date | undefined>((a, d) => (d && (!a || d > a) ? d : a), undefined)
}

/**
 * A counter the old system kept beside a document, checked against its recomputed value: the
 * report lists each difference (the recomputed value is the one imported).
 */
export function counterDifference(
  counter: string,
  id: string,
  stored: unknown,
  recomputed: number,
): Note | undefined {
  if (typeof stored !== 'number' || stored === recomputed) return undefined
  return {
    kind: `counter ${counter}: old value differs, recomputed one imported`,
    detail: { id, old: stored, recomputed },
  }
}
