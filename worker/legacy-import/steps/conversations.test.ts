// Conversations and messages: direct pairs and groups, seqs from the prepared counts, the last
// message and read positions as guarded updates.
import { ObjectId } from 'mongodb'
import { describe, expect, it } from 'vitest'
import type { Fields, LegacyDoc } from '../step'
import {
  readId,
  transformConversation,
  transformMessage,
  type MessagesPrepared,
} from './conversations'

const [a, b, c] = [new ObjectId(), new ObjectId(), new ObjectId()]
const conversation = (fields: Partial<LegacyDoc> = {}): LegacyDoc => ({
  _id: new ObjectId(),
  participants: [a, b],
  createdAt: new Date('2024-01-01'),
  ...fields,
})

describe('sanora conversations', () => {
  it('makes a direct conversation with its pair key and a read position per member', () => {
    const doc = conversation()
    const out = transformConversation(doc, {
      counts: new Map([[String(doc._id), 4]]),
      pairs: new Map([[[String(a), String(b)].sort().join(':'), String(doc._id)]]),
    })
    const first = out.outputs[0]!
    expect('document' in first && first.document).toMatchObject({
      type: 'direct',
      members: [a, b],
      lastSeq: 4,
      roomPending: true,
    })
    expect(out.outputs.slice(1).map((o) => 'document' in o && o.document._id)).toEqual([
      readId(doc._id, a),
      readId(doc._id, b),
    ])
  })

  it('skips a second conversation of the same pair', () => {
    const out = transformConversation(conversation(), {
      counts: new Map(),
      pairs: new Map([[[String(a), String(b)].sort().join(':'), String(new ObjectId())]]),
    })
    expect(out.skip).toBe('a second conversation of the same two people')
  })

  it('makes a group with its name and admins', () => {
    const out = transformConversation(
      conversation({ participants: [a, b, c], isGroup: true, groupName: 'G', groupAdmin: b }),
      { counts: new Map(), pairs: new Map() },
    )
    const first = out.outputs[0]!
    expect('document' in first && first.document).toMatchObject({
      type: 'group',
      name: 'G',
      admins: [b],
    })
  })
})

describe('sanora messages', () => {
  const convId = new ObjectId()
  const message = (fields: Partial<LegacyDoc> = {}): LegacyDoc => ({
    _id: new ObjectId(),
    conversation: convId,
    sender: a,
    text: 'hi',
    ...fields,
  })
  const prepared = (doc: LegacyDoc, seq: number, total: number): MessagesPrepared => ({
    conversations: new Map([[String(convId), [a, b]]]),
    seqs: new Map([[String(doc._id), seq]]),
    totals: new Map([[String(convId), total]]),
    readers: new Map([[`${String(convId)}:${String(a)}`, { message: String(doc._id), seq }]]),
  })

  it('numbers a message and sets the last message and its sender’s read position', () => {
    const doc = message()
    const out = transformMessage(doc, prepared(doc, 3, 3))
    expect(out.outputs.map((o) => o.collection)).toEqual([
      'messages',
      'conversations',
      'conversation_reads',
    ])
    const first = out.outputs[0]!
    expect('document' in first && (first.document as Fields)).toMatchObject({ seq: 3, senderId: a })
    expect(out.outputs[2]).toMatchObject({
      filter: { _id: readId(convId, a), readSeq: { $lt: 3 } },
    })
  })

  it('skips a message of a conversation that was not imported', () => {
    const doc = message({ conversation: new ObjectId() })
    expect(transformMessage(doc, prepared(doc, 1, 1)).skip).toBe('conversation not imported')
  })
})
