// Sanora `conferences` and `conferencequestions` → `conferences` and `conference_questions`.
// Public codes are kept as they were (uppercased), so an audience's printed QR code still opens
// the conference; stored results are kept and checked against their own totals. A host or a bare
// speaker reference into Sanora's `hosts`/`speakers` names the account the hosts step imported
// with the same id, or the one it merged into (`import_id_map`).
import { CONFERENCE_STATUSES, QUESTION_STATUSES } from '../../../shared/conference'
import { CODE_PATTERN } from '../../conference/codes'
import type { Db, Document, ObjectId } from 'mongodb'
import { asDate, asObjectId, asString, unknownFields } from '../legacy-fields'
import type { LegacySource } from '../legacy-source'
import type { Fields, LegacyDoc, Note, Ref, Step, Transformed } from '../step'
import { ID_MAP } from './users'

const CONFERENCE_KNOWN = [
  'title',
  'name',
  'description',
  'host',
  'hostId',
  'hostModel',
  'speakers',
  'publicCode',
  'date',
  'startTime',
  'endTime',
  'status',
  'groupChat',
  'createdAt',
  'updatedAt',
  'startedAt',
  'endedAt',
]

/** The legacy collection a conference's host points into (`hostModel`, Mongoose's refPath). */
const HOST_COLLECTIONS: Record<string, string> = {
  User: 'users',
  Host: 'hosts',
  Speaker: 'speakers',
}

const upper = <T extends string>(v: unknown, allowed: readonly T[]): T | undefined => {
  const s = typeof v === 'string' ? v.toUpperCase() : undefined
  return (allowed as readonly string[]).includes(s ?? '') ? (s as T) : undefined
}

/** A date, start or end time as the client sent it: strings stay, dates become ISO strings. */
const asTimeText = (v: unknown) => asString(v) ?? asDate(v)?.toISOString()

function timestamps(doc: LegacyDoc) {
  const createdAt = asDate(doc.createdAt) ?? doc._id.getTimestamp()
  return { createdAt, updatedAt: asDate(doc.updatedAt) ?? createdAt }
}

/** The accounts behind a batch's Host/Speaker references: merged ids, and the legacy speakers. */
export interface ConferenceAccounts {
  /** `sanora.hosts:<hex>` / `sanora.speakers:<hex>` → the account it was merged into. */
  merged: Map<string, ObjectId>
  speakers: Map<string, LegacyDoc>
}

const mapKey = (collection: string, id: ObjectId) => `sanora.${collection}:${String(id)}`

async function conferenceAccounts(
  batch: LegacyDoc[],
  source: LegacySource,
  target: Db,
): Promise<ConferenceAccounts> {
  const keys: string[] = []
  const speakerIds: ObjectId[] = []
  for (const doc of batch) {
    const hostId = asObjectId(doc.host) ?? asObjectId(doc.hostId)
    const collection = HOST_COLLECTIONS[asString(doc.hostModel) ?? 'User']
    if (hostId && collection && collection !== 'users') keys.push(mapKey(collection, hostId))
    for (const s of Array.isArray(doc.speakers) ? (doc.speakers as unknown[]) : []) {
      const ref = asObjectId(s)
      if (!ref) continue
      speakerIds.push(ref)
      keys.push(mapKey('speakers', ref))
    }
  }
  const [entries, speakers] = await Promise.all([
    keys.length
      ? target
          .collection<Document>(ID_MAP)
          .find({ _id: { $in: keys } } as Document)
          .toArray()
      : [],
    speakerIds.length ? source.find('sanora', 'speakers', { _id: { $in: speakerIds } }) : [],
  ])
  return {
    merged: new Map(entries.map((e) => [String(e._id), e.targetId as ObjectId])),
    speakers: new Map(speakers.map((s) => [String(s._id), s])),
  }
}

