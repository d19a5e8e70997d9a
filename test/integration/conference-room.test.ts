// The live room over WebSockets: votes acked only once stored, one vote per person, closed
// questions refused, roles enforced per message, coalesced counts, replay on reconnect, and results
// written to MongoDB on close and at the end.
import { ObjectId } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { createConference, joinAudience, staffSocket } from '../harness/conference'
import { api } from '../harness/http'
import { signUpUser, testDb } from '../harness/users'

const push = (conf: { id: string; host: { accessToken: string } }, q: string) =>
  api(`/api/conference/${conf.id}/questions/${q}/live`, {
    method: 'POST',
    token: conf.host.accessToken,
  })

describe('voting', () => {
  it('acks a stored vote, and the host sees the coalesced count', async () => {
    const conf = await createConference()
    const q = conf.questions[0]!
    const host = await staffSocket(conf.id, conf.host.accessToken)
    const alice = await joinAudience(conf, 'Alice')
    await push(conf, q.id)
    await alice.socket.next((m) => m.type === 'question.live')

    alice.socket.send({ type: 'vote', rid: 'v1', questionId: q.id, optionIds: [q.options[1]!.id] })
    expect(await alice.socket.next((m) => m.rid === 'v1')).toMatchObject({
      type: 'ack',
      questionId: q.id,
      replaced: false,
    })
    const stats = await host.next((m) => m.type === 'room.stats' && m.results?.totalResponses === 1)
    expect(stats.results.counts).toEqual({ [q.options[0]!.id]: 0, [q.options[1]!.id]: 1 })
    expect(stats.audienceCount).toBe(1)
    await Promise.all([host.close(), alice.socket.close()])
  })

  it('acks a multiple choice with its options, refuses an option named twice, counts a repeated choice once, and refuses a flood', async () => {
    const conf = await createConference([
      { text: 'Which?', options: ['a', 'b', 'c'], type: 'multiple', allowVoteChange: true },
    ])
    const q = conf.questions[0]!
    const [o1, o2, o3] = q.options.map((o: { id: string }) => o.id) as [string, string, string]
    const frank = await joinAudience(conf, 'Frank')
    await push(conf, q.id)
    frank.socket.send({ type: 'vote', rid: 'dup', questionId: q.id, optionIds: [o1, o1] })
    expect(await frank.socket.next((m) => m.rid === 'dup')).toMatchObject({
      type: 'error',
      code: 'VALIDATION_ERROR',
      message: 'Choose options of this question, each once',
    })
    frank.socket.send({ type: 'vote', rid: 'm', questionId: q.id, optionIds: [o1, o3] })
    expect(await frank.socket.next((m) => m.rid === 'm')).toEqual({
      type: 'ack',
      rid: 'm',
      questionId: q.id,
      optionIds: [o1, o3],
      replaced: false,
    })
    frank.socket.send({ type: 'vote', rid: 'same', questionId: q.id, optionIds: [o3, o1] })
    expect(await frank.socket.next((m) => m.rid === 'same')).toMatchObject({
      type: 'ack',
      replaced: true,
    })

    // A burst of 20, then 5 a second per audience member: the rest of a flood is refused, each
    // with its own rid, and changes nothing.
    const flood = Array.from({ length: 30 }, (_, i) => `f${i}`)
    for (const rid of flood)
      frank.socket.send({ type: 'vote', rid, questionId: q.id, optionIds: [o2] })
    await frank.socket.next((m) => m.rid === 'f29')
    const answers = flood.map((rid) => frank.socket.messages.find((m) => m.rid === rid))
    const limited = answers.filter((m) => m?.type === 'error' && m.code === 'RATE_LIMITED')
    expect(limited.length).toBeGreaterThan(0)
    expect(limited[0]).toMatchObject({ message: 'You are sending too fast; slow down' })
    expect(answers.every((m) => m?.type === 'ack' || m?.code === 'RATE_LIMITED')).toBe(true)
    const results = await api(`/api/conference/${conf.id}/questions/${q.id}/results`, {
      token: conf.host.accessToken,
    })
    // The burst's first votes went through and changed the choice to o2; none counted twice.
    expect(answers.filter((m) => m?.type === 'ack').length).toBeGreaterThan(0)
    expect(results.body.results).toMatchObject({
      counts: { [o1]: 0, [o2]: 1, [o3]: 0 },
      totalResponses: 1,
    })
    await frank.socket.close()
  })

  it('keeps sending counts to a host who reconnects, and to a second staff socket', async () => {
    const conf = await createConference()
    const q = conf.questions[0]!
    const first = await staffSocket(conf.id, conf.host.accessToken)
    const [alice, bob] = [await joinAudience(conf, 'Alice'), await joinAudience(conf, 'Bob')]
    await push(conf, q.id)
    await bob.socket.next((m) => m.type === 'question.live')
    const vote = (who: typeof alice, rid: string) => {
      who.socket.send({ type: 'vote', rid, questionId: q.id, optionIds: [q.options[0]!.id] })
      return who.socket.next((m) => m.rid === rid)
    }
    await vote(alice, 'a1')
    await first.next((m) => m.type === 'room.stats' && m.results?.totalResponses === 1)
    // The host's socket goes; the same host comes back on a new one, and a second tab joins.
    await first.close()
    const again = await staffSocket(conf.id, conf.host.accessToken)
    const secondTab = await staffSocket(conf.id, conf.host.accessToken)
    expect(await vote(bob, 'b1')).toMatchObject({ type: 'ack' })
    for (const socket of [again, secondTab]) {
      const stats = await socket.next(
        (m) => m.type === 'room.stats' && m.results?.totalResponses === 2,
      )
      expect(stats.results.counts[q.options[0]!.id]).toBe(2)
    }
    await Promise.all([again.close(), secondTab.close(), alice.socket.close(), bob.socket.close()])
  })

  it('counts one vote per person: a repeat is refused, or replaces when the question allows changes', async () => {
    const conf = await createConference([
      { text: 'Fixed?', options: ['a', 'b'] },
      { text: 'Changeable?', options: ['c', 'd'], allowVoteChange: true },
    ])
    const [fixed, changeable] = conf.questions
    const bob = await joinAudience(conf)
    await push(conf, fixed!.id)
    bob.socket.send({ type: 'vote', rid: '1', questionId: fixed!.id, optionIds: ['o1'] })
    await bob.socket.next((m) => m.rid === '1' && m.type === 'ack')
    bob.socket.send({ type: 'vote', rid: '2', questionId: fixed!.id, optionIds: ['o2'] })
    expect(await bob.socket.next((m) => m.rid === '2')).toMatchObject({
      type: 'error',
      code: 'CONFLICT',
      message: 'You have already voted on this question',
    })

    await push(conf, changeable!.id)
    bob.socket.send({ type: 'vote', rid: '3', questionId: changeable!.id, optionIds: ['o1'] })
    await bob.socket.next((m) => m.rid === '3' && m.type === 'ack')
    bob.socket.send({ type: 'vote', rid: '4', questionId: changeable!.id, optionIds: ['o2'] })
    expect(await bob.socket.next((m) => m.rid === '4')).toMatchObject({
      type: 'ack',
      replaced: true,
    })
    const results = await api(`/api/conference/${conf.id}/questions/${changeable!.id}/results`, {
      token: conf.host.accessToken,
    })
    expect(results.body.results).toMatchObject({ counts: { o1: 0, o2: 1 }, totalResponses: 1 })
    // The same participant reconnecting with its token is still the same voter.
    const again = await bob.reconnect()
    again.send({ type: 'vote', rid: '5', questionId: fixed!.id, optionIds: ['o2'] })
    expect(await again.next((m) => m.rid === '5')).toMatchObject({ type: 'error' })
    await Promise.all([bob.socket.close(), again.close()])
  })

  it('refuses votes on a closed question, invalid options, and a second option on a single-choice question', async () => {
    const conf = await createConference([{ text: 'Q?', options: ['a', 'b', 'c'] }])
    const q = conf.questions[0]!.id
    const carol = await joinAudience(conf)
    carol.socket.send({ type: 'vote', rid: 'early', questionId: q, optionIds: ['o1'] })
    expect(await carol.socket.next((m) => m.rid === 'early')).toMatchObject({
      type: 'error',
      code: 'CONFLICT',
      message: 'This question is not open for voting',
    })
    await push(conf, q)
    carol.socket.send({ type: 'vote', rid: 'bad', questionId: q, optionIds: ['o9'] })
    expect(await carol.socket.next((m) => m.rid === 'bad')).toMatchObject({
      type: 'error',
      code: 'VALIDATION_ERROR',
    })
    carol.socket.send({ type: 'vote', rid: 'two', questionId: q, optionIds: ['o1', 'o2'] })
    expect(await carol.socket.next((m) => m.rid === 'two')).toMatchObject({
      type: 'error',
      code: 'VALIDATION_ERROR',
    })
    await api(`/api/conference/${conf.id}/questions/${q}/close`, {
      method: 'POST',
      token: conf.host.accessToken,
    })
    carol.socket.send({ type: 'vote', rid: 'late', questionId: q, optionIds: ['o1'] })
    expect(await carol.socket.next((m) => m.rid === 'late')).toMatchObject({
      type: 'error',
      code: 'CONFLICT',
      message: 'This question is closed',
    })
    await carol.socket.close()
  })

  it('counts many concurrent voters exactly', async () => {
    const conf = await createConference()
    const q = conf.questions[0]!
    const host = await staffSocket(conf.id, conf.host.accessToken)
    // More voters than the room's batch burst (20), sent back to back: some votes are stored on a
    // later turn, in batches, and none may be lost or counted twice.
    const audience = await Promise.all(Array.from({ length: 60 }, () => joinAudience(conf)))
    await push(conf, q.id)
    await Promise.all(audience.map((a) => a.socket.next((m) => m.type === 'question.live')))
    await Promise.all(
      audience.map((a, i) => {
        a.socket.send({
          type: 'vote',
          rid: `r${i}`,
          questionId: q.id,
          optionIds: [i % 3 === 0 ? 'o1' : 'o2'],
        })
        return a.socket.next((m) => m.rid === `r${i}` && m.type === 'ack')
      }),
    )
    const final = await host.next(
      (m) => m.type === 'room.stats' && m.results?.totalResponses === 60,
    )
    expect(final.results.counts).toEqual({ o1: 20, o2: 40 })
    await Promise.all([host.close(), ...audience.map((a) => a.socket.close())])
  })
})

