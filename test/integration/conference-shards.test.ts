// A conference's audience spread over shard objects: votes stored and acked by each member's shard,
// totals exact across shards, one vote per person whichever shard or framing they come through,
// events reaching every shard's sockets, Q&A and hidden results through shards, and replay.
import { ObjectId } from 'mongodb'
import { describe, expect, it } from 'vitest'
import {
  createConference,
  joinAudience,
  staffSocket,
  type AudienceMember,
  type RunningConference,
} from '../harness/conference'
import { CLOSE_CODES } from '../../shared/realtime'
import { api, workerUrl } from '../harness/http'
import { signUpUser, testDb } from '../harness/users'
import { openSocket } from '../harness/ws'

/** CONFERENCE_SHARD_CAPACITY is 1,000 in tests: this many expected fills three shards. */
const THREE_SHARDS = 3000

const push = (conf: RunningConference, q: string) =>
  api(`/api/conference/${conf.id}/questions/${q}/live`, {
    method: 'POST',
    token: conf.host.accessToken,
  })

const close = (conf: RunningConference, q: string) =>
  api(`/api/conference/${conf.id}/questions/${q}/close`, {
    method: 'POST',
    token: conf.host.accessToken,
  })

/** Members joined until every one of `shards` shards holds at least one (the shard is hashed). */
async function audienceOnEveryShard(conf: RunningConference, shards: number, atLeast: number) {
  const members: (AudienceMember & { shard: number })[] = []
  while (members.length < atLeast || new Set(members.map((m) => m.shard)).size < shards) {
    if (members.length > 60) throw new Error('60 members and still a shard without any')
    const member = await joinAudience(conf, `Member ${members.length}`)
    const welcome = await member.socket.next((m) => m.type === 'welcome')
    members.push({ ...member, shard: welcome.identity.shard })
  }
  return members
}

