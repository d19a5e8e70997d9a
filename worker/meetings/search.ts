// The MongoDB filter of a meetings search: always the caller's own meetings (the owner index),
// narrowed by case-insensitive substring matches, a creation date range and the trash/archive flags.
import type { Filter, ObjectId } from 'mongodb'
import type { MeetingDoc } from './store'
import type { MeetingSearch } from './schemas'

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const contains = (s: string) => ({ $regex: escapeRegex(s), $options: 'i' })

const FIELDS = {
  name: ['name', 'first_name', 'last_name'],
  address: [
    'address',
    'house_name_number',
    'flat_apartment_room',
    'street_road',
    'city',
    'post_code',
  ],
  reference: ['reference', 'meeting_id'],
  notes: ['notes', 'special_notes', 'repair_detail'],
} as const

const anyOf = (fields: readonly string[], value: string): Filter<MeetingDoc> => ({
  $or: fields.map((f) => ({ [f]: contains(value) })),
})

/** Which meetings a list shows: the trash, the archive, or the active ones (the default). */
export function stateFilter(flags: { archived?: boolean; deleted?: boolean }) {
  if (flags.deleted) return { is_deleted: true }
  return { is_deleted: false, is_archived: flags.archived ?? false }
}

export function searchFilter(owner: ObjectId, search: MeetingSearch): Filter<MeetingDoc> {
  const and: Filter<MeetingDoc>[] = []
  for (const key of ['name', 'address', 'reference', 'notes'] as const) {
    const value = search[key]
    if (value) and.push(anyOf(FIELDS[key], value))
  }
  if (search.query) and.push(anyOf(Object.values(FIELDS).flat(), search.query))
  const createdAt: Record<string, Date> = {}
  if (search.date_from) createdAt.$gte = new Date(search.date_from)
  // A bare date means the whole of that day.
  if (search.date_to)
    createdAt.$lte = /^\d{4}-\d{2}-\d{2}$/.test(search.date_to)
      ? new Date(`${search.date_to}T23:59:59.999Z`)
      : new Date(search.date_to)
  const filter: Filter<MeetingDoc> = {
    owner,
    // The trash only when asked for; archived ones match unless `archived` says otherwise.
    is_deleted: search.deleted ?? false,
    ...(search.archived !== undefined ? { is_archived: search.archived } : {}),
    ...(Object.keys(createdAt).length > 0 ? { createdAt } : {}),
  }
  return and.length > 0 ? { ...filter, $and: and } : filter
}
