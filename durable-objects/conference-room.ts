// One live conference: the live question, its totals, Q&A, and the hosts' and speakers' sockets, in
// SQLite storage. The audience is spread over audience shard objects (audience-shard.ts) that store
// and ack its votes and report totals on a short tick; the room sends each event once per shard.
// Counts are broadcast on a short alarm tick, never per vote. Results reach MongoDB when a
// question closes and when the conference ends (retried by the alarm until MongoDB takes them).
import { ObjectId } from 'mongodb'
import type { Revocation } from '../shared/realtime'
import {
  CONFERENCE_FRAME_BUDGETS,
  ConferenceClientMessageSchema,
  type ConferenceAck,
  type ConferenceAckMessage,
  type ConferenceClientMessage,
  type ConferenceEventInput,
  type ConferenceRole,
  type ConferenceServerMessage,
  type ConferenceSnapshot,
  type LiveQuestion,
  type PollResults,
  type QaItem,
  type RoomStats,
  type VoteMessage,
} from '../shared/conference'
import { CLOSE_CODES, type RealtimeIdentity } from '../shared/realtime'
import type { Bindings } from '../worker/env'
import { conferences, saveQuestionResults } from '../worker/conference/store'
import { configFor } from '../worker/config'
import { log } from '../worker/log'
import { admitSocketIo } from '../worker/realtime/socket-io-identity'
import {
  audienceShardOf,
  audienceShardStub,
  UNSHARDED,
  voterKey,
  type AudienceShards,
} from '../worker/conference/shards'
import type { AudienceView, Delivery, ShardReport, ShardState } from './audience-shard-protocol'
import { ConferenceStore, type EventTarget, type StoredQuestion } from './conference-store'
import { CountTicks } from './count-ticks'
import { FrameBudgets } from './frame-budgets'
import { TokenBuckets } from './token-buckets'
import {
  RealtimeRoom,
  RoomError,
  type ClientFrame,
  type RoomResult,
  type SocketAttachment,
} from './realtime-room'
import { AUDIENCE_RATE, shardReportIntervalMs } from './room-limits'
import { ShardTotals } from './shard-totals'
import { conferenceMessage } from './conference-intake'
import { EventMeter, type EventCounts } from './event-meter'

/**
 * Live counts go to hosts and speakers at most this often: after a vote batch is stored at once when
 * this allows, else on the alarm. A handful of sockets, so a short tick costs little and the host's
 * chart trails the last vote by at most this.
 */
const TICK_MS = 20
/**
 * The audience's copy of the counts goes out at most this often: each one is a frame to every
 * audience socket, and at thousands of sockets a 100 ms audience tick starves vote handling.
 */
const AUDIENCE_TICK_MS = 1000
/** While votes arrive closer together than this, the audience's copy waits (at most MAX_DEFER). */
const VOTE_QUIET_MS = 250
const AUDIENCE_MAX_DEFER_MS = 2000
const PERSIST_RETRY_MS = 5000
/** A shard that missed a delivery (busy, restarting) is sent the state again this much later. */
const SHARD_RETRY_MS = 500
/**
 * How old the counted audience size may be when the audience's tick or a push recounts it (see
 * audienceSize): between recounts, joins and leaves keep it current.
 */
const AUDIENCE_RECOUNT_MS = 200
const STAFF_TAGS = ['role:host', 'role:speaker'] as const
const AUDIENCE_TAGS = ['role:audience'] as const
const ALL_TAGS = [undefined] as const

