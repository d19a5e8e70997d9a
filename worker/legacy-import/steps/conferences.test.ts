// The conference transforms, document in → writes out: codes, hosts, speakers, stored results.
import { ObjectId } from 'mongodb'
import { describe, expect, it } from 'vitest'
import type { LegacyDoc, StepContext, Transformed } from '../step'
import { sanoraConferenceQuestions, sanoraConferences } from './conferences'

const ctx: StepContext = { now: new Date('2026-01-01T00:00:00Z'), refreshTtlDays: 60 }
const at = new Date('2024-03-01T10:00:00Z')
const documentOf = (out: Transformed) => {
  const first = out.outputs[0]
  return first && 'document' in first ? first.document : undefined
}
const transformConference = (doc: LegacyDoc) =>
  sanoraConferences.transform(doc, ctx, undefined) as Transformed
const transformQuestion = (doc: LegacyDoc) =>
  sanoraConferenceQuestions.transform(doc, ctx, undefined) as Transformed

const conference = (fields: Partial<LegacyDoc> = {}): LegacyDoc => ({
  _id: new ObjectId(),
  title: 'Old',
  host: new ObjectId(),
  publicCode: 'ab10cd',
  status: 'active',
  qrCode: 'data:image/png;base64,AAAA',
  date: at,
  createdAt: at,
  updatedAt: at,
  __v: 0,
  ...fields,
})

const question = (fields: Partial<LegacyDoc> = {}): LegacyDoc => ({
  _id: new ObjectId(),
  conference: new ObjectId(),
  question: 'Which?',
  options: ['Yes', { text: 'No' }],
  order: 2,
  status: 'CLOSED',
  results: { counts: [3, 1], totalResponses: 4 },
  createdAt: at,
  updatedAt: at,
  __v: 0,
  ...fields,
})

describe('sanoraConferences.transform', () => {
  it('keeps the id and the public code (uppercased), the QR image under legacy, and drops __v', () => {
    const doc = conference()
    const out = transformConference(doc)
    expect(documentOf(out)).toMatchObject({
      _id: doc._id,
      hostId: doc.host,
      publicCode: 'AB10CD',
      status: 'ACTIVE',
      date: at.toISOString(),
      legacy: { qrCode: doc.qrCode },
    })
    expect(documentOf(out)!.__v).toBeUndefined()
    // Running in the old system: the room takes its live state on first use here.
    expect(documentOf(out)!.roomPending).toBe(true)
    expect(documentOf(transformConference(conference({ status: 'ENDED' })))!.roomPending).toBe(
      undefined,
    )
    expect(out.notes).toContainEqual(
      expect.objectContaining({ kind: 'public code in the old format (still opens)' }),
    )
  })

  it('checks the host in the collection its hostModel names', () => {
    const doc = conference({ hostModel: 'Host' })
    expect(transformConference(doc).refs).toContainEqual({
      field: 'host',
      db: 'sanora',
      collection: 'hosts',
      id: doc.host,
    })
  })

  it('keeps speaker sub-documents and keeps bare speaker references under legacy', () => {
    const speakerRef = new ObjectId()
    const user = new ObjectId()
    const out = transformConference(
      conference({ speakers: [{ name: 'Grace', email: 'G@x.test', user }, speakerRef] }),
    )
    expect(documentOf(out)).toMatchObject({
      speakers: [{ name: 'Grace', email: 'g@x.test', userId: user }],
      legacy: { speakers: [speakerRef] },
    })
  })

  it.each([
    [{ host: undefined }, 'no host'],
    [{ publicCode: undefined }, 'no public code'],
  ])('skips %o: %s', (fields, reason) => {
    expect(transformConference(conference(fields)).skip).toBe(reason)
  })
})

describe('sanoraConferenceQuestions.transform', () => {
  it('numbers the options as ours and keys the stored counts by them', () => {
    const doc = question()
    const out = transformQuestion(doc)
    expect(documentOf(out)).toMatchObject({
      _id: doc._id,
      conferenceId: doc.conference,
      text: 'Which?',
      type: 'single',
      options: [
        { id: 'o1', text: 'Yes' },
        { id: 'o2', text: 'No' },
      ],
      status: 'CLOSED',
      results: { counts: { o1: 3, o2: 1 }, totalResponses: 4 },
    })
    expect(out.notes).toEqual([])
    expect(out.refs).toEqual([
      { field: 'conference', db: 'sanora', collection: 'conferences', id: doc.conference },
    ])
  })

  it('reads counts keyed by option text or index', () => {
    const byText = transformQuestion(
      question({ results: { counts: { No: 2 }, totalResponses: 2 } }),
    )
    expect(documentOf(byText)!.results).toEqual({ counts: { o2: 2 }, totalResponses: 2 })
    const byIndex = transformQuestion(
      question({ results: { counts: { 0: 5 }, totalResponses: 5 } }),
    )
    expect(documentOf(byIndex)!.results).toEqual({ counts: { o1: 5 }, totalResponses: 5 })
  })

  it('keeps results that disagree with their total, and reports them', () => {
    const out = transformQuestion(question({ results: { counts: [1, 1], totalResponses: 3 } }))
    expect(documentOf(out)!.results).toEqual({ counts: { o1: 1, o2: 1 }, totalResponses: 3 })
    expect(out.notes).toContainEqual(
      expect.objectContaining({ detail: expect.objectContaining({ sumOfCounts: 2 }) }),
    )
  })

  it('imports an unknown status as DRAFT and says so', () => {
    const out = transformQuestion(question({ status: 'archived' }))
    expect(documentOf(out)!.status).toBe('DRAFT')
    expect(out.notes).toContainEqual(
      expect.objectContaining({ kind: 'unknown status, imported as DRAFT' }),
    )
  })
})