describe('audience shards', () => {
  it('starts with shards for the expected audience, and records them on the conference', async () => {
    const conf = await createConference(undefined, { expectedAudience: THREE_SHARDS })
    const doc = await (
      await testDb()
    )
      .collection('conferences')
      .findOne({ _id: new ObjectId(conf.id) })
    expect(doc?.audienceShards).toEqual({ base: 3, count: 3 })
    const small = await createConference()
    const smallDoc = await (
      await testDb()
    )
      .collection('conferences')
      .findOne({ _id: new ObjectId(small.id) })
    expect(smallDoc?.audienceShards).toEqual({ base: 1, count: 1 })
  })

  it('counts every vote exactly once with the audience on three shards, and the push reaches all', async () => {
    const conf = await createConference(
      [{ text: 'Best shard?', options: ['a', 'b', 'c'], allowVoteChange: true }],
      { expectedAudience: THREE_SHARDS },
    )
    const q = conf.questions[0]!
    const host = await staffSocket(conf.id, conf.host.accessToken)
    const members = await audienceOnEveryShard(conf, 3, 12)
    expect(new Set(members.map((m) => m.shard))).toEqual(new Set([0, 1, 2]))
    await push(conf, q.id)
    await Promise.all(members.map((m) => m.socket.next((e) => e.type === 'question.live')))

    const expected: Record<string, number> = Object.fromEntries(q.options.map((o) => [o.id, 0]))
    members.forEach((m, i) => {
      const option = q.options[i % 3]!.id
      expected[option]! += 1
      m.socket.send({ type: 'vote', rid: `v${i}`, questionId: q.id, optionIds: [option] })
    })
    await Promise.all(
      members.map((m, i) =>
        expect(m.socket.next((e) => e.rid === `v${i}`)).resolves.toMatchObject({
          type: 'ack',
          replaced: false,
        }),
      ),
    )
    // Everyone changes to the first option: replaced on their own shard, never counted twice.
    members.forEach((m, i) =>
      m.socket.send({
        type: 'vote',
        rid: `c${i}`,
        questionId: q.id,
        optionIds: [q.options[0]!.id],
      }),
    )
    await Promise.all(
      members.map((m, i) =>
        expect(m.socket.next((e) => e.rid === `c${i}`)).resolves.toMatchObject({
          type: 'ack',
          replaced: true,
        }),
      ),
    )
    const final = {
      ...Object.fromEntries(q.options.map((o) => [o.id, 0])),
      [q.options[0]!.id]: members.length,
    }
    const stats = await host.next(
      (m) => m.type === 'room.stats' && m.results?.counts[q.options[0]!.id] === members.length,
      10_000,
    )
    expect(stats.results).toEqual({
      questionId: q.id,
      counts: final,
      totalResponses: members.length,
    })
    expect(stats.audienceCount).toBe(members.length)

    // The votes reached the shards, not the room: it heard their reports, a few a second.
    const load = await api(`/__dev/conference/${conf.id}/load`, { token: conf.host.accessToken })
    expect(load.status).toBe(200)
    expect(load.body.shards.map((s: { shard: number }) => s.shard).sort()).toEqual([0, 1, 2])
    const shardSockets = load.body.shards.reduce(
      (n: number, s: { counts: { socket: number } }) => n + s.counts.socket,
      0,
    )
    // Each member's upgrade and two votes, on their shard.
    expect(shardSockets).toBe(members.length * 3)
    expect(load.body.room.counts.socket).toBeLessThan(members.length)
    expect(load.body.room.counts.shard).toBeGreaterThan(0)
    const stranger = await api(`/__dev/conference/${conf.id}/load`, {
      token: (await signUpUser()).accessToken,
    })
    expect(stranger.status).toBe(403)

    // Closing collects each shard's last count: the closed results are the acked votes.
    const closed = await close(conf, q.id)
    expect(closed.body.results).toEqual({
      questionId: q.id,
      counts: final,
      totalResponses: members.length,
    })
    await Promise.all(members.map((m) => m.socket.next((e) => e.type === 'question.closed')))
    const stored = await (
      await testDb()
    )
      .collection('conference_questions')
      .findOne({ _id: new ObjectId(q.id) })
    expect(stored?.results).toMatchObject({ totalResponses: members.length })

    // The end closes every shard's participants and writes analytics counted over the shards.
    const ended = await api(`/api/conference/${conf.id}`, {
      method: 'PUT',
      token: conf.host.accessToken,
      json: { status: 'ENDED' },
    })
    expect(ended.status).toBe(200)
    await Promise.all(
      members.map(async (m) =>
        expect(await m.socket.closedByServer(5000)).toBe(CLOSE_CODES.CONFERENCE_ENDED),
      ),
    )
    const doc = await (
      await testDb()
    )
      .collection('conferences')
      .findOne({ _id: new ObjectId(conf.id) })
    expect(doc?.analytics).toMatchObject({
      peakAudience: members.length,
      // Everyone present counts, the host too (as before shards): the room notes its own sockets.
      totalParticipants: members.length + 1,
      totalVoters: members.length,
      participationRate: members.length / (members.length + 1),
      responsesPerQuestion: { [q.id]: members.length },
    })
    await Promise.all([host.close(), ...members.map((m) => m.socket.close())])
  })

  it('keeps one vote per person across reconnects and across framings (a Socket.IO client votes through its shard)', async () => {
    const conf = await createConference([{ text: 'Once?', options: ['yes', 'no'] }], {
      expectedAudience: THREE_SHARDS,
    })
    const q = conf.questions[0]!
    const ann = await joinAudience(conf, 'Ann')
    await push(conf, q.id)
    await ann.socket.next((m) => m.type === 'question.live')
    ann.socket.send({ type: 'vote', rid: '1', questionId: q.id, optionIds: [q.options[0]!.id] })
    expect(await ann.socket.next((m) => m.rid === '1')).toMatchObject({ type: 'ack' })
    await ann.socket.close()

    const again = await ann.reconnect()
    const welcome = await again.next(
      (m) => m.type === 'snapshot' || m.type === 'conference.snapshot',
    )
    expect(welcome.snapshot.you.votes).toEqual({ [q.id]: [q.options[0]!.id] })
    again.send({ type: 'vote', rid: '2', questionId: q.id, optionIds: [q.options[1]!.id] })
    expect(await again.next((m) => m.rid === '2')).toMatchObject({
      type: 'error',
      code: 'CONFLICT',
      message: 'You have already voted on this question',
    })

    // The same participant token through Socket.IO: its socket is the room's, its vote its shard's.
    const { io } = await import('socket.io-client')
    const { workerUrl } = await import('../harness/http')
    const client = io(workerUrl(), {
      path: '/socket.io/',
      query: { room: `conference:${conf.id}` },
      auth: { token: ann.participantToken },
      transports: ['websocket'],
      reconnection: false,
    })
    try {
      const snapshot = await new Promise<any>((resolve) =>
        client.on('conference.snapshot', (m: unknown) => resolve(m)),
      )
      expect(snapshot.snapshot.you.votes).toEqual({ [q.id]: [q.options[0]!.id] })
      const answer = await client.timeout(10_000).emitWithAck('vote', {
        questionId: q.id,
        optionIds: [q.options[1]!.id],
      })
      expect(answer).toMatchObject({ error: { code: 'CONFLICT' } })
    } finally {
      client.disconnect()
    }
    const results = await api(`/api/conference/${conf.id}/questions/${q.id}/results`, {
      token: conf.host.accessToken,
    })
    expect(results.body.results).toMatchObject({
      counts: { [q.options[0]!.id]: 1, [q.options[1]!.id]: 0 },
      totalResponses: 1,
    })
    await again.close()
  })

  it('carries Q&A across shards: asked on one, seen and upvoted on the others, hidden from all', async () => {
    const conf = await createConference(undefined, { expectedAudience: THREE_SHARDS })
    const host = await staffSocket(conf.id, conf.host.accessToken)
    const members = await audienceOnEveryShard(conf, 3, 3)
    const [asker, ...others] = members
    asker!.socket.send({ type: 'qa.ask', rid: 'ask', text: 'Why shards?', anonymous: false })
    const { qaId } = await asker!.socket.next((m) => m.rid === 'ask')
    expect(qaId).toEqual(expect.any(String))
    await Promise.all(
      members.map((m) => m.socket.next((e) => e.type === 'qa.new' && e.item.id === qaId)),
    )
    others.forEach((m, i) => m.socket.send({ type: 'qa.upvote', rid: `u${i}`, qaId }))
    await Promise.all(
      others.map((m, i) =>
        expect(m.socket.next((e) => e.rid === `u${i}`)).resolves.toMatchObject({ type: 'ack' }),
      ),
    )
    others[0]!.socket.send({ type: 'qa.upvote', rid: 'twice', qaId })
    expect(await others[0]!.socket.next((e) => e.rid === 'twice')).toMatchObject({
      code: 'CONFLICT',
    })
    // The shards' upvotes arrive as totals: everyone sees the sum.
    await Promise.all(
      [host, asker!.socket].map((s) =>
        s.next((e) => e.type === 'qa.updated' && e.item.upvotes === others.length, 10_000),
      ),
    )
    const listed = await api(`/api/conference/${conf.id}/qa`, { token: conf.host.accessToken })
    expect(listed.body.items ?? listed.body.qa).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: qaId, upvotes: others.length })]),
    )

    host.send({ type: 'qa.moderate', rid: 'hide', qaId, action: 'hide' })
    expect(await host.next((m) => m.rid === 'hide')).toMatchObject({ type: 'ack' })
    await Promise.all(
      members.map((m) => m.socket.next((e) => e.type === 'qa.removed' && e.qaId === qaId)),
    )
    asker!.socket.send({ type: 'qa.upvote', rid: 'hidden', qaId })
    expect(await asker!.socket.next((e) => e.rid === 'hidden')).toMatchObject({
      code: 'NOT_FOUND',
    })
    await Promise.all([host.close(), ...members.map((m) => m.socket.close())])
  })

  it('keeps hidden results hidden on every shard until the reveal, and replays missed events by seq', async () => {
    const conf = await createConference(
      [{ text: 'Secret?', options: ['x', 'y'], hideResults: true }],
      { expectedAudience: THREE_SHARDS },
    )
    const q = conf.questions[0]!
    const members = await audienceOnEveryShard(conf, 3, 3)
    await push(conf, q.id)
    const live = await Promise.all(
      members.map((m) => m.socket.next((e) => e.type === 'question.live')),
    )
    members.forEach((m, i) =>
      m.socket.send({
        type: 'vote',
        rid: `v${i}`,
        questionId: q.id,
        optionIds: [q.options[0]!.id],
      }),
    )
    await Promise.all(members.map((m, i) => m.socket.next((e) => e.rid === `v${i}`)))
    // One member drops out; the reveal happens while they are away.
    const away = members[0]!
    const seenSeq = live[0].seq
    await away.socket.close()
    const revealed = await api(`/api/conference/${conf.id}/questions/${q.id}/reveal`, {
      method: 'POST',
      token: conf.host.accessToken,
    })
    expect(revealed.status).toBe(200)
    for (const m of members.slice(1)) {
      const event = await m.socket.next((e) => e.type === 'results.revealed')
      expect(event.results.totalResponses).toBe(members.length)
    }
    // No audience frame before the reveal carried the counts.
    for (const m of members.slice(1)) {
      const before = m.socket.messages.slice(
        0,
        m.socket.messages.findIndex((e) => e.type === 'results.revealed'),
      )
      expect(before.filter((e) => e.results && e.results.totalResponses > 0)).toEqual([])
    }
    const back = await away.reconnect(seenSeq)
    const replayed = await back
      .next((e) => e.type === 'results.revealed')
      .catch((error) => {
        throw new Error(`no replay; got ${JSON.stringify(back.messages)}`, { cause: error })
      })
    expect(replayed.results.totalResponses).toBe(members.length)
    expect(back.messages.some((e) => e.type === 'conference.snapshot')).toBe(false)
    await Promise.all([back.close(), ...members.slice(1).map((m) => m.socket.close())])
  })

  it('admits each ticket once, on the shard for a participant and through Redis for an account', async () => {
    const conf = await createConference(undefined, { expectedAudience: THREE_SHARDS })
    const url = (ticket: string) =>
      `${workerUrl().replace('http', 'ws')}/api/realtime/conference/${conf.id}?ticket=${ticket}`
    const anonymous = await api(`/api/conference/by-code/${conf.code}/join`, {
      method: 'POST',
      json: {},
    })
    const user = await signUpUser()
    const account = await api(`/api/conference/by-code/${conf.code}/join`, {
      method: 'POST',
      token: user.accessToken,
      json: {},
    })
    for (const ticket of [anonymous.body.ticket, account.body.ticket]) {
      const first = await openSocket(url(ticket))
      expect((await first.next((m) => m.type === 'welcome')).identity.role).toBe('audience')
      const second = await openSocket(url(ticket)).catch((error: unknown) => error)
      expect(second).toMatchObject({ status: 401 })
      expect(JSON.parse((second as { body: string }).body)).toMatchObject({
        success: false,
        code: 'UNAUTHORIZED',
        message: 'This ticket was already used',
      })
      await first.close()
    }
  })

  it('reads a conference once for a storm of joins, and sees its own changes at once', async () => {
    const conf = await createConference(undefined, { expectedAudience: THREE_SHARDS })
    const join = () =>
      api(`/api/conference/by-code/${conf.code}/join`, { method: 'POST', json: {} })
    expect((await join()).body.conference.title).toBe('Test Conf')
    // Renamed behind the API's back: joins within the next seconds are served from memory.
    await (
      await testDb()
    )
      .collection('conferences')
      .updateOne({ _id: new ObjectId(conf.id) }, { $set: { title: 'Renamed in MongoDB' } })
    const storm = await Promise.all(Array.from({ length: 20 }, join))
    expect(storm.map((r) => r.status)).toEqual(Array(20).fill(200))
    expect(new Set(storm.map((r) => r.body.conference.title))).toEqual(new Set(['Test Conf']))
    // A change made through the API is seen by the next join: the conference ended, no ticket.
    const ended = await api(`/api/conference/${conf.id}`, {
      method: 'PUT',
      token: conf.host.accessToken,
      json: { status: 'ENDED' },
    })
    expect(ended.status).toBe(200)
    const late = await join()
    expect(late.body).toMatchObject({ ticket: null, conference: { status: 'ENDED' } })
  })

  it('puts a Socket.IO client that names its token in the handshake on its shard, polling or upgraded', async () => {
    const conf = await createConference([{ text: 'Framed?', options: ['yes', 'no'] }], {
      expectedAudience: THREE_SHARDS,
    })
    const q = conf.questions[0]!
    const { io } = await import('socket.io-client')
    const voters = []
    for (const transports of [['polling'], ['polling', 'websocket']]) {
      const joined = await api(`/api/conference/by-code/${conf.code}/join`, {
        method: 'POST',
        json: {},
      })
      const client = io(workerUrl(), {
        path: '/socket.io/',
        query: { room: `conference:${conf.id}`, token: joined.body.participantToken },
        transports,
        reconnection: false,
      })
      const welcome = await new Promise<any>((resolve) => client.on('welcome', resolve))
      voters.push({ client, shard: welcome.identity.shard as number })
    }
    await push(conf, q.id)
    for (const { client } of voters) {
      const ack = await client.timeout(10_000).emitWithAck('vote', {
        questionId: q.id,
        optionIds: [q.options[0]!.id],
      })
      expect(ack).toMatchObject({ questionId: q.id, replaced: false })
    }
    // Their connections and votes reached their shards; the room held no socket of theirs.
    const load = await api(`/__dev/conference/${conf.id}/load`, { token: conf.host.accessToken })
    expect(load.body.room.counts.socket).toBe(0)
    for (const { shard } of voters)
      expect(
        load.body.shards.find((s: { shard: number }) => s.shard === shard).counts.socket,
      ).toBeGreaterThanOrEqual(2)
    const results = await api(`/api/conference/${conf.id}/questions/${q.id}/results`, {
      token: conf.host.accessToken,
    })
    expect(results.body.results).toMatchObject({ totalResponses: 2 })
    for (const { client } of voters) client.disconnect()
  })
})