export const sanoraConferences: Step<ConferenceAccounts | undefined> = {
  name: 'sanora.conferences',
  group: 'conferences',
  db: 'sanora',
  collection: 'conferences',
  prepare: conferenceAccounts,
  transform(doc, _ctx, accounts): Transformed {
    const id = String(doc._id)
    const legacyHostId = asObjectId(doc.host) ?? asObjectId(doc.hostId)
    if (!legacyHostId) return { skip: 'no host', outputs: [] }
    const publicCode = asString(doc.publicCode)?.toUpperCase()
    if (!publicCode) return { skip: 'no public code', outputs: [] }
    const notes: Note[] = []
    if (!CODE_PATTERN.test(publicCode))
      notes.push({
        kind: 'public code in the old format (still opens)',
        detail: { id, publicCode },
      })
    const status = upper(doc.status, CONFERENCE_STATUSES)
    if (!status)
      notes.push({ kind: 'unknown status, imported as DRAFT', detail: { id, status: doc.status } })

    const speakers: Fields[] = []
    const refs: Ref[] = []
    const hostModel = asString(doc.hostModel) ?? 'User'
    const hostCollection = HOST_COLLECTIONS[hostModel] ?? 'users'
    refs.push({ field: 'host', db: 'sanora', collection: hostCollection, id: legacyHostId })
    const hostId =
      (hostCollection !== 'users'
        ? accounts?.merged.get(mapKey(hostCollection, legacyHostId))
        : undefined) ?? legacyHostId
    const legacySpeakerRefs: unknown[] = []
    for (const s of Array.isArray(doc.speakers) ? (doc.speakers as unknown[]) : []) {
      const ref = asObjectId(s)
      if (ref) {
        refs.push({ field: 'speakers', db: 'sanora', collection: 'speakers', id: ref })
        const speaker = accounts?.speakers.get(String(ref))
        // A speaker that does not exist stays a bare reference under `legacy.speakers`.
        if (!speaker) {
          legacySpeakerRefs.push(ref)
          continue
        }
        const entry: Fields = {
          userId: accounts!.merged.get(mapKey('speakers', ref)) ?? ref,
          name: asString(speaker.name) ?? asString(speaker.email)?.split('@')[0] ?? 'Speaker',
        }
        const email = asString(speaker.email)
        if (email) entry.email = email.toLowerCase()
        speakers.push(entry)
        continue
      }
      const sub = s as Fields | null
      const name = asString(sub?.name)
      if (!name) continue
      const speaker: Fields = { name }
      const email = asString(sub!.email)
      if (email) speaker.email = email.toLowerCase()
      const userId = asObjectId(sub!.userId) ?? asObjectId(sub!.user)
      if (userId) {
        speaker.userId = userId
        refs.push({ field: 'speakers.userId', db: 'sanora', collection: 'users', id: userId })
      }
      speakers.push(speaker)
    }

    const conference: Fields & { _id: unknown; legacy: Fields } = {
      _id: doc._id,
      hostId,
      title: asString(doc.title) ?? asString(doc.name) ?? 'Conference',
      speakers,
      status: status ?? 'DRAFT',
      publicCode,
      ...timestamps(doc),
      legacy: unknownFields(doc, CONFERENCE_KNOWN),
    }
    // Running in the old system: its room takes the live state on first use here.
    if (conference.status === 'ACTIVE') conference.roomPending = true
    if (hostModel !== 'User') conference.legacy.hostModel = hostModel
    if (!hostId.equals(legacyHostId)) conference.legacy.hostId = legacyHostId
    if (legacySpeakerRefs.length > 0) conference.legacy.speakers = legacySpeakerRefs
    const description = asString(doc.description)
    if (description) conference.description = description
    for (const field of ['date', 'startTime', 'endTime'] as const) {
      const value = asTimeText(doc[field])
      if (value) conference[field] = value
    }
    const groupChatId = asObjectId(doc.groupChat)
    if (groupChatId) conference.groupChatId = groupChatId
    for (const field of ['startedAt', 'endedAt'] as const) {
      const value = asDate(doc[field])
      if (value) conference[field] = value
    }
    return { outputs: [{ collection: 'conferences', document: conference }], refs, notes }
  },
}

