// Messaging through the ChatConversation object: acks after storage, receipts and typing, members
// only, gap-free replay on reconnect, history pages, blocks, rate limits, and nothing acknowledged
// lost when the conversation's object restarts.
import { ObjectId } from 'mongodb'
import { describe, expect, it, vi } from 'vitest'
import { chatSocket, directChat, userChannelSocket } from '../harness/chat'
import { api } from '../harness/http'
import { signUpUser, testDb } from '../harness/users'

describe('conversations over sockets', () => {
  it('exchanges messages with acks, delivery and read receipts, and typing', async () => {
    const [ann, ben] = await Promise.all([signUpUser({ name: 'Ann' }), signUpUser({ name: 'Ben' })])
    const id = await directChat(ann, ben)
    const a = await chatSocket(id, ann)
    const b = await chatSocket(id, ben)

    a.send({ type: 'typing', rid: 't', active: true })
    const typing = await b.next((m) => m.type === 'typing.changed')
    expect(typing).toMatchObject({ userId: ann.id, active: true })
    expect(Date.parse(typing.until)).toBeGreaterThan(Date.now())

    a.send({ type: 'message.send', rid: 's1', text: 'Hello <b>Ben</b>', clientId: 'c1' })
    const ack = await a.next((m) => m.rid === 's1')
    expect(ack).toMatchObject({ type: 'ack', seq: 1 })
    const received = await b.next((m) => m.type === 'message.new')
    // Text is stored and returned as text, never rendered.
    expect(received.message).toMatchObject({ seq: 1, senderId: ann.id, text: 'Hello <b>Ben</b>' })

    b.send({ type: 'message.delivered', rid: 'd', seq: 1 })
    expect(await a.next((m) => m.type === 'receipt.updated' && m.userId === ben.id)).toMatchObject({
      deliveredSeq: 1,
      readSeq: 0,
    })
    b.send({ type: 'message.read', rid: 'r', seq: 1 })
    expect(await a.next((m) => m.type === 'receipt.updated' && m.readSeq === 1)).toMatchObject({
      userId: ben.id,
    })

    // A retried send with the same clientId is stored once.
    a.send({ type: 'message.send', rid: 's1-retry', text: 'Hello <b>Ben</b>', clientId: 'c1' })
    expect(await a.next((m) => m.rid === 's1-retry')).toMatchObject({ type: 'ack', seq: 1 })
    await Promise.all([a.close(), b.close()])
  })

  it('refuses non-members: no ticket, no history, no sends', async () => {
    const [ann, ben, eve] = await Promise.all([signUpUser(), signUpUser(), signUpUser()])
    const id = await directChat(ann, ben)
    expect(
      (
        await api(`/api/chat/conversations/${id}/ticket`, {
          method: 'POST',
          token: eve.accessToken,
        })
      ).status,
    ).toBe(404)
    expect(
      (await api(`/api/chat/conversations/${id}/messages`, { token: eve.accessToken })).status,
    ).toBe(404)
    expect((await api(`/api/chat/conversations/${id}`, { token: eve.accessToken })).status).toBe(
      404,
    )
    const send = await api('/api/chat/message', {
      method: 'POST',
      token: eve.accessToken,
      json: { conversationId: id, text: 'hi' },
    })
    expect(send.status).toBe(404)
  })

  it('replays exactly the missed messages, in order, to a member reconnecting with its last seq', async () => {
    const [ann, ben] = await Promise.all([signUpUser(), signUpUser()])
    const id = await directChat(ann, ben)
    const a = await chatSocket(id, ann)
    let b = await chatSocket(id, ben)
    a.send({ type: 'message.send', rid: 'm1', text: 'one' })
    await b.next((m) => m.type === 'message.new' && m.seq === 1)
    await b.close()
    for (const [i, text] of ['two', 'three', 'four'].entries()) {
      a.send({ type: 'message.send', rid: `m${i + 2}`, text })
      await a.next((m) => m.rid === `m${i + 2}`)
    }
    b = await chatSocket(id, ben, 1)
    const replayed = b.messages
      .filter((m) => m.type === 'message.new')
      .map((m) => [m.seq, m.message.text])
    expect(replayed).toEqual([
      [2, 'two'],
      [3, 'three'],
      [4, 'four'],
    ])
    await Promise.all([a.close(), b.close()])
  })

  it('refuses oversize and malformed messages with a clear error', async () => {
    const [ann, ben] = await Promise.all([signUpUser(), signUpUser()])
    const a = await chatSocket(await directChat(ann, ben), ann)
    a.send({ type: 'message.send', rid: 'big', text: 'x'.repeat(4001) })
    expect(await a.next((m) => m.rid === 'big')).toMatchObject({
      type: 'error',
      code: 'VALIDATION_ERROR',
    })
    a.send({ type: 'message.send', rid: 'empty', text: '   ' })
    expect(await a.next((m) => m.rid === 'empty')).toMatchObject({
      type: 'error',
      code: 'VALIDATION_ERROR',
    })
    a.send({
      type: 'message.send',
      rid: 'att',
      text: 'see',
      attachments: [new ObjectId().toHexString()],
    })
    expect(await a.next((m) => m.rid === 'att')).toMatchObject({
      type: 'error',
      code: 'VALIDATION_ERROR',
    })
    a.send({ type: 'message.read', rid: 'future', seq: 99 })
    expect(await a.next((m) => m.rid === 'future')).toMatchObject({ type: 'error' })
    await a.close()
  })

  it('rate-limits a sender who bursts, without affecting the other member', async () => {
    const [ann, ben] = await Promise.all([signUpUser(), signUpUser()])
    const id = await directChat(ann, ben)
    const a = await chatSocket(id, ann)
    const b = await chatSocket(id, ben)
    for (let i = 0; i < 25; i++) a.send({ type: 'message.send', rid: `b${i}`, text: `burst ${i}` })
    const answers = await Promise.all(
      Array.from({ length: 25 }, (_, i) => a.next((m) => m.rid === `b${i}`)),
    )
    const limited = answers.filter((m) => m.type === 'error' && m.code === 'RATE_LIMITED')
    expect(limited.length).toBeGreaterThan(0)
    expect(answers.filter((m) => m.type === 'ack').length).toBeGreaterThanOrEqual(20)
    b.send({ type: 'message.send', rid: 'ok', text: 'me too' })
    expect(await b.next((m) => m.rid === 'ok')).toMatchObject({ type: 'ack' })
    await Promise.all([a.close(), b.close()])
  })
})