describe('roles and malformed messages', () => {
  it('refuses host messages from the audience and audience messages from the host', async () => {
    const conf = await createConference()
    const q = conf.questions[0]!.id
    const dave = await joinAudience(conf)
    for (const type of ['question.push', 'question.close', 'question.reveal']) {
      dave.socket.send({ type, rid: type, questionId: q })
      expect(await dave.socket.next((m) => m.rid === type)).toMatchObject({
        type: 'error',
        code: 'FORBIDDEN',
      })
    }
    dave.socket.send({ type: 'qa.moderate', rid: 'mod', qaId: 'x', action: 'hide' })
    expect(await dave.socket.next((m) => m.rid === 'mod')).toMatchObject({ code: 'FORBIDDEN' })
    const host = await staffSocket(conf.id, conf.host.accessToken)
    host.send({ type: 'vote', rid: 'hv', questionId: q, optionIds: ['o1'] })
    expect(await host.next((m) => m.rid === 'hv')).toMatchObject({ code: 'FORBIDDEN' })
    // A signed-in user who does not run the conference is audience.
    const user = await signUpUser()
    const userSocket = await staffSocket(conf.id, user.accessToken)
    userSocket.send({ type: 'question.push', rid: 'up', questionId: q })
    expect(await userSocket.next((m) => m.rid === 'up')).toMatchObject({ code: 'FORBIDDEN' })
    await Promise.all([dave.socket.close(), host.close(), userSocket.close()])
  })

  it('answers malformed messages with a validation error', async () => {
    const conf = await createConference()
    const eve = await joinAudience(conf)
    eve.socket.send({ type: 'vote', rid: 'm1', questionId: conf.questions[0]!.id, optionIds: 'o1' })
    expect(await eve.socket.next((m) => m.rid === 'm1')).toMatchObject({
      type: 'error',
      code: 'VALIDATION_ERROR',
    })
    eve.socket.send({ type: 'vote', rid: 'm2', questionId: { $ne: null }, optionIds: ['o1'] })
    expect(await eve.socket.next((m) => m.rid === 'm2')).toMatchObject({ code: 'VALIDATION_ERROR' })
    eve.socket.send({ type: 'qa.ask', rid: 'm3', text: 'x'.repeat(501) })
    expect(await eve.socket.next((m) => m.rid === 'm3')).toMatchObject({ code: 'VALIDATION_ERROR' })
    await eve.socket.close()
  })
})