const QUESTION_KNOWN = [
  'conference',
  'conferenceId',
  'question',
  'text',
  'options',
  'order',
  'status',
  'type',
  'allowMultiple',
  'hideResults',
  'allowVoteChange',
  'results',
  'revealed',
  'createdAt',
  'updatedAt',
  'closedAt',
]

/**
 * Stored results keyed by our option ids (`o1`, `o2`, …). The old system kept counts as an array
 * in option order or as an object keyed by option index or option text.
 */
function resultCounts(raw: unknown, options: { id: string; text: string }[]) {
  const counts: Record<string, number> = {}
  if (Array.isArray(raw)) {
    raw.forEach((n, i) => {
      if (typeof n === 'number' && options[i]) counts[options[i].id] = n
    })
    return counts
  }
  if (raw && typeof raw === 'object')
    for (const [key, n] of Object.entries(raw)) {
      if (typeof n !== 'number') continue
      const option = /^\d+$/.test(key) ? options[Number(key)] : options.find((o) => o.text === key)
      if (option) counts[option.id] = n
    }
  return counts
}

export const sanoraConferenceQuestions: Step = {
  name: 'sanora.conferencequestions',
  group: 'conferences',
  db: 'sanora',
  collection: 'conferencequestions',
  transform(doc): Transformed {
    const id = String(doc._id)
    const conferenceId = asObjectId(doc.conference) ?? asObjectId(doc.conferenceId)
    if (!conferenceId) return { skip: 'no conference', outputs: [] }
    const options = (Array.isArray(doc.options) ? (doc.options as unknown[]) : [])
      .map((o) => asString(o) ?? asString((o as Fields | null)?.text))
      .filter((t): t is string => t !== undefined)
      .map((text, i) => ({ id: `o${i + 1}`, text }))
    const notes: Note[] = []
    const status = upper(doc.status, QUESTION_STATUSES)
    if (!status)
      notes.push({ kind: 'unknown status, imported as DRAFT', detail: { id, status: doc.status } })
    const multiple = doc.type === 'multiple' || doc.allowMultiple === true
    const question: Fields & { _id: unknown } = {
      _id: doc._id,
      conferenceId,
      text: asString(doc.question) ?? asString(doc.text) ?? '',
      type: multiple ? 'multiple' : 'single',
      options,
      order: typeof doc.order === 'number' ? doc.order : 0,
      status: status ?? 'DRAFT',
      hideResults: doc.hideResults === true,
      allowVoteChange: doc.allowVoteChange === true,
      ...timestamps(doc),
      legacy: unknownFields(doc, QUESTION_KNOWN),
    }
    const closedAt = asDate(doc.closedAt)
    if (closedAt) question.closedAt = closedAt
    const results = doc.results as Fields | undefined
    if (results && typeof results === 'object') {
      const counts = resultCounts(results.counts, options)
      const stored = typeof results.totalResponses === 'number' ? results.totalResponses : undefined
      const sum = Object.values(counts).reduce((a, n) => a + n, 0)
      // One answer per response for a single-choice question: its counts add up to the total.
      const total = stored ?? sum
      if (stored !== undefined && (multiple ? sum < stored : sum !== stored))
        notes.push({
          kind: 'results: counts disagree with totalResponses (kept as stored)',
          detail: { id, totalResponses: stored, sumOfCounts: sum },
        })
      question.results = { counts, totalResponses: total }
    }
    if (doc.revealed === true) question.revealed = true
    return {
      outputs: [{ collection: 'conference_questions', document: question }],
      refs: [{ field: 'conference', db: 'sanora', collection: 'conferences', id: conferenceId }],
      notes,
    }
  },
}
