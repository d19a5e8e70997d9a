// One live conference: the live question, votes, audience presence and Q&A, in SQLite storage.
// Counts are broadcast on a short alarm tick, never per vote. Results reach MongoDB when a
// question closes and when the conference ends (retried by the alarm until MongoDB takes them).
import { ObjectId } from 'mongodb'
import {
  CONFERENCE_FRAME_BUDGETS,
  ConferenceClientMessageSchema,
  isVoteMessage,
  MESSAGE_ROLES,
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
  ConferenceStore,
  type EventTarget,
  type StagedVote,
  type StoredQuestion,
  VOTES_PER_STATEMENT,
} from './conference-store'
import { CountTicks } from './count-ticks'
import { FrameBudgets } from './frame-budgets'
import { TokenBuckets } from './token-buckets'
import { RealtimeRoom, RoomError, type ClientFrame, type SocketAttachment } from './realtime-room'
import { AUDIENCE_RATE } from './room-limits'
import { VoteBatcher, type BatchedVote, type VoteOutcome } from './vote-batcher'

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
    this.seq = Number(this.store.meta('seq') ?? 0)
  }

  // ---- RPC from the Worker (REST) -------------------------------------------------------------

  /** Sets the conference's identity and status and (re)loads question definitions. */
  async setup(conferenceId: string, status: string, questions: StoredQuestion[]) {
    this.store.setMeta('conference_id', conferenceId)
    this.store.setMeta('status', status)
    this.store.upsertQuestions(questions)
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
    return this.run(() => this.pushQuestion(questionId))
  }

  async close(questionId: string) {
    return this.run(() => this.closeQuestion(questionId))
  }

  async reveal(questionId: string) {
    return this.run(() => this.revealResults(questionId))
  }

  async moderate(qaId: string, action: (typeof import('../shared/conference').QA_ACTIONS)[number]) {
    return this.run(() => this.moderateQa(qaId, action))
  }

  async results(questionId: string): Promise<PollResults | null> {
    return this.store.question(questionId) ? this.store.results(questionId) : null
  }

  async questionState(questionId: string): Promise<LiveQuestion | null> {
    return this.store.question(questionId) ?? null
  }

  async qa(sort: 'votes' | 'recent', includeHidden: boolean): Promise<QaItem[]> {
    return this.store.qaItems(!includeHidden, sort)
  }

  /** Ends the conference: closes the live question and writes everything to MongoDB. */
  async end() {
    return this.run(async () => {
      const live = this.store.meta('live_question_id')
      if (live) await this.closeQuestion(live)
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
    return this.run(() => {
      const author = this.store.qaAuthor(qaId)
      if (!author) throw new RoomError('NOT_FOUND', 'No such question in this conference')
      this.ctx.storage.kv.put(removedKey(author), true)
      const subject = author.slice(author.indexOf(':') + 1)
      for (const ws of this.roomSockets(`subject:${subject}`))
        if (voterKey(this.attachmentOf(ws).identity) === author)
          this.closeSocket(ws, CLOSE_CODES.ACCESS_WITHDRAWN, 'Removed from the conference')
      return { removed: author }
    })
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
    } else
      this.send(ws, {
        type: 'conference.snapshot',
        seq: this.seq,
        snapshot: this.snapshot(identity),
      })
    this.countsChanged()
  }

  protected override async onClose(ws: WebSocket, attachment: SocketAttachment) {
    if (roleOf(attachment.identity) === 'audience') this.audienceMoved(-1)
    else this.staffSockets = this.staffSockets?.filter((socket) => socket !== ws)
    this.countsChanged()
  }

  // Not async: a vote is queued here and acked by its batch (VoteBatcher), with no promise per vote.
  protected override onMessage(
    ws: WebSocket,
    attachment: SocketAttachment,
    frame: ClientFrame,
  ): void | Promise<void> {
    const message = isVoteMessage(frame)
      ? frame
      : this.parseFrame(ws, frame, ConferenceClientMessageSchema)
    if (!message) return
    const role = roleOf(attachment.identity)
    if (!MESSAGE_ROLES[message.type].includes(role)) {
      return this.send(ws, {
        type: 'error',
        rid: message.rid,
        code: 'FORBIDDEN',
        message: `The ${role} cannot send '${message.type}'`,
      })
    }
    if (role === 'audience' && !this.audienceLimit.take(attachment.identity.subject)) {
      return this.sendRefusal(
        ws,
        message.rid,
        new RoomError('RATE_LIMITED', 'You are sending too fast; slow down'),
      )
    }
    if (message.type === 'vote') return this.queueVote(ws, attachment, message)
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
        return this.upvote(identity, message.qaId)
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

  private readonly votes = new VoteBatcher<QueuedVote>({
    check: (queued, staged) => this.vote(queued.attachment.identity, queued.message, staged),
    write: (staged) => {
      // All of the batch or none of it: a failed write must not leave part of it stored. One
      // statement is that by itself; a transaction round it cost two more statements a batch.
      if (staged.length <= VOTES_PER_STATEMENT) this.store.writeVotes(staged)
      else this.ctx.storage.transactionSync(() => this.store.writeVotes(staged))
    },
    unstage: (vote) => this.store.unstageVote(vote),
    stored: () => this.countsChanged({ fromVotes: true }),
    settle: ({ ws, attachment, message, outcome }, error) => {
      if (error === undefined) {
        this.send(ws, {
          type: 'ack',
          rid: message.rid,
          questionId: message.questionId,
          optionIds: message.optionIds,
          replaced: outcome!.replaced,
        } satisfies ConferenceAckMessage<'vote'>)
      } else if (error instanceof RoomError) this.sendRefusal(ws, message.rid, error)
      else this.sendFailure(ws, attachment, message, error)
    },
  })

  private queueVote(ws: WebSocket, attachment: SocketAttachment, message: VoteMessage) {
    this.votes.add({ ws, attachment, message, outcome: undefined, failure: undefined }, Date.now())
  }

  /**
   * Checks a vote and stages it into `staged` (unless it repeats the voter's current choice).
   * Loops, not Sets: a vote names at most MAX_VOTE_OPTIONS, and this runs for every vote.
   */
  private vote(
    identity: RealtimeIdentity,
    { questionId, optionIds }: VoteMessage,
    staged: StagedVote[],
  ): VoteOutcome {
    this.requireActive()
    const question = this.requireQuestion(questionId)
    if (question.status !== 'ACTIVE' || this.store.meta('live_question_id') !== questionId) {
      throw new RoomError(
        'CONFLICT',
        question.status === 'CLOSED'
          ? 'This question is closed'
          : 'This question is not open for voting',
      )
    }
    for (let i = 0; i < optionIds.length; i++) {
      const option = optionIds[i]!
      if (optionIds.indexOf(option) !== i || !hasOption(question, option))
        throw new RoomError('VALIDATION_ERROR', 'Choose options of this question, each once')
    }
    if (question.type === 'single' && optionIds.length !== 1)
      throw new RoomError('VALIDATION_ERROR', 'Choose exactly one option')
    const voter = voterKey(identity)
    const previous = this.store.previousVote(questionId, voter)
    if (previous && !question.allowVoteChange)
      throw new RoomError('CONFLICT', 'You have already voted on this question')
    if (previous && sameChoice(previous, optionIds)) return { replaced: true, stored: false }
    staged.push(this.store.stageVote(questionId, voter, optionIds, Date.now()))
    return { replaced: previous !== undefined, stored: true }
  }

  private async pushQuestion(questionId: string): Promise<ConferenceAck<'question.push'>> {
    this.requireActive()
    if (this.requireQuestion(questionId).status === 'CLOSED')
      throw new RoomError('CONFLICT', 'A closed question cannot go live again')
    const current = this.store.meta('live_question_id')
    if (current && current !== questionId) await this.closeQuestion(current)
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
    const results = this.store.results(questionId)
    this.emit({ type: 'question.closed', questionId, results }, 'staff')
    this.emit(
      { type: 'question.closed', questionId, results: this.visible(question) ? results : null },
      'audience',
    )
    await this.persistPending()
    return { questionId, status: 'CLOSED', results }
  }

  private revealResults(questionId: string): ConferenceAck<'question.reveal'> {
    this.requireQuestion(questionId)
    this.store.reveal(questionId)
    this.emit(
      { type: 'results.revealed', questionId, results: this.store.results(questionId) },
      'all',
    )
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
    this.emit({ type: 'qa.new', item: this.store.qaItem(id)! }, 'all')
    return { qaId: id }
  }

  private upvote(identity: RealtimeIdentity, qaId: string): ConferenceAck<'qa.upvote'> {
    const item = this.store.qaItem(qaId)
    if (!item || item.status === 'hidden') throw new RoomError('NOT_FOUND', 'No such question')
    if (!this.store.upvoteQa(qaId, voterKey(identity)))
      throw new RoomError('CONFLICT', 'You have already upvoted this question')
    this.emit({ type: 'qa.updated', item: this.store.qaItem(qaId)! }, 'all')
    return { qaId }
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
    const item = this.store.qaItem(qaId)!
    this.emit({ type: 'qa.updated', item }, 'staff')
    this.emit(
      item.status === 'hidden' ? { type: 'qa.removed', qaId } : { type: 'qa.updated', item },
      'audience',
    )
    return { qaId, action }
  }

  private visible(question: LiveQuestion) {
    return !question.hideResults || question.revealed
  }

  private snapshot(identity: RealtimeIdentity): ConferenceSnapshot {
    const role = roleOf(identity)
    const live = this.liveQuestion() ?? null
    const voter = voterKey(identity)
    return {
      conferenceId: this.store.meta('conference_id') ?? '',
      status: this.store.status,
      liveQuestion: live,
      results:
        live && (role !== 'audience' || this.visible(live)) ? this.store.results(live.id) : null,
      audienceCount: this.audienceSize(),
      qa: this.store.qaItems(role === 'audience'),
      you: { role, votes: this.store.votesOf(voter), upvoted: this.store.upvotedBy(voter) },
    }
  }

  /** Numbers and logs an event, then sends one serialisation of it to its target sockets. */
  private emit(event: ConferenceEventInput, target: EventTarget) {
    this.seq += 1
    this.store.setMeta('seq', this.seq)
    const body = JSON.stringify({ ...event, seq: this.seq })
    this.store.appendEvent(this.seq, target, body)
    this.sendTo(body, target === 'all' ? ALL_TAGS : target === 'staff' ? STAFF_TAGS : AUDIENCE_TAGS)
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
    return this.audienceCounted.size
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
    results = live ? this.store.results(live.id) : null,
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
    const results = live ? this.store.results(live.id) : null
    if (to.staff) this.sendState({ type: 'room.stats', audienceCount, results }, STAFF_TAGS)
    if (to.audience) {
      // Votes on a question with hidden results change nothing the audience sees: no frame to
      // thousands of sockets for it (late joiners got the same numbers in their snapshot).
      const view = JSON.stringify(this.audienceStats(audienceCount, live, results))
      if (view !== this.lastAudienceView) {
        this.lastAudienceView = view
        this.sendState(view, AUDIENCE_TAGS)
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
    return { type: 'room.stats', audienceCount, results: live ? this.store.results(live.id) : null }
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

  /** Writes closed questions' results and, after the end, the analytics; retried until done. */
  private async persistPending() {
    try {
      const db = await this.db()
      for (const questionId of this.store.unpersistedClosed()) {
        await saveQuestionResults(
          db,
          questionId,
          this.store.results(questionId),
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
            responsesPerQuestion[id] = this.store.results(id).totalResponses
          const totalParticipants = this.store.participantCount()
          const totalVoters = this.store.distinctVoters()
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
                qa: this.store.qaItems(false),
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

/** A vote waiting for its batch, with the socket its answer goes to. */
interface QueuedVote extends BatchedVote {
  ws: WebSocket
  attachment: SocketAttachment
  message: VoteMessage
}

function hasOption(question: Readonly<LiveQuestion>, option: string): boolean {
  for (const { id } of question.options) if (id === option) return true
  return false
}

/** Whether two choices name the same options (each list holds every option once). */
function sameChoice(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false
  for (const option of a) if (!b.includes(option)) return false
  return true
}

function roleOf(identity: RealtimeIdentity): ConferenceRole {
  return identity.role === 'host' || identity.role === 'speaker' ? identity.role : 'audience'
}

const removedKey = (voter: string) => `removed:${voter}`

/** One vote per person: accounts vote as themselves, anonymous participants by their token's id. */
function voterKey(identity: RealtimeIdentity): string {
  return `${identity.kind}:${identity.subject}`
}