describe('hidden results', () => {
  it('are not sent to the audience until revealed, while the host sees them', async () => {
    const conf = await createConference([
      { text: 'Secret?', options: ['a', 'b'], hideResults: true },
    ])
    const q = conf.questions[0]!.id
    const host = await staffSocket(conf.id, conf.host.accessToken)
    const fay = await joinAudience(conf)
    await push(conf, q)
    fay.socket.send({ type: 'vote', rid: 'v', questionId: q, optionIds: ['o1'] })
    await fay.socket.next((m) => m.rid === 'v')
    await host.next((m) => m.type === 'room.stats' && m.results?.totalResponses === 1)
    // A second member joining is a change the audience sees: its stats still hold no results.
    const gil = await joinAudience(conf)
    const audienceStats = await fay.socket.next(
      (m) => m.type === 'room.stats' && m.audienceCount === 2,
    )
    expect(audienceStats.results).toBeNull()
    await gil.socket.close()
    expect((await api(`/api/conference/${conf.id}/questions/${q}/results`)).status).toBe(403)

    await api(`/api/conference/${conf.id}/questions/${q}/reveal`, {
      method: 'POST',
      token: conf.host.accessToken,
    })
    const revealed = await fay.socket.next((m) => m.type === 'results.revealed')
    expect(revealed.results.counts).toEqual({ o1: 1, o2: 0 })
    expect(
      (await api(`/api/conference/${conf.id}/questions/${q}/results`)).body.results.totalResponses,
    ).toBe(1)
    await Promise.all([host.close(), fay.socket.close()])
  })
})

