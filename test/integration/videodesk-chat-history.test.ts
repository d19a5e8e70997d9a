// Assistant chat history (/api/v1/chat/sessions): save by session id (create, then replace), list,
// read, rename, rate messages, delete; bad input is a 400 and another user's session is unreachable
// even under the same session id.
import { ObjectId } from 'mongodb'
import { beforeAll, describe, expect, it } from 'vitest'
import { api } from '../harness/http'
import { testDb } from '../harness/users'
import { vd, videodeskUser, type VideodeskUser } from '../harness/videodesk'

let user: VideodeskUser
let other: VideodeskUser

beforeAll(async () => {
  await api('/api/health')
  ;[user, other] = await Promise.all([videodeskUser(), videodeskUser()])
})

const save = (who: VideodeskUser | undefined, json: unknown) =>
  vd(who, '/chat/sessions', { method: 'POST', json })

const conversation = [
  { id: 'm1', role: 'user', content: 'How do I report damp in my flat?' },
  { id: 'm2', role: 'assistant', content: 'Start a share-code upload with photos.' },
]

describe('saving and reading sessions', () => {
  it('creates a session, replaces it on the next save, and keeps ratings across saves', async () => {
    const created = await save(user, { sessionId: 'chat-1', messages: conversation })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    expect(created.body.session).toMatchObject({
      sessionId: 'chat-1',
      title: 'How do I report damp in my flat?',
      preview: 'Start a share-code upload with photos.',
      messageCount: 2,
    })

    const rated = await vd(user, '/chat/sessions/chat-1/messages/m2/feedback', {
      method: 'PUT',
      json: { feedback: 'positive', comment: 'Clear answer' },
    })
    expect(rated.status).toBe(200)

    const more = [...conversation, { id: 'm3', role: 'user', content: 'Thanks!' }]
    const updated = await save(user, { sessionId: 'chat-1', messages: more })
    expect(updated.status).toBe(200)
    expect(updated.body.session).toMatchObject({
      title: 'How do I report damp in my flat?',
      messageCount: 3,
      preview: 'Thanks!',
    })

    const read = await vd(user, '/chat/sessions/chat-1')
    expect(read.status).toBe(200)
    expect(read.body.session.messages.map((m: any) => m.id)).toEqual(['m1', 'm2', 'm3'])
    expect(read.body.session.messages[1].feedback).toMatchObject({
      rating: 'positive',
      comment: 'Clear answer',
    })
    expect(read.body.session.messages[0].feedback).toBeNull()

    const cleared = await vd(user, '/chat/sessions/chat-1/messages/m2/feedback', {
      method: 'PUT',
      json: { feedback: null },
    })
    expect(cleared.status).toBe(200)
    expect((await vd(user, '/chat/sessions/chat-1')).body.session.messages[1].feedback).toBeNull()
    const missing = await vd(user, '/chat/sessions/chat-1/messages/m9/feedback', {
      method: 'PUT',
      json: { feedback: 'negative' },
    })
    expect(missing.status).toBe(404)

    const renamed = await vd(user, '/chat/sessions/chat-1/title', {
      method: 'PUT',
      json: { title: 'Damp report' },
    })
    expect(renamed.body.session.title).toBe('Damp report')
    // A save without a title keeps the user's name for it.
    await save(user, { sessionId: 'chat-1', messages: more })
    expect((await vd(user, '/chat/sessions/chat-1')).body.session.title).toBe('Damp report')
  })

  it('lists sessions newest first without messages, paged, and deletes them', async () => {
    const fresh = await videodeskUser()
    for (const id of ['a', 'b', 'c']) {
      expect(
        (await save(fresh, { sessionId: `s-${id}`, messages: [{ role: 'user', content: id }] }))
          .status,
      ).toBe(201)
    }
    const list = await vd(fresh, '/chat/sessions')
    expect(list.body.sessions.map((s: any) => s.sessionId)).toEqual(['s-c', 's-b', 's-a'])
    expect(list.body.sessions[0].messages).toBeUndefined()
    const paged = await vd(fresh, '/chat/sessions?limit=2&page=2')
    expect(paged.body.sessions.map((s: any) => s.sessionId)).toEqual(['s-a'])
    expect(paged.body.pagination).toMatchObject({ total: 3, pages: 2 })

    expect((await vd(fresh, '/chat/sessions/s-b', { method: 'DELETE' })).status).toBe(200)
    expect((await vd(fresh, '/chat/sessions/s-b', { method: 'DELETE' })).status).toBe(404)
    expect((await vd(fresh, '/chat/sessions/s-b')).status).toBe(404)
    const empty = await save(fresh, { sessionId: 's-empty', messages: [] })
    expect(empty.body.session).toMatchObject({ title: 'New chat', messageCount: 0 })
  })

  it('refuses bad input', async () => {
    for (const json of [
      { messages: [] },
      { sessionId: 'has.dot', messages: [] },
      { sessionId: '$where', messages: [] },
      { sessionId: 'ok', messages: [{ role: 'robot', content: 'x' }] },
      { sessionId: 'ok', messages: [{ role: 'user', content: 5 }] },
      { sessionId: 'ok', messages: [{ id: 'x.y', role: 'user', content: 'a' }] },
      {
        sessionId: 'ok',
        messages: [
          { id: 'same', role: 'user', content: 'a' },
          { id: 'same', role: 'assistant', content: 'b' },
        ],
      },
      {
        sessionId: 'ok',
        messages: Array.from({ length: 501 }, () => ({ role: 'user', content: 'a' })),
      },
    ]) {
      expect((await save(user, json)).status, JSON.stringify(json).slice(0, 80)).toBe(400)
    }
    await save(user, { sessionId: 'bad-input', messages: conversation })
    const title = await vd(user, '/chat/sessions/bad-input/title', {
      method: 'PUT',
      json: { title: '' },
    })
    expect(title.status).toBe(400)
    const rating = await vd(user, '/chat/sessions/bad-input/messages/m1/feedback', {
      method: 'PUT',
      json: { feedback: 'meh' },
    })
    expect(rating.status).toBe(400)
    expect((await vd(user, '/chat/sessions?limit=0')).status).toBe(400)
  })
})