describe('REST messaging', () => {
  it('sends to a user (opening the 1:1), lists conversations with last message and unread, marks read', async () => {
    const [ann, ben] = await Promise.all([signUpUser(), signUpUser()])
    const sent = await api('/api/chat/message', {
      method: 'POST',
      token: ann.accessToken,
      json: { recipientId: ben.id, text: 'ping' },
    })
    expect(sent.status).toBe(201)
    await api('/api/chat/message', {
      method: 'POST',
      token: ann.accessToken,
      json: { conversationId: sent.body.conversationId, text: 'pong?' },
    })
    // Once the list shows the second message, it shows it whole.
    const latest = await vi.waitFor(
      async () => {
        const [conversation] = (await api('/api/chat/conversations', { token: ben.accessToken }))
          .body.conversations
        expect(conversation?.lastSeq).toBe(2)
        return conversation
      },
      { timeout: 5000, interval: 100 },
    )
    expect(latest).toMatchObject({
      id: sent.body.conversationId,
      unreadCount: 2,
      lastMessage: { text: 'pong?', senderId: ann.id },
    })
    await api(`/api/chat/conversations/${sent.body.conversationId}/read`, {
      method: 'POST',
      token: ben.accessToken,
      json: { seq: 2 },
    })
    await expect
      .poll(
        async () =>
          (await api('/api/chat/conversations', { token: ben.accessToken })).body.conversations[0]
            .unreadCount,
        { timeout: 5000, interval: 100 },
      )
      .toBe(0)
  })

  it('pages conversations with nextCursor, and refuses a cursor it did not make with a 400', async () => {
    const [ann, ...others] = await Promise.all([0, 1, 2, 3].map(() => signUpUser()))
    for (const other of others) await directChat(ann!, other)
    const first = await api('/api/chat/conversations?limit=2', { token: ann!.accessToken })
    expect(first.status).toBe(200)
    expect(first.body.conversations).toHaveLength(2)
    const second = await api(
      `/api/chat/conversations?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`,
      { token: ann!.accessToken },
    )
    expect(second.body.nextCursor).toBeNull()
    const ids = [...first.body.conversations, ...second.body.conversations].map(
      (c: { id: string }) => c.id,
    )
    expect(new Set(ids).size).toBe(3)

    // Not base64; base64 of something else; a malformed escape; an operator object.
    for (const cursor of ['!!!', btoa('not|a cursor'), '%ff', '{"$gt":""}']) {
      const res = await api(`/api/chat/conversations?cursor=${cursor}`, {
        token: ann!.accessToken,
      })
      expect(res.status, cursor).toBe(400)
      expect(res.body).toMatchObject({
        code: 'VALIDATION_ERROR',
        details: [{ path: 'query.cursor', message: 'must be the nextCursor of a previous page' }],
      })
    }
  })

  it('pages history by seq, stable as new messages arrive', async () => {
    const [ann, ben] = await Promise.all([signUpUser(), signUpUser()])
    const id = await directChat(ann, ben)
    for (let i = 1; i <= 12; i++) {
      await api('/api/chat/message', {
        method: 'POST',
        token: ann.accessToken,
        json: { conversationId: id, text: `m${i}` },
      })
    }
    const latest = await api(`/api/chat/conversations/${id}/messages?limit=5`, {
      token: ben.accessToken,
    })
    expect(latest.body.messages.map((m: { text: string }) => m.text)).toEqual([
      'm8',
      'm9',
      'm10',
      'm11',
      'm12',
    ])
    await api('/api/chat/message', {
      method: 'POST',
      token: ben.accessToken,
      json: { conversationId: id, text: 'new' },
    })
    const older = await api(`/api/chat/conversations/${id}/messages?before=8&limit=5`, {
      token: ben.accessToken,
    })
    expect(older.body.messages.map((m: { text: string }) => m.text)).toEqual([
      'm3',
      'm4',
      'm5',
      'm6',
      'm7',
    ])
    const newer = await api(`/api/chat/conversations/${id}/messages?after=11&limit=5`, {
      token: ben.accessToken,
    })
    expect(newer.body.messages.map((m: { text: string }) => m.text)).toEqual(['m12', 'new'])
  })

  it('lets members delete only their own messages', async () => {
    const [ann, ben] = await Promise.all([signUpUser(), signUpUser()])
    const sent = await api('/api/chat/message', {
      method: 'POST',
      token: ann.accessToken,
      json: { recipientId: ben.id, text: 'oops' },
    })
    const id = sent.body.conversationId
    expect(
      (
        await api(`/api/chat/conversations/${id}/messages/1`, {
          method: 'DELETE',
          token: ben.accessToken,
        })
      ).status,
    ).toBe(403)
    expect(
      (
        await api(`/api/chat/conversations/${id}/messages/1`, {
          method: 'DELETE',
          token: ann.accessToken,
        })
      ).status,
    ).toBe(200)
    const history = await api(`/api/chat/conversations/${id}/messages`, { token: ben.accessToken })
    expect(history.body.messages[0]).toMatchObject({ seq: 1, deleted: true, text: '' })
  })

  it('refuses messages between users when either blocked the other', async () => {
    const [ann, ben] = await Promise.all([signUpUser(), signUpUser()])
    const first = await api('/api/chat/message', {
      method: 'POST',
      token: ann.accessToken,
      json: { recipientId: ben.id, text: 'hi' },
    })
    expect(first.status).toBe(201)
    await (await testDb()).collection('blocks').insertOne({
      blockerId: new ObjectId(ben.id),
      blockedId: new ObjectId(ann.id),
      createdAt: new Date(),
    })
    const dm = await api('/api/chat/conversations/direct', {
      method: 'POST',
      token: ann.accessToken,
      json: { userId: ben.id },
    })
    expect(dm.status).toBe(403)
  })
})