describe('audience counts', () => {
  it('go to the audience only when what it sees changed: hidden votes send nothing', async () => {
    const conf = await createConference([
      { text: 'Quiet?', options: ['a', 'b'], hideResults: true },
    ])
    const q = conf.questions[0]!.id
    const host = await staffSocket(conf.id, conf.host.accessToken)
    const [ann, bob] = [await joinAudience(conf), await joinAudience(conf)]
    await push(conf, q)
    // question.live carries the audience size and stands for that moment's room.stats.
    expect(await ann.socket.next((m) => m.type === 'question.live')).toMatchObject({
      audienceCount: 2,
    })
    const statsSoFar = () => ann.socket.messages.filter((m) => m.type === 'room.stats').length
    const before = statsSoFar()
    for (const [who, rid] of [
      [ann, 'a1'],
      [bob, 'b1'],
    ] as const) {
      who.socket.send({ type: 'vote', rid, questionId: q, optionIds: ['o1'] })
      await who.socket.next((m) => m.rid === rid)
    }
    await host.next((m) => m.type === 'room.stats' && m.results?.totalResponses === 2)
    // A third member joining is a change the audience does see; it comes after the votes' ticks.
    const cat = await joinAudience(conf)
    const seen = await ann.socket.next((m) => m.type === 'room.stats' && m.audienceCount === 3)
    expect(seen.results).toBeNull()
    // The hidden votes in between sent the audience nothing: only the join did.
    expect(statsSoFar()).toBe(before + 1)
    await Promise.all([host.close(), ann.socket.close(), bob.socket.close(), cat.socket.close()])
  })

  it("follow joins and leaves in the host's counts, and a push recounts the same", async () => {
    const conf = await createConference([{ text: 'Who is here?', options: ['a', 'b'] }])
    const host = await staffSocket(conf.id, conf.host.accessToken)
    const [ann, bob, cat] = [
      await joinAudience(conf),
      await joinAudience(conf),
      await joinAudience(conf),
    ]
    await host.next((m) => m.type === 'room.stats' && m.audienceCount === 3)
    await bob.socket.close()
    await host.next((m) => m.type === 'room.stats' && m.audienceCount === 2)
    await cat.socket.close()
    await host.next((m) => m.type === 'room.stats' && m.audienceCount === 1)
    // The push recounts the sockets themselves: the same number.
    await push(conf, conf.questions[0]!.id)
    expect(await ann.socket.next((m) => m.type === 'question.live')).toMatchObject({
      audienceCount: 1,
    })
    await Promise.all([host.close(), ann.socket.close()])
  })
})