describe('who may do what', () => {
  it("keeps each user's sessions apart, even under the same session id", async () => {
    await save(user, { sessionId: 'shared-id', messages: conversation })
    const mine = await save(other, {
      sessionId: 'shared-id',
      messages: [{ id: 'o1', role: 'user', content: 'Something else entirely' }],
    })
    expect(mine.status).toBe(201)
    expect(mine.body.session.messageCount).toBe(1)
    const read = await vd(user, '/chat/sessions/shared-id')
    expect(read.body.session.messages.map((m: any) => m.id)).toEqual(['m1', 'm2'])

    await save(user, { sessionId: 'private', messages: conversation })
    expect((await vd(other, '/chat/sessions/private')).status).toBe(404)
    expect(
      (await vd(other, '/chat/sessions/private/title', { method: 'PUT', json: { title: 'x' } }))
        .status,
    ).toBe(404)
    expect(
      (
        await vd(other, '/chat/sessions/private/messages/m1/feedback', {
          method: 'PUT',
          json: { feedback: 'negative' },
        })
      ).status,
    ).toBe(404)
    expect((await vd(other, '/chat/sessions/private', { method: 'DELETE' })).status).toBe(404)
    const theirList = await vd(other, '/chat/sessions?limit=100')
    expect(theirList.body.sessions.map((s: any) => s.sessionId)).not.toContain('private')

    for (const [method, path] of [
      ['GET', '/chat/sessions'],
      ['GET', '/chat/sessions/private'],
      ['DELETE', '/chat/sessions/private'],
    ]) {
      expect((await vd(undefined, path!, { method })).status).toBe(401)
    }
    expect((await save(undefined, { sessionId: 'x', messages: [] })).status).toBe(401)

    const stored = await (
      await testDb()
    )
      .collection('chat_histories')
      .findOne({ sessionId: 'private', userId: new ObjectId(user.id) })
    expect(stored?.feedback).toEqual({})
    expect(stored?.messages).toHaveLength(2)
  })
})