describe('groups', () => {
  it('tells members not viewing the conversation about unread messages, and only them', async () => {
    const [owner, viewer, away] = await Promise.all([signUpUser(), signUpUser(), signUpUser()])
    const group = await api('/api/chat/conversations/group', {
      method: 'POST',
      token: owner.accessToken,
      json: { name: 'Unread', memberIds: [viewer.id, away.id] },
    })
    const id = group.body.conversation.id
    const [ownerRoom, viewerRoom, viewerChannel, awayChannel] = await Promise.all([
      chatSocket(id, owner),
      chatSocket(id, viewer),
      userChannelSocket(viewer),
      userChannelSocket(away),
    ])
    const unread = (m: any) => m.type === 'chat.unread' && m.conversationId === id
    ownerRoom.send({ type: 'message.send', rid: 'u1', text: 'first' })
    expect(await awayChannel.next(unread, 8000)).toMatchObject({ lastSeq: 1, unread: 1 })
    await viewerRoom.next((m) => m.type === 'message.new' && m.seq === 1)
    expect(viewerChannel.messages.filter(unread)).toEqual([])

    // Once the viewer leaves the conversation, it is told about the next message too.
    // No pause for the room to hear of it: close() resolves after the closing handshake, so the
    // room had the close (an event of its own, queued as the frame came in) before any frame sent
    // from here, and it handles its sockets' events in order. The pong to a ping sent now marks
    // that point: the room has handled everything that came before it, the close included.
    await viewerRoom.close()
    ownerRoom.send({ type: 'ping', rid: 'after-close' })
    await ownerRoom.next((m) => m.rid === 'after-close')
    ownerRoom.send({ type: 'message.send', rid: 'u2', text: 'second' })
    expect(await viewerChannel.next(unread, 8000)).toMatchObject({ lastSeq: 2 })
    await Promise.all([ownerRoom.close(), viewerChannel.close(), awayChannel.close()])
  })

  it('admins add and remove members; others cannot; members may leave', async () => {
    const [owner, m1, m2, outsider] = await Promise.all([
      signUpUser(),
      signUpUser(),
      signUpUser(),
      signUpUser(),
    ])
    const group = await api('/api/chat/conversations/group', {
      method: 'POST',
      token: owner.accessToken,
      json: { name: 'Team', memberIds: [m1.id] },
    })
    expect(group.status).toBe(201)
    const id = group.body.conversation.id
    expect(
      (
        await api(`/api/chat/conversations/${id}/members`, {
          method: 'POST',
          token: m1.accessToken,
          json: { userIds: [m2.id] },
        })
      ).status,
    ).toBe(403)
    expect(
      (
        await api(`/api/chat/conversations/${id}/members`, {
          method: 'POST',
          token: owner.accessToken,
          json: { userIds: [m2.id] },
        })
      ).status,
    ).toBe(200)
    expect(
      (
        await api(`/api/chat/conversations/${id}/members/${m2.id}`, {
          method: 'DELETE',
          token: m1.accessToken,
        })
      ).status,
    ).toBe(403)
    expect(
      (
        await api(`/api/chat/conversations/${id}/members`, {
          method: 'POST',
          token: outsider.accessToken,
          json: { userIds: [outsider.id] },
        })
      ).status,
    ).toBe(404)
    expect(
      (await api(`/api/chat/conversations/${id}/leave`, { method: 'POST', token: m1.accessToken }))
        .status,
    ).toBe(200)
    const view = await api(`/api/chat/conversations/${id}`, { token: owner.accessToken })
    expect(view.body.conversation.members.sort()).toEqual([owner.id, m2.id].sort())
    expect(
      (await api(`/api/chat/conversations/${id}/messages`, { token: m1.accessToken })).status,
    ).toBe(404)
  })
})

describe('durability', () => {
  it('writes acknowledged messages to MongoDB', async () => {
    const [ann, ben] = await Promise.all([signUpUser(), signUpUser()])
    const id = await directChat(ann, ben)
    const a = await chatSocket(id, ann)
    for (let i = 1; i <= 5; i++) {
      a.send({ type: 'message.send', rid: `p${i}`, text: `persist ${i}` })
      await a.next((m) => m.rid === `p${i}`)
    }
    const db = await testDb()
    await expect
      .poll(() => db.collection('messages').countDocuments({ conversationId: new ObjectId(id) }), {
        timeout: 5000,
        interval: 100,
      })
      .toBe(5)
    await a.close()
  })
})