describe('reconnecting', () => {
  it('replays exactly the events missed since the last seq', async () => {
    const conf = await createConference([
      { text: 'One?', options: ['a', 'b'] },
      { text: 'Two?', options: ['c', 'd'] },
    ])
    const gus = await joinAudience(conf)
    await push(conf, conf.questions[0]!.id)
    const seen = await gus.socket.next((m) => m.type === 'question.live')
    await gus.socket.close()
    const lastSeq = Math.max(
      seen.seq,
      ...gus.socket.messages.filter((m) => typeof m.seq === 'number').map((m) => m.seq),
    )

    await push(conf, conf.questions[1]!.id) // closes One, opens Two while Gus is away
    const back = await gus.reconnect(lastSeq)
    const closed = await back.next((m) => m.type === 'question.closed')
    const live = await back.next((m) => m.type === 'question.live')
    expect(closed.questionId).toBe(conf.questions[0]!.id)
    expect(live.question.id).toBe(conf.questions[1]!.id)
    expect(closed.seq).toBeGreaterThan(lastSeq)
    expect(live.seq).toBeGreaterThan(closed.seq)
    const seqs = back.messages
      .filter((m) => typeof m.seq === 'number' && m.type !== 'welcome')
      .map((m) => m.seq)
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
    expect(back.messages.some((m) => m.type === 'conference.snapshot')).toBe(false)
    // Counts are state, not logged events: none is replayed, the current ones follow the replay.
    const stats = await back.next((m) => m.type === 'room.stats')
    expect(back.messages.indexOf(stats)).toBeGreaterThan(back.messages.indexOf(live))
    expect(stats.seq).toBeUndefined()
    expect(stats).toMatchObject({
      audienceCount: 1,
      results: { questionId: conf.questions[1]!.id, totalResponses: 0 },
    })
    await back.close()
  })

  it('sends a full snapshot to a client without a seq', async () => {
    const conf = await createConference()
    await push(conf, conf.questions[0]!.id)
    const hal = await joinAudience(conf)
    const snap = await hal.socket.next((m) => m.type === 'conference.snapshot')
    expect(snap.snapshot).toMatchObject({
      status: 'ACTIVE',
      liveQuestion: { id: conf.questions[0]!.id },
      you: { role: 'audience' },
    })
    await hal.socket.close()
  })
})

