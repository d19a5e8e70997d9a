// The Videodesk chat history transform: user remapped or the history skipped, messages with safe
// ids, roles and feedback keyed by message id.
import { ObjectId } from 'mongodb'
import { describe, expect, it } from 'vitest'
import type { LegacyDoc, OutputDocument, StepContext, Transformed } from '../step'
import { videodeskChatHistories } from './chat-histories'

const ctx: StepContext = { now: new Date('2026-01-01T00:00:00Z'), refreshTtlDays: 60 }
const at = new Date('2024-08-01T10:00:00Z')
const userId = new ObjectId()
const transform = (doc: LegacyDoc, owners = new Map([[userId.toHexString(), userId]])) =>
  videodeskChatHistories.transform(doc, ctx, owners) as Transformed
const historyOf = (out: Transformed) => {
  const first = out.outputs[0]
  return (first && 'document' in first ? first.document : undefined) as OutputDocument
}

const history = (fields: Partial<LegacyDoc> = {}): LegacyDoc => ({
  _id: new ObjectId(),
  userId,
  sessionId: 'sess-1',
  title: 'Boiler',
  messages: [
    { id: 'a1', role: 'user', content: 'Hi', timestamp: at },
    { id: 'bad id!', sender: 'bot', text: 'Hello', feedback: { type: 'up', comment: 'ok' } },
  ],
  pinned: true,
  createdAt: at,
  updatedAt: at,
  __v: 0,
  ...fields,
})

describe('videodeskChatHistories.transform', () => {
  it('keeps id, session, title, messages and feedback; unknown fields under legacy', () => {
    const doc = history()
    const h = historyOf(transform(doc))
    expect(h).toMatchObject({
      _id: doc._id,
      userId,
      sessionId: 'sess-1',
      title: 'Boiler',
      preview: 'Hello',
      messageCount: 2,
      messages: [
        { id: 'a1', role: 'user', content: 'Hi', createdAt: at },
        { id: 'm1', role: 'assistant', content: 'Hello', createdAt: at },
      ],
      feedback: { m1: { rating: 'positive', comment: 'ok', at } },
      legacy: { pinned: true },
    })
    expect(h.legacy!.__v).toBeUndefined()
  })

  it('skips a history of no existing user and reports the reference', () => {
    const out = transform(history(), new Map())
    expect(out).toMatchObject({ skip: 'user does not exist', outputs: [] })
    expect(out.refs).toEqual([{ field: 'user', db: 'videodesk', collection: 'users', id: userId }])
  })

  it('gives a merged user’s history to the Sanora account', () => {
    const sanoraId = new ObjectId()
    const h = historyOf(transform(history(), new Map([[userId.toHexString(), sanoraId]])))
    expect(h.userId).toEqual(sanoraId)
    expect(h.legacy!.videodeskUser).toEqual(userId)
  })
})