export class ConferenceRoom extends RealtimeRoom<Bindings, ConferenceServerMessage> {
  protected readonly kind = 'conference' as const
  protected readonly frameBudgets = new FrameBudgets(CONFERENCE_FRAME_BUDGETS)
  protected override readonly servesSocketIo = true
  private readonly store: ConferenceStore
  private readonly totals: ShardTotals
  private readonly meter = new EventMeter()
  private seq: number
  private readonly ticks = new CountTicks({
    staffMs: TICK_MS,
    audienceMs: AUDIENCE_TICK_MS,
    voteQuietMs: VOTE_QUIET_MS,
    maxDeferMs: AUDIENCE_MAX_DEFER_MS,
  })
  private readonly audienceLimit = new TokenBuckets(AUDIENCE_RATE.burst, AUDIENCE_RATE.perSecond)

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env)
    this.store = new ConferenceStore(ctx.storage.sql)
    this.totals = new ShardTotals(ctx.storage.sql)
    this.seq = Number(this.store.meta('seq') ?? 0)
    // Restarted: ask every shard for its totals, in case a report was lost with the old instance
    // (shards retry until the room takes one, so this only shortens the wait).
    if (this.totals.shards().length > 0) {
      this.resyncShards = true
      void ctx.blockConcurrencyWhile(async () => this.alarmBy(Date.now()))
    }
  }

  private resyncShards = false

  // ---- RPC from the Worker (REST) -------------------------------------------------------------

  /** Sets the conference's identity and status and (re)loads question definitions. */
  async setup(
    conferenceId: string,
    status: string,
    questions: StoredQuestion[],
    shards?: AudienceShards,
  ) {
    this.meter.count('worker')
    this.store.setMeta('conference_id', conferenceId)
    this.store.setMeta('status', status)
    if (shards) this.store.setMeta('shards', JSON.stringify(shards))
    this.store.upsertQuestions(questions)
    if (this.totals.shards().length > 0) this.deliverToShards([])
  }

  /**
   * The state of a conference that was already running before this room existed (imported from
   * the old system): set up with its questions, the closed ones closed (their results are in
   * MongoDB already) and its live question live. Only a room that was never set up takes it, so
   * concurrent first requests adopt once.
   */
  async adopt(
    conferenceId: string,
    status: string,
    questions: StoredQuestion[],
    state: { live?: string; closed: string[] },
  ) {
    this.meter.count('worker')
    return this.run(async () => {
      if (this.store.meta('conference_id')) return { adopted: false }
      await this.setup(conferenceId, status, questions)
      for (const id of state.closed)
        if (this.store.question(id)) this.store.setQuestionStatus(id, 'CLOSED', true)
      if (state.live && this.store.question(state.live)) await this.pushQuestion(state.live)
      return { adopted: true }
    })
  }

  async push(questionId: string) {
    this.meter.count('worker')
    return this.run(() => this.pushQuestion(questionId))
  }

  async close(questionId: string) {
    this.meter.count('worker')
    return this.run(() => this.closeQuestion(questionId))
  }

  async reveal(questionId: string) {
    this.meter.count('worker')
    return this.run(() => this.revealResults(questionId))
  }

  async moderate(qaId: string, action: (typeof import('../shared/conference').QA_ACTIONS)[number]) {
    this.meter.count('worker')
    return this.run(() => this.moderateQa(qaId, action))
  }

  async results(questionId: string): Promise<PollResults | null> {
    this.meter.count('worker')
    if (!this.store.question(questionId)) return null
    await this.refreshTotals()
    return this.resultsOf(questionId)
  }

  async questionState(questionId: string): Promise<LiveQuestion | null> {
    this.meter.count('worker')
    return this.store.question(questionId) ?? null
  }

  async qa(sort: 'votes' | 'recent', includeHidden: boolean): Promise<QaItem[]> {
    this.meter.count('worker')
    await this.refreshTotals()
    return this.qaItems(!includeHidden, sort)
  }

  /** Ends the conference: closes the live question and writes everything to MongoDB. */
  async end() {
    this.meter.count('worker')
    return this.run(async () => {
      const live = this.store.meta('live_question_id')
      if (live) await this.closeQuestion(live)
      // The analytics count every shard's members and voters as of now.
      await this.refreshTotals()
      this.notePeakAudience({ fresh: true })
      this.store.setMeta('status', 'ENDED')
      this.store.setMeta('analytics_pending', 1)
      await this.persistPending()
      this.emit({ type: 'conference.ended' }, 'all')
      // Participant tokens admit nobody once it ended (admissionRefused): their sockets close too.
      for (const ws of this.roomSockets('role:audience'))
        if (this.attachmentOf(ws).identity.kind === 'participant')
          this.closeSocket(ws, CLOSE_CODES.CONFERENCE_ENDED, 'The conference has ended')
      return { ok: true as const }
    })
  }

  /**
   * Removes the author of a Q&A item from the room: their sockets close and they are not let in
   * again. Answers their voter key (for the conference record), or a NOT_FOUND refusal.
   */
  async removeAuthor(qaId: string) {
    this.meter.count('worker')
    return this.run(async () => {
      const author = this.store.qaAuthor(qaId)
      if (!author) throw new RoomError('NOT_FOUND', 'No such question in this conference')
      this.ctx.storage.kv.put(removedKey(author), true)
      // Every shard (the author's is the one that matters), before the REST call answers.
      await Promise.all(
        this.totals
          .shards()
          .map((shard) => this.toShard(shard, (stub) => stub.removeVoter(author))),
      )
      const subject = author.slice(author.indexOf(':') + 1)
      for (const ws of this.roomSockets(`subject:${subject}`))
        if (voterKey(this.attachmentOf(ws).identity) === author)
          this.closeSocket(ws, CLOSE_CODES.ACCESS_WITHDRAWN, 'Removed from the conference')
      return { removed: author }
    })
  }

  /** Events this room and each of its shards handled so far (the benchmark's reading). */
  async load(): Promise<{ room: EventCounts; shards: (EventCounts & { shard: number })[] }> {
    const shards = await Promise.all(
      this.totals.shards().map(async (shard) => ({
        shard,
        ...(await this.shardStub(shard).load()),
      })),
    )
    return { room: this.meter.reading(), shards }
  }

  /** Closes the revoked sockets here and on every shard; answers how many of the subject's stay open. */
  override async revokeSockets(revocation: Revocation): Promise<number> {
    const here = await super.revokeSockets(revocation)
    const there = await Promise.all(
      this.totals.shards().map((shard) =>
        this.shardStub(shard)
          .revokeSockets(revocation)
          .catch(() => 0),
      ),
    )
    return there.reduce((sum: number, n: number) => sum + n, here)
  }

  // ---- RPC from the audience shards ------------------------------------------------------------

  /** A shard's totals (absolute, versioned: a retried or late one changes nothing). */
  async report(shard: number, report: ShardReport) {
    this.meter.count('shard')
    this.applyReport(shard, report)
    // The interval keeps every shard's reports together within the room's budget.
    return { ok: true as const, everyMs: shardReportIntervalMs(this.totals.shards().length) }
  }

  /** What a shard shows its joining members; the first call attaches the shard to the room. */
  async audienceView(shard: number): Promise<AudienceView> {
    this.meter.count('shard')
    return this.audienceViewNow(shard)
  }

  /** The audience events after `since` a shard missed, with their seqs (none if the log is gone). */
  async audienceEventsSince(since: number): Promise<{ seq: number; body: string }[]> {
    this.meter.count('shard')
    return (this.store.eventsSince(since, 'audience') ?? []).map((body) => ({
      seq: (JSON.parse(body) as { seq: number }).seq,
      body,
    }))
  }

  /** A shard's member asks a question: numbered and announced here, like the room's own members'. */
  async askFrom(identity: RealtimeIdentity, text: string, anonymous: boolean) {
    this.meter.count('shard')
    return this.run(() => this.ask(identity, text, anonymous))
  }

  /** A participant token, or a signed-in account's access token (worker/realtime/socket-io-identity.ts). */
  protected override socketIoAdmission(room: string, token: string) {
    const deps = { config: configFor(this.env), db: () => this.db(), env: this.env }
    return admitSocketIo(deps, 'conference', room, token)
  }

  protected override socketIoRecoverable(identity: RealtimeIdentity, seq: number) {
    const reader = roleOf(identity) === 'audience' ? 'audience' : 'staff'
    return seq <= this.seq && this.store.eventsSince(seq, reader) !== undefined
  }

  protected override admissionRefused(
    identity: RealtimeIdentity,
    ticketAt: number,
    url: URL,
  ): string | undefined {
    if (this.ctx.storage.kv.get(removedKey(voterKey(identity))))
      return 'You were removed from this conference'
    if (identity.kind === 'participant' && this.store.meta('status') === 'ENDED')
      return 'The conference has ended'
    return super.admissionRefused(identity, ticketAt, url)
  }

  // ---- Sockets ---------------------------------------------------------------------------------

  protected override async onConnect(ws: WebSocket, attachment: SocketAttachment, url: URL) {
    this.meter.count('socket')
    const { identity } = attachment
    this.store.notePresence(voterKey(identity), Date.now())
    if (roleOf(identity) === 'audience') this.audienceMoved(+1)
    else this.staffSockets = undefined
    // Counted at once, not only on the tick: a conference may end before the next tick runs.
    this.notePeakAudience()
    this.send(ws, {
      type: 'welcome',
      room: { kind: 'conference', id: attachment.room },
      identity,
      seq: this.seq,
    })
    const since = url.searchParams.get('since')
    const replay =
      since !== null && Number(since) <= this.seq
        ? this.store.eventsSince(
            Number(since),
            roleOf(identity) === 'audience' ? 'audience' : 'staff',
          )
        : undefined
    if (replay) {
      for (const body of replay) this.sendEach(body, [ws])
      // Counts are state, not events: the log holds none, so the current ones follow the replay.
      this.send(ws, this.currentStats(roleOf(identity)))
    } else {
      const seq = this.seq
      const snapshot = await this.snapshot(identity)
      this.send(ws, { type: 'conference.snapshot', seq, snapshot })
    }
    this.countsChanged()
  }

  protected override async onClose(ws: WebSocket, attachment: SocketAttachment) {
    if (roleOf(attachment.identity) === 'audience') this.audienceMoved(-1)
    else this.staffSockets = this.staffSockets?.filter((socket) => socket !== ws)
    this.countsChanged()
  }

  // Not async: a vote goes on to its shard, with no promise of its own here.
  protected override onMessage(
    ws: WebSocket,
    attachment: SocketAttachment,
    frame: ClientFrame,
  ): void | Promise<void> {
    this.meter.count('socket')
    const role = roleOf(attachment.identity)
    const message = conferenceMessage(
      frame,
      { role, subject: attachment.identity.subject },
      {
        parse: (f) => this.parseFrame(ws, f, ConferenceClientMessageSchema),
        refuse: (rid, error) => this.sendRefusal(ws, rid, error),
        audienceLimit: this.audienceLimit,
      },
    )
    if (!message) return
    if (message.type === 'vote') return this.voteOnShard(ws, attachment.identity, message)
    return this.handle(message, attachment.identity).then(
      (result) => this.send(ws, { type: 'ack', rid: message.rid, ...result }),
      (error: unknown) => {
        if (!(error instanceof RoomError)) throw error
        this.sendRefusal(ws, message.rid, error)
      },
    )
  }

  private sendRefusal(ws: WebSocket, rid: string | undefined, error: RoomError) {
    this.send(ws, { type: 'error', rid, code: error.code, message: error.message })
  }

  private async handle(
    message: Exclude<ConferenceClientMessage, { type: 'vote' }>,
    identity: RealtimeIdentity,
  ): Promise<ConferenceAck<Exclude<ConferenceClientMessage['type'], 'vote'>>> {
    switch (message.type) {
      case 'qa.ask':
        return this.ask(identity, message.text, message.anonymous)
      case 'qa.upvote':
        return this.upvoteOnShard(identity, message.qaId)
      case 'question.push':
        return this.pushQuestion(message.questionId)
      case 'question.close':
        return this.closeQuestion(message.questionId)
      case 'question.reveal':
        return this.revealResults(message.questionId)
      case 'qa.moderate':
        return this.moderateQa(message.qaId, message.action)
    }
  }

  // ---- Room logic ------------------------------------------------------------------------------

  private requireActive() {
    if (this.store.status !== 'ACTIVE')
      throw new RoomError('CONFLICT', 'The conference is not running')
  }

  private requireQuestion(questionId: string): LiveQuestion {
    const question = this.store.question(questionId)
    if (!question) throw new RoomError('NOT_FOUND', 'No such question in this conference')
    return question
  }

  /**
   * A vote from an audience socket held here (a Socket.IO client): stored and answered by the
   * member's shard, the one place their votes live, so a person votes once whichever way they connect.
   */
  private async voteOnShard(ws: WebSocket, identity: RealtimeIdentity, message: VoteMessage) {
    const stub = await this.attachedShard(audienceShardOf(identity, this.shardCounts()))
    const result: RoomResult<{ replaced: boolean }> = await stub.voteFor(identity, message)
    if ('error' in result)
      return this.sendRefusal(
        ws,
        message.rid,
        new RoomError(result.error.code, result.error.message),
      )
    this.send(ws, {
      type: 'ack',
      rid: message.rid,
      questionId: message.questionId,
      optionIds: message.optionIds,
      replaced: result.replaced,
    } satisfies ConferenceAckMessage<'vote'>)
  }

  private async upvoteOnShard(
    identity: RealtimeIdentity,
    qaId: string,
  ): Promise<ConferenceAck<'qa.upvote'>> {
    const stub = await this.attachedShard(audienceShardOf(identity, this.shardCounts()))
    const result = await stub.upvoteFor(identity, qaId)
    if ('error' in result) throw new RoomError(result.error.code, result.error.message)
    return result
  }

  private async pushQuestion(questionId: string): Promise<ConferenceAck<'question.push'>> {
    this.requireActive()
    if (this.requireQuestion(questionId).status === 'CLOSED')
      throw new RoomError('CONFLICT', 'A closed question cannot go live again')
    const current = this.store.meta('live_question_id')
    if (current && current !== questionId) await this.closeQuestion(current)
    // question.live carries the audience size: each shard's, as of now.
    await this.refreshTotals()
    this.store.setQuestionStatus(questionId, 'ACTIVE')
    this.store.setMeta('live_question_id', questionId)
    const question = this.store.question(questionId)!
    // Everyone gets a frame now anyway: it carries the audience size too, and stands for the
    // audience's next tick (so a tick owed for earlier joins does not follow it into the votes).
    const audienceCount = this.notePeakAudience({ recount: true })
    this.emit({ type: 'question.live', question, audienceCount }, 'all')
    this.ticks.audienceSent(Date.now())
    this.lastAudienceView = JSON.stringify(this.audienceStats(audienceCount, question))
    this.countsChanged()
    return { questionId, status: 'ACTIVE' }
  }

  private async closeQuestion(questionId: string): Promise<ConferenceAck<'question.close'>> {
    const question = this.requireQuestion(questionId)
    if (question.status === 'CLOSED')
      throw new RoomError('CONFLICT', 'This question is already closed')
    this.store.setQuestionStatus(questionId, 'CLOSED', false)
    if (this.store.meta('live_question_id') === questionId)
      this.store.setMeta('live_question_id', '')
    await this.finalCounts(questionId)
    const results = this.resultsOf(questionId)
    this.emit({ type: 'question.closed', questionId, results }, 'staff')
    this.emit(
      { type: 'question.closed', questionId, results: this.visible(question) ? results : null },
      'audience',
    )
    await this.persistPending()
    return { questionId, status: 'CLOSED', results }
  }

  private async revealResults(questionId: string): Promise<ConferenceAck<'question.reveal'>> {
    this.requireQuestion(questionId)
    await this.refreshTotals()
    this.store.reveal(questionId)
    this.emit({ type: 'results.revealed', questionId, results: this.resultsOf(questionId) }, 'all')
    return { questionId, revealed: true }
  }

  private ask(
    identity: RealtimeIdentity,
    text: string,
    anonymous: boolean,
  ): ConferenceAck<'qa.ask'> {
    this.requireActive()
    const id = crypto.randomUUID()
    this.store.addQa({
      id,
      text,
      author: voterKey(identity),
      authorName: anonymous ? null : (identity.name ?? null),
      now: Date.now(),
    })
    this.emit({ type: 'qa.new', item: this.qaItem(id)! }, 'all', [{ id, visible: true }])
    return { qaId: id }
  }

  private moderateQa(
    qaId: string,
    action: ConferenceAck<'qa.moderate'>['action'],
  ): ConferenceAck<'qa.moderate'> {
    if (!this.store.qaItem(qaId)) throw new RoomError('NOT_FOUND', 'No such question')
    const change =
      action === 'pin' || action === 'unpin'
        ? { pinned: action === 'pin' }
        : { status: ({ approve: 'approved', hide: 'hidden', answer: 'answered' } as const)[action] }
    this.store.moderateQa(qaId, change)
    const item = this.qaItem(qaId)!
    this.emit({ type: 'qa.updated', item }, 'staff')
    this.emit(
      item.status === 'hidden' ? { type: 'qa.removed', qaId } : { type: 'qa.updated', item },
      'audience',
      [{ id: qaId, visible: item.status !== 'hidden' }],
    )
    return { qaId, action }
  }

  private visible(question: LiveQuestion) {
    return !question.hideResults || question.revealed
  }

  private async snapshot(identity: RealtimeIdentity): Promise<ConferenceSnapshot> {
    const role = roleOf(identity)
    const voter = voterKey(identity)
    // An audience member's own votes live on their shard (votes stored here before shards count too).
    const yours =
      role === 'audience'
        ? await this.attachedShard(audienceShardOf(identity, this.shardCounts())).then((stub) =>
            stub.yours(identity),
          )
        : { votes: {}, upvoted: [] }
    const live = this.liveQuestion() ?? null
    return {
      conferenceId: this.store.meta('conference_id') ?? '',
      status: this.store.status,
      liveQuestion: live,
      results: live && (role !== 'audience' || this.visible(live)) ? this.resultsOf(live.id) : null,
      audienceCount: this.audienceSize(),
      qa: this.qaItems(role === 'audience'),
      you: {
        role,
        votes: { ...this.store.votesOf(voter), ...yours.votes },
        upvoted: [...new Set([...this.store.upvotedBy(voter), ...yours.upvoted])],
      },
    }
  }

  /** Numbers and logs an event, then sends one serialisation of it to its target sockets. */
  private emit(event: ConferenceEventInput, target: EventTarget, qa?: Delivery['qa']) {
    this.seq += 1
    this.store.setMeta('seq', this.seq)
    const body = JSON.stringify({ ...event, seq: this.seq })
    this.store.appendEvent(this.seq, target, body)
    this.sendTo(body, target === 'all' ? ALL_TAGS : target === 'staff' ? STAFF_TAGS : AUDIENCE_TAGS)
    if (target !== 'staff') this.deliverToShards([{ seq: this.seq, body }], qa)
  }

  private audienceCounted: { at: number; size: number } | undefined

  /**
   * How many audience sockets are open: counted by joins and leaves (audienceMoved), and recounted
   * from the sockets themselves only when the count is unknown (after a wake), `fresh` is asked for,
   * or a `recount` finds it older than AUDIENCE_RECOUNT_MS. getWebSockets builds an array of every
   * socket with the tag: at 5,000 sockets about 9 ms of the room's only thread (inspector CPU
   * profile), so it runs with a push and the audience's tick, which waits for votes to pause, and
   * never in a vote batch or a join.
   */
  private audienceSize(opts: { fresh?: boolean; recount?: boolean } = {}): number {
    const now = Date.now()
    if (
      opts.fresh ||
      !this.audienceCounted ||
      (opts.recount && now - this.audienceCounted.at >= AUDIENCE_RECOUNT_MS)
    )
      this.audienceCounted = { at: now, size: this.roomSockets('role:audience').length }
    return this.audienceCounted.size + this.totals.sum('sockets')
  }

  /** Keeps the counted size current between readings (a reading corrects any drift). */
  private audienceMoved(delta: number) {
    if (this.audienceCounted)
      this.audienceCounted.size = Math.max(0, this.audienceCounted.size + delta)
  }

  /** Records the audience size as the peak when it is one; answers the current size. */
  private notePeakAudience(opts: { fresh?: boolean; recount?: boolean } = {}): number {
    const audienceCount = this.audienceSize(opts)
    if (audienceCount > Number(this.store.meta('peak_audience') ?? 0))
      this.store.setMeta('peak_audience', audienceCount)
    return audienceCount
  }

  /**
   * Something the counts show changed. Hosts and speakers (a handful of sockets) get the counts at
   * once after a batch of votes and otherwise when their tick allows, so the host's chart trails
   * the last stored vote by one commit; the rest waits for the alarm. After votes the audience's copy waits while votes keep coming (see
   * CountTicks).
   */
  private countsChanged(opts: { fromVotes?: boolean } = {}) {
    const now = Date.now()
    this.ticks.changed(now, opts)
    // Each stored batch of votes: a burst is a handful of batches, and the last one's counts must
    // not wait for a tick. Other changes (joins, leaves) keep to the staff tick.
    if (opts.fromVotes || this.ticks.staffDue(now))
      this.sendCounts({ staff: true, audience: false })
    const next = this.ticks.next(now)
    if (next !== undefined) this.alarmBy(next)
  }

  /** What the audience was last sent in room.stats (memory only: after a wake, send again). */
  private lastAudienceView: string | undefined

  protected override async onAlarm() {
    if (this.resyncShards) {
      this.resyncShards = false
      for (const shard of this.totals.shards())
        void this.toShard(shard, async (stub) => this.applyReport(shard, await stub.tally()))
    }
    for (const shard of this.laggingShards) {
      this.laggingShards.delete(shard)
      const delivery = this.delivery([])
      void this.toShard(shard, (stub) => stub.deliver(delivery))
    }
    const due = this.ticks.fire(Date.now())
    this.sendCounts(due)
    // Whoever is still owed the latest state gets it on their next tick.
    if (due.next !== undefined) this.alarmBy(due.next)
    if (this.store.unpersistedClosed().length > 0 || this.store.meta('analytics_pending') === '1') {
      await this.persistPending()
    }
  }

  /** The room.stats the audience would be sent. */
  private audienceStats(
    audienceCount: number,
    live: Readonly<LiveQuestion> | undefined,
    results = live ? this.resultsOf(live.id) : null,
  ): RoomStats {
    return {
      type: 'room.stats',
      audienceCount,
      results: live && this.visible(live) ? results : null,
    }
  }

  /** Sends room.stats (audience size, live counts) to staff and/or the audience. */
  private sendCounts(to: { staff: boolean; audience: boolean }) {
    const audienceCount = this.notePeakAudience({ recount: to.audience })
    if (!to.staff && !to.audience) return
    if (to.staff) this.ticks.staffSent(Date.now())
    const live = this.liveQuestion()
    const results = live ? this.resultsOf(live.id) : null
    if (to.staff) this.sendState({ type: 'room.stats', audienceCount, results }, STAFF_TAGS)
    if (to.audience) {
      // Votes on a question with hidden results change nothing the audience sees: no frame to
      // thousands of sockets for it (late joiners got the same numbers in their snapshot).
      const view = JSON.stringify(this.audienceStats(audienceCount, live, results))
      if (view !== this.lastAudienceView) {
        this.lastAudienceView = view
        this.sendState(view, AUDIENCE_TAGS)
        for (const shard of this.totals.shards())
          void this.toShard(shard, (stub) => stub.stats(view))
      }
    }
  }

  /** The question that is live now, if any. */
  private liveQuestion(): Readonly<LiveQuestion> | undefined {
    const liveId = this.store.meta('live_question_id')
    return liveId ? this.store.question(liveId) : undefined
  }

  /** The room.stats a socket of `role` would be sent now. */
  private currentStats(role: ConferenceRole): RoomStats {
    const audienceCount = this.audienceSize()
    const live = this.liveQuestion()
    if (role === 'audience') return this.audienceStats(audienceCount, live)
    return { type: 'room.stats', audienceCount, results: live ? this.resultsOf(live.id) : null }
  }

  /**
   * Sends a state frame (room.stats) to the sockets with `tags`: no seq and no log entry, since
   * the next one supersedes it. Numbering and logging each one cost two SQL writes per vote batch,
   * and filled the replay log with counts nobody replays.
   */
  private sendState(message: RoomStats | string, tags: readonly string[]) {
    this.sendTo(typeof message === 'string' ? message : JSON.stringify(message), tags)
  }

  /** Sends one serialised frame to every socket with one of `tags` (undefined: every socket). */
  private sendTo(body: string, tags: readonly (string | undefined)[]) {
    if (tags === STAFF_TAGS) return this.sendEach(body, this.staff())
    for (const tag of tags) this.sendEach(body, this.roomSockets(tag))
  }

  /**
   * Hosts' and speakers' sockets, read once and kept while none joins or leaves: every vote batch
   * sends them the counts, and reading both tags each time built two arrays per batch.
   */
  private staffSockets: WebSocket[] | undefined

  private staff(): WebSocket[] {
    return (this.staffSockets ??= STAFF_TAGS.flatMap((tag) => this.roomSockets(tag)))
  }

  // ---- Totals over the shards ------------------------------------------------------------------

  /** A question's results: votes stored here (before shards existed) and every shard's. */
  private resultsOf(questionId: string): PollResults {
    return this.totals.addTo(this.store.results(questionId))
  }

  private qaItems(visibleOnly: boolean, sort: 'votes' | 'recent' = 'votes'): QaItem[] {
    return this.totals.withUpvotes(this.store.qaItems(visibleOnly, sort), sort)
  }

  private qaItem(qaId: string): QaItem | undefined {
    return this.qaItems(false).find((item) => item.id === qaId)
  }

  /** Takes a shard's report if it is its newest, and announces what it changed. */
  private applyReport(shard: number, report: ShardReport) {
    const before = this.totals.report(shard)
    if (!this.totals.apply(shard, report)) return
    for (const qaId of ShardTotals.changedUpvotes(before, report)) {
      const item = this.qaItem(qaId)
      if (item) this.emit({ type: 'qa.updated', item }, item.status === 'hidden' ? 'staff' : 'all')
    }
    // Votes a shard counted after the room closed the question (it could not be reached then):
    // the results in MongoDB are written again.
    for (const [questionId, counts] of Object.entries(report.questions)) {
      if (
        this.store.question(questionId)?.status === 'CLOSED' &&
        JSON.stringify(counts) !== JSON.stringify(before?.questions[questionId])
      )
        this.store.setQuestionStatus(questionId, 'CLOSED', false)
    }
    if (this.store.unpersistedClosed().length > 0) this.alarmBy(Date.now())
    this.countsChanged({ fromVotes: true })
    this.growShards()
  }

  /**
   * Every shard's totals as of now (through the same queue as its deliveries): what a REST read, a
   * push or a reveal shows includes every vote acked before it, not only those reported on a tick.
   */
  private async refreshTotals() {
    await Promise.all(
      this.totals
        .shards()
        .map((shard) =>
          this.toShard(shard, async (stub) => this.applyReport(shard, await stub.tally())),
        ),
    )
  }

  /**
   * Every shard's last count of a closing question, through the same queue as its deliveries (so
   * it lands after the push that opened it): each answers once it takes no more votes for it.
   */
  private async finalCounts(questionId: string) {
    await Promise.all(
      this.totals
        .shards()
        .map((shard) =>
          this.toShard(shard, async (stub) =>
            this.applyReport(shard, await stub.closeQuestion(questionId)),
          ),
        ),
    )
  }

  // ---- Shards ------------------------------------------------------------------------------------

  private shardCounts(): AudienceShards {
    const stored = this.store.meta('shards')
    return stored ? (JSON.parse(stored) as AudienceShards) : UNSHARDED
  }

  private shardStub(shard: number) {
    return audienceShardStub(this.env, this.store.meta('conference_id') ?? '', shard)
  }

  /** A shard ready for a member's vote: attached (it knows the conference and its state). */
  private async attachedShard(shard: number) {
    const stub = this.shardStub(shard)
    if (!this.totals.has(shard))
      await stub.attach(this.store.meta('conference_id') ?? '', shard, this.audienceViewNow(shard))
    return stub
  }

  /** The view a shard attaching now is given (see audienceView). */
  private audienceViewNow(shard: number): AudienceView {
    this.totals.attach(shard)
    const state = this.shardState()
    const { live } = state
    return {
      ...state,
      seq: this.seq,
      conferenceId: this.store.meta('conference_id') ?? '',
      results: live && this.visible(live) ? this.resultsOf(live.id) : null,
      audienceCount: this.audienceSize(),
      shardSockets: this.totals.report(shard)?.sockets ?? 0,
      qa: this.qaItems(true),
    }
  }

  /** Each shard's calls in order (a close must not overtake the push before it). */
  private readonly shardQueues = new Map<number, Promise<unknown>>()
  /** Shards whose last delivery failed: sent the state again on the alarm, and they catch up. */
  private readonly laggingShards = new Set<number>()

  private toShard<T>(
    shard: number,
    call: (stub: ReturnType<ConferenceRoom['shardStub']>) => Promise<T>,
  ): Promise<T | undefined> {
    const next = (this.shardQueues.get(shard) ?? Promise.resolve())
      .then(() => call(this.shardStub(shard)))
      .catch((error: unknown) => {
        log('warn', 'audience shard call failed; sending the state again', {
          conferenceId: this.store.meta('conference_id'),
          shard,
          error: error instanceof Error ? error.message : String(error),
        })
        this.laggingShards.add(shard)
        this.alarmBy(Date.now() + SHARD_RETRY_MS)
        return undefined
      })
    this.shardQueues.set(shard, next)
    return next
  }

  private delivery(events: Delivery['events'], qa?: Delivery['qa']): Delivery {
    const after = Number(this.store.meta('audience_seq') ?? 0)
    const last = events.at(-1)
    if (last) this.store.setMeta('audience_seq', last.seq)
    return { after, events, state: this.shardState(), qa }
  }

  private shardState(): ShardState {
    return {
      status: this.store.status,
      live: this.liveQuestion() ?? null,
      questionIds: this.store.questionIds(),
    }
  }

  /** Audience events (or only the state, with none) to every attached shard, once each. */
  private deliverToShards(events: Delivery['events'], qa?: Delivery['qa']) {
    const delivery = this.delivery(events, qa)
    for (const shard of this.totals.shards())
      void this.toShard(shard, (stub) => stub.deliver(delivery))
  }

  /**
   * Adds a shard when the audience outgrows them: participants who join from now on are spread
   * over one more (their tokens name it), while everyone already in keeps theirs.
   */
  private growShards() {
    const shards = this.shardCounts()
    const capacity = configFor(this.env).CONFERENCE_SHARD_CAPACITY
    if (this.audienceSize() <= shards.count * capacity) return
    const grown = { ...shards, count: shards.count + 1 }
    this.store.setMeta('shards', JSON.stringify(grown))
    const conferenceId = this.store.meta('conference_id')
    if (!conferenceId || !ObjectId.isValid(conferenceId)) return
    void this.db()
      .then((db) =>
        conferences(db).updateOne(
          { _id: new ObjectId(conferenceId) },
          { $max: { 'audienceShards.count': grown.count } },
        ),
      )
      .catch((error: unknown) =>
        log('warn', 'added audience shard not recorded in MongoDB', {
          conferenceId,
          error: error instanceof Error ? error.message : String(error),
        }),
      )
  }

  /** Writes closed questions' results and, after the end, the analytics; retried until done. */
  private async persistPending() {
    try {
      const db = await this.db()
      for (const questionId of this.store.unpersistedClosed()) {
        await saveQuestionResults(
          db,
          questionId,
          this.resultsOf(questionId),
          Boolean(this.store.question(questionId)?.revealed),
          new Date(),
        )
        this.store.markPersisted(questionId)
      }
      if (this.store.meta('analytics_pending') === '1') {
        const conferenceId = this.store.meta('conference_id')
        if (conferenceId && ObjectId.isValid(conferenceId)) {
          const responsesPerQuestion: Record<string, number> = {}
          for (const id of this.store.questionIds())
            responsesPerQuestion[id] = this.resultsOf(id).totalResponses
          // A voter is counted by one shard only (each person has one), so the sums are distinct.
          const totalParticipants = this.store.participantCount() + this.totals.sum('participants')
          const totalVoters = this.store.distinctVoters() + this.totals.sum('voters')
          await conferences(db).updateOne(
            { _id: new ObjectId(conferenceId) },
            {
              $set: {
                analytics: {
                  peakAudience: Number(this.store.meta('peak_audience') ?? 0),
                  totalParticipants,
                  totalVoters,
                  participationRate: totalParticipants ? totalVoters / totalParticipants : 0,
                  responsesPerQuestion,
                },
                qa: this.qaItems(false),
                updatedAt: new Date(),
              },
            },
          )
        }
        this.store.setMeta('analytics_pending', 0)
      }
    } catch (error) {
      // Everything stays in storage and the alarm tries again; logged so that a MongoDB that keeps
      // refusing (not only one briefly unreachable) is seen.
      log('warn', 'conference results not saved yet; retrying', {
        conferenceId: this.store.meta('conference_id'),
        retryInMs: PERSIST_RETRY_MS,
        error:
          error instanceof Error ? { name: error.name, message: error.message } : String(error),
      })
      this.alarmBy(Date.now() + PERSIST_RETRY_MS)
    }
  }
}

function roleOf(identity: RealtimeIdentity): ConferenceRole {
  return identity.role === 'host' || identity.role === 'speaker' ? identity.role : 'audience'
}

const removedKey = (voter: string) => `removed:${voter}`