describe('Q&A', () => {
  it('takes questions, one upvote per person, moderation, and lists by votes', async () => {
    const conf = await createConference()
    const host = await staffSocket(conf.id, conf.host.accessToken)
    const ivy = await joinAudience(conf, 'Ivy')
    const jon = await joinAudience(conf, 'Jon')
    ivy.socket.send({ type: 'qa.ask', rid: 'a1', text: 'When is lunch?' })
    const { qaId: lunch } = await ivy.socket.next((m) => m.rid === 'a1' && m.type === 'ack')
    jon.socket.send({ type: 'qa.ask', rid: 'a2', text: 'Slides?', anonymous: true })
    const { qaId: slides } = await jon.socket.next((m) => m.rid === 'a2' && m.type === 'ack')
    jon.socket.send({ type: 'qa.upvote', rid: 'u1', qaId: slides })
    await jon.socket.next((m) => m.rid === 'u1' && m.type === 'ack')
    jon.socket.send({ type: 'qa.upvote', rid: 'u2', qaId: slides })
    expect(await jon.socket.next((m) => m.rid === 'u2')).toMatchObject({
      type: 'error',
      code: 'CONFLICT',
    })
    ivy.socket.send({ type: 'qa.upvote', rid: 'u3', qaId: slides })
    await ivy.socket.next((m) => m.rid === 'u3' && m.type === 'ack')

    const list = await api(`/api/conference/${conf.id}/qa?sort=votes`)
    expect(
      list.body.items.map((i: { text: string; upvotes: number; authorName: string | null }) => [
        i.text,
        i.upvotes,
        i.authorName,
      ]),
    ).toEqual([
      ['Slides?', 2, null],
      ['When is lunch?', 0, 'Ivy'],
    ])
    host.send({ type: 'qa.moderate', rid: 'h', qaId: lunch, action: 'hide' })
    await host.next((m) => m.rid === 'h' && m.type === 'ack')
    expect(await ivy.socket.next((m) => m.type === 'qa.removed')).toMatchObject({ qaId: lunch })
    const after = await api(`/api/conference/${conf.id}/qa?sort=recent`)
    expect(after.body.items.map((i: { text: string }) => i.text)).toEqual(['Slides?'])
    const staffView = await api(`/api/conference/${conf.id}/qa`, { token: conf.host.accessToken })
    expect(staffView.body.items).toHaveLength(2)
    const pinned = await api(`/api/conference/${conf.id}/qa/${lunch}/moderate`, {
      method: 'POST',
      token: conf.host.accessToken,
      json: { action: 'pin' },
    })
    expect(pinned.status).toBe(200)
    const exported = await api(`/api/conference/${conf.id}/export/qa.csv`, {
      token: conf.host.accessToken,
    })
    expect(exported.headers.get('content-type')).toContain('text/csv')
    expect(String(exported.body).split('\r\n')[0]).toBe(
      'question,author,upvotes,status,pinned,asked_at',
    )
    await Promise.all([host.close(), ivy.socket.close(), jon.socket.close()])
  })
})

describe('results in MongoDB', () => {
  it('are written when a question closes and, with analytics, when the conference ends', async () => {
    const conf = await createConference([
      { text: 'P?', options: ['a', 'b'] },
      { text: 'Q?', options: ['c', 'd'] },
    ])
    const [p, q] = conf.questions.map((x) => x.id)
    const voters = await Promise.all([joinAudience(conf), joinAudience(conf), joinAudience(conf)])
    await push(conf, p!)
    await Promise.all(
      voters.map(
        (v, i) => (
          v.socket.send({ type: 'vote', rid: `p${i}`, questionId: p, optionIds: ['o1'] }),
          v.socket.next((m) => m.rid === `p${i}`)
        ),
      ),
    )
    await api(`/api/conference/${conf.id}/questions/${p}/close`, {
      method: 'POST',
      token: conf.host.accessToken,
    })
    const db = await testDb()
    const stored = await db.collection('conference_questions').findOne({ _id: new ObjectId(p) })
    expect(stored).toMatchObject({
      status: 'CLOSED',
      results: { counts: { o1: 3, o2: 0 }, totalResponses: 3 },
    })

    await push(conf, q!)
    voters[0]!.socket.send({ type: 'vote', rid: 'q0', questionId: q, optionIds: ['o2'] })
    await voters[0]!.socket.next((m) => m.rid === 'q0')
    const ended = await api(`/api/conference/${conf.id}`, {
      method: 'PUT',
      token: conf.host.accessToken,
      json: { status: 'ENDED' },
    })
    expect(ended.status).toBe(200)
    expect(await voters[1]!.socket.next((m) => m.type === 'conference.ended')).toBeTruthy()
    const doc = await db.collection('conferences').findOne({ _id: new ObjectId(conf.id) })
    expect(doc!.analytics).toMatchObject({
      totalParticipants: 3,
      totalVoters: 3,
      participationRate: 1,
      responsesPerQuestion: { [p!]: 3, [q!]: 1 },
    })
    expect(doc!.analytics.peakAudience).toBeGreaterThanOrEqual(1)
    expect(
      await db.collection('conference_questions').findOne({ _id: new ObjectId(q) }),
    ).toMatchObject({ status: 'CLOSED', results: { totalResponses: 1 } })
    // After the end, results come from MongoDB.
    const all = await api(`/api/conference/${conf.id}/questions/results`, {
      token: conf.host.accessToken,
    })
    expect(
      all.body.questions.map(
        (x: { results: { totalResponses: number } }) => x.results.totalResponses,
      ),
    ).toEqual([3, 1])
    await Promise.all(voters.map((v) => v.socket.close()))
  })
})
