// One audience shard of a live conference: a slice of the audience's sockets, with their votes and
// Q&A upvotes. It checks, stores and acks each vote itself (acked once stored, as the room did), and
// tells the room only totals, at most once a tick (100 ms, longer when the room has many shards); the room's events reach it in one call
// per event, which it fans out to its sockets. So the ConferenceRoom's event rate is set by the
// number of shards, not by the audience's size or how fast it votes (ARCHITECTURE, "Scale path").
import {
  CONFERENCE_FRAME_BUDGETS,
  ConferenceClientMessageSchema,
  type ConferenceAck,
  type ConferenceAckMessage,
  type ConferenceServerMessage,
  type LiveQuestion,
  type VoteMessage,
} from '../shared/conference'
import {
  CLOSE_CODES,
  IDENTITY_HEADER,
  TICKET_ID_HEADER,
  type RealtimeIdentity,
} from '../shared/realtime'
import type { Bindings } from '../worker/env'
import { shardSessionId, voterKey } from '../worker/conference/shards'
import { configFor } from '../worker/config'
import { admitSocketIo } from '../worker/realtime/socket-io-identity'
import { log } from '../worker/log'
import type { AudienceView, Delivery, ShardReport, ShardState } from './audience-shard-protocol'
import { ConferenceStore, type StagedVote, VOTES_PER_STATEMENT } from './conference-store'
import { conferenceMessage } from './conference-intake'
import { EventMeter, type EventCounts } from './event-meter'
import { FrameBudgets } from './frame-budgets'
import { ENGINE_PATH } from './socket-io/engine-request'
import { randomId } from './socket-io/engine-session'
import {
  RealtimeRoom,
  RoomError,
  type ClientFrame,
  type RoomResult,
  type SocketAttachment,
} from './realtime-room'
import { AUDIENCE_RATE, SHARD_REPORT_MIN_MS } from './room-limits'
import { TokenBuckets } from './token-buckets'
import { checkVote } from './vote-check'
import { VoteBatcher, type BatchedVote, type VoteOutcome } from './vote-batcher'

/** After a report the room did not take (it restarted, it was busy), the next try. */
const REPORT_RETRY_MS = 500
/** How long a joining socket may be shown a view the room gave earlier (see view()). */
const VIEW_MAX_AGE_MS = 1000
const AUDIENCE_TAG = 'role:audience'
/** A ticket lives a minute (worker/realtime/tickets.ts); its id is kept a little longer. */
const TICKET_MEMORY_MS = 65_000

type Reply = (outcome: VoteOutcome | undefined, error: unknown) => void

/** A vote waiting for its batch, and where its answer goes (a socket here, or the room's RPC). */
interface QueuedVote extends BatchedVote {
  identity: RealtimeIdentity
  message: VoteMessage
  reply: Reply
}

export class AudienceShard extends RealtimeRoom<Bindings, ConferenceServerMessage> {
  protected readonly kind = 'conference' as const
  protected readonly frameBudgets = new FrameBudgets(CONFERENCE_FRAME_BUDGETS)
  /** A Socket.IO client whose handshake named its credential is sent here (routes/socket-io.ts). */
  protected override readonly servesSocketIo = true
  private readonly store: ConferenceStore
  private readonly audienceLimit = new TokenBuckets(AUDIENCE_RATE.burst, AUDIENCE_RATE.perSecond)
  private state: ShardState
  private readonly meter = new EventMeter()
  private readonly visibleQa: Set<string>
  /** The last audience event this shard holds (its log's newest). */
  private seq: number
  /** Report versions: the newest made, and the newest the room took. */
  private version: number
  private reportedVersion: number
  private lastReportAt = 0
  /** How often this shard may report: the room says, with each report it takes. */
  private reportEveryMs = SHARD_REPORT_MIN_MS
  private reporting: Promise<void> | undefined

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env)
    this.store = new ConferenceStore(ctx.storage.sql)
    this.state = ctx.storage.kv.get<ShardState>('state') ?? {
      status: 'DRAFT',
      live: null,
      questionIds: [],
    }
    this.visibleQa = new Set(ctx.storage.kv.get<string[]>('visible-qa') ?? [])
    this.seq = Number(this.store.meta('seq') ?? 0)
    this.version = Number(this.store.meta('version') ?? 0)
    this.reportedVersion = Number(this.store.meta('reported_version') ?? 0)
    ctx.storage.sql.exec(
      'CREATE TABLE IF NOT EXISTS used_tickets (id TEXT PRIMARY KEY, until INTEGER NOT NULL)',
    )
    // Restarted with totals the room may not have: report them (the alarm survives a restart too).
    if (this.version > this.reportedVersion)
      void ctx.blockConcurrencyWhile(async () => this.alarmBy(Date.now()))
  }

  /** Which conference and shard this object is, from the first socket or call that names it. */
  private identify(conferenceId: string, index: number) {
    if (this.store.meta('conference_id')) return
    this.store.setMeta('conference_id', conferenceId)
    this.store.setMeta('index', index)
  }

  private get conferenceId(): string {
    return this.store.meta('conference_id') ?? ''
  }

  private get index(): number {
    return Number(this.store.meta('index') ?? 0)
  }

  private room() {
    const ns = this.env.CONFERENCE_ROOM
    return ns.get(ns.idFromName(this.conferenceId))
  }

  // ---- RPC from the ConferenceRoom ---------------------------------------------------------------

  /** Events this shard handled so far. */
  async load(): Promise<EventCounts> {
    return this.meter.reading()
  }

  /** Attached by the room itself: a member whose socket the room holds acted first. */
  async attach(conferenceId: string, index: number, view: AudienceView) {
    this.meter.count('room')
    this.identify(conferenceId, index)
    this.takeView(view)
  }

  /** The room's audience events, in order: logged for replay, then sent to every socket here. */
  async deliver(delivery: Delivery): Promise<{ seq: number }> {
    this.meter.count('room')
    if (delivery.after > this.seq) await this.catchUp()
    for (const event of delivery.events) this.append(event)
    this.applyState(delivery.state, delivery.qa)
    // The room changed: the next joining member is shown a view asked for after this.
    this.cachedView = undefined
    if (delivery.state.status === 'ENDED') this.closeParticipants()
    return { seq: this.seq }
  }

  /** The audience's copy of the counts: one call per shard, one frame per socket. */
  async stats(body: string) {
    this.meter.count('room')
    this.sendEach(body, this.roomSockets(AUDIENCE_TAG))
  }

  /**
   * The room closes `questionId`: no vote for it is taken after this, and the answer is this shard's
   * final count for it (within the totals), so the room's results include every vote acked here.
   */
  async closeQuestion(questionId: string): Promise<ShardReport> {
    this.meter.count('room')
    if (this.state.live?.id === questionId)
      this.applyState({ ...this.state, live: null }, undefined)
    this.cachedView = undefined
    if (this.store.question(questionId)) this.store.setQuestionStatus(questionId, 'CLOSED')
    return this.nextReport()
  }

  /** Everything this shard counts, for a room rebuilding its totals. */
  async tally(): Promise<ShardReport> {
    this.meter.count('room')
    return this.nextReport()
  }

  /** A member the host removed: their sockets close, and they are not let in again. */
  async removeVoter(voter: string) {
    this.meter.count('room')
    this.ctx.storage.kv.put(`removed:${voter}`, true)
    const subject = voter.slice(voter.indexOf(':') + 1)
    for (const ws of this.roomSockets(`subject:${subject}`))
      if (voterKey(this.attachmentOf(ws).identity) === voter)
        this.closeSocket(ws, CLOSE_CODES.ACCESS_WITHDRAWN, 'Removed from the conference')
  }

  /**
   * A vote from one of this shard's members whose socket the room holds (a Socket.IO client):
   * checked, stored and answered here like any other, so one person's votes have one home.
   */
  async voteFor(
    identity: RealtimeIdentity,
    message: VoteMessage,
  ): Promise<RoomResult<{ replaced: boolean }>> {
    this.meter.count('room')
    return new Promise((resolve) => {
      this.queueVote(identity, message, (outcome, error) => {
        if (error === undefined) return resolve({ replaced: outcome!.replaced })
        if (error instanceof RoomError)
          return resolve({ error: { code: error.code, message: error.message } })
        resolve({ error: { code: 'INTERNAL', message: 'Something went wrong; try again' } })
      })
    })
  }

  async upvoteFor(identity: RealtimeIdentity, qaId: string) {
    this.meter.count('room')
    return this.run(() => this.upvote(identity, qaId))
  }

  /** A member's own votes and upvotes, for the snapshot of a socket the room holds. */
  async yours(identity: RealtimeIdentity) {
    this.meter.count('room')
    const voter = voterKey(identity)
    return { votes: this.store.votesOf(voter), upvoted: this.store.upvotedBy(voter) }
  }

  // ---- Sockets --------------------------------------------------------------------------------------

  /** A CONNECT's `auth.token` on a session here: as the room admits it, and only its members. */
  protected override async socketIoAdmission(room: string, token: string) {
    const deps = { config: configFor(this.env), db: () => this.db(), env: this.env }
    const admission = await admitSocketIo(deps, 'conference', room, token)
    if (admission.ok && admission.identity.shard !== this.index)
      return { ok: false as const, message: 'This connection belongs to another part of the room' }
    return admission
  }

  protected override socketIoRecoverable(_identity: RealtimeIdentity, seq: number) {
    return (
      seq <= this.seq &&
      seq >= Number(this.store.meta('log_from') ?? Infinity) &&
      this.store.eventsSince(seq, 'audience') !== undefined
    )
  }

  protected override socketIoSessionId() {
    return shardSessionId(this.index, randomId())
  }

  /**
   * Each ticket opens one socket: the shard a participant's ticket names remembers the tickets it
   * took, so the Worker asks Redis nothing for them (worker/realtime/admission.ts).
   */
  override async fetch(request: Request): Promise<Response> {
    // The Worker names the shard it addressed, from an admitted identity's ticket or handshake.
    // A request without one (a later polling request, or a forged session id) names nothing here:
    // it must not make an object no member was ever sent to keep a conference id.
    const url = new URL(request.url)
    const named = url.searchParams.get('shard')
    if (named !== null && request.headers.has(IDENTITY_HEADER))
      this.identify(url.searchParams.get('room') ?? '', Number(named))
    if (url.pathname === ENGINE_PATH) return super.fetch(request)
    const ticketId = request.headers.get(TICKET_ID_HEADER)
    if (request.headers.get('upgrade')?.toLowerCase() === 'websocket' && !this.admitOnce(ticketId))
      return Response.json(
        { success: false, code: 'UNAUTHORIZED', message: 'This ticket was already used' },
        { status: 401 },
      )
    return super.fetch(request)
  }

  private usedTickets = 0

  private admitOnce(ticketId: string | null): boolean {
    if (!ticketId) return false
    const now = Date.now()
    const seen = this.ctx.storage.sql
      .exec<{ n: number }>('SELECT COUNT(*) AS n FROM used_tickets WHERE id = ?', ticketId)
      .one().n
    if (seen > 0) return false
    this.ctx.storage.sql.exec(
      'INSERT INTO used_tickets (id, until) VALUES (?, ?)',
      ticketId,
      now + TICKET_MEMORY_MS,
    )
    if (++this.usedTickets % 100 === 0)
      this.ctx.storage.sql.exec('DELETE FROM used_tickets WHERE until < ?', now)
    return true
  }

  protected override admissionRefused(
    identity: RealtimeIdentity,
    ticketAt: number,
    url: URL,
  ): string | undefined {
    if (identity.role !== 'audience' || identity.shard === undefined)
      return 'Only the audience joins through a shard'
    if (this.ctx.storage.kv.get(`removed:${voterKey(identity)}`))
      return 'You were removed from this conference'
    if (identity.kind === 'participant' && this.state.status === 'ENDED')
      return 'The conference has ended'
    return super.admissionRefused(identity, ticketAt, url)
  }

  protected override async onConnect(ws: WebSocket, attachment: SocketAttachment, url: URL) {
    this.meter.count('socket')
    const { identity } = attachment
    this.identify(attachment.room, identity.shard ?? 0)
    this.sockets = (this.sockets ?? this.roomSockets(AUDIENCE_TAG).length - 1) + 1
    this.store.notePresence(voterKey(identity), Date.now())
    this.changed()
    this.send(ws, {
      type: 'welcome',
      room: { kind: 'conference', id: attachment.room },
      identity,
      seq: this.seq,
    })
    const since = url.searchParams.get('since')
    // The log starts when the shard attached: a client further back gets a snapshot.
    const replay =
      since !== null &&
      Number(since) <= this.seq &&
      Number(since) >= Number(this.store.meta('log_from') ?? Infinity)
        ? this.store.eventsSince(Number(since), 'audience')
        : undefined
    if (replay) {
      for (const body of replay) this.sendEach(body, [ws])
      // Counts are state, not events: the log holds none, so the current ones follow the replay.
      const view = await this.view()
      return this.send(ws, {
        type: 'room.stats',
        audienceCount: this.audienceCount(view),
        results: resultsShown(view) ? view.results : null,
      })
    }
    const view = await this.view()
    const voter = voterKey(identity)
    const visible = resultsShown(view)
    this.send(ws, {
      type: 'conference.snapshot',
      seq: view.seq,
      snapshot: {
        conferenceId: view.conferenceId,
        status: view.status,
        liveQuestion: view.live,
        results: visible ? view.results : null,
        audienceCount: this.audienceCount(view),
        qa: view.qa,
        you: {
          role: 'audience',
          votes: this.store.votesOf(voter),
          upvoted: this.store.upvotedBy(voter),
        },
      },
    })
  }

  protected override async onClose() {
    this.sockets = Math.max(0, (this.sockets ?? this.roomSockets(AUDIENCE_TAG).length) - 1)
    this.changed()
  }

  // Not async: a vote is queued here and acked by its batch (VoteBatcher), with no promise per vote.
  protected override onMessage(
    ws: WebSocket,
    attachment: SocketAttachment,
    frame: ClientFrame,
  ): void | Promise<void> {
    this.meter.count('socket')
    const { identity } = attachment
    const message = conferenceMessage(
      frame,
      { role: 'audience', subject: identity.subject },
      {
        parse: (f) => this.parseFrame(ws, f, ConferenceClientMessageSchema),
        refuse: (rid, error) => this.refuse(ws, rid, error),
        audienceLimit: this.audienceLimit,
      },
    )
    if (!message) return
    if (message.type === 'vote') {
      return this.queueVote(identity, message, (outcome, error) => {
        if (error === undefined) {
          this.send(ws, {
            type: 'ack',
            rid: message.rid,
            questionId: message.questionId,
            optionIds: message.optionIds,
            replaced: outcome!.replaced,
          } satisfies ConferenceAckMessage<'vote'>)
        } else if (error instanceof RoomError) this.refuse(ws, message.rid, error)
        else this.sendFailure(ws, attachment, message, error)
      })
    }
    const handled = (async () => {
      if (message.type === 'qa.upvote') return this.upvote(identity, message.qaId)
      if (message.type === 'qa.ask') return this.ask(identity, message.text, message.anonymous)
      throw new RoomError('FORBIDDEN', `The audience cannot send '${message.type}'`)
    })()
    return handled.then(
      (result) => this.send(ws, { type: 'ack', rid: message.rid, ...result }),
      (error: unknown) => {
        if (!(error instanceof RoomError)) throw error
        this.refuse(ws, message.rid, error)
      },
    )
  }

  private refuse(ws: WebSocket, rid: string | undefined, error: RoomError) {
    this.send(ws, { type: 'error', rid, code: error.code, message: error.message })
  }

  // ---- Votes and Q&A ------------------------------------------------------------------------------

  private readonly votes = new VoteBatcher<QueuedVote>({
    check: (queued, staged) =>
      checkVote(this.store, this.state, voterKey(queued.identity), queued.message, staged),
    write: (staged: StagedVote[]) => {
      // All of the batch or none of it (see ConferenceRoom before shards: one statement, or a
      // transaction round several).
      if (staged.length <= VOTES_PER_STATEMENT) this.store.writeVotes(staged)
      else this.ctx.storage.transactionSync(() => this.store.writeVotes(staged))
    },
    unstage: (vote) => this.store.unstageVote(vote),
    stored: () => this.changed(),
    settle: (queued, error) => queued.reply(queued.outcome, error),
  })

  private queueVote(identity: RealtimeIdentity, message: VoteMessage, reply: Reply) {
    this.votes.add({ identity, message, reply, outcome: undefined, failure: undefined }, Date.now())
  }

  private upvote(identity: RealtimeIdentity, qaId: string): ConferenceAck<'qa.upvote'> {
    if (!this.visibleQa.has(qaId)) throw new RoomError('NOT_FOUND', 'No such question')
    if (!this.store.upvoteQa(qaId, voterKey(identity)))
      throw new RoomError('CONFLICT', 'You have already upvoted this question')
    this.changed()
    return { qaId }
  }

  /** Asking is rare and the room numbers every item: it goes to the room as it comes. */
  private async ask(
    identity: RealtimeIdentity,
    text: string,
    anonymous: boolean,
  ): Promise<ConferenceAck<'qa.ask'>> {
    const result = await this.room().askFrom(identity, text, anonymous)
    if ('error' in result) throw new RoomError(result.error.code, result.error.message)
    return result
  }

  // ---- Reports to the room ------------------------------------------------------------------------

  /** Audience sockets open here: counted by joins and leaves, read from the runtime after a wake. */
  private sockets: number | undefined

  /** Something the room counts changed: report it within a tick. */
  private changed() {
    this.version += 1
    const due = this.lastReportAt + this.reportEveryMs
    // The alarm is written with the change it reports, so a shard restarted before its report
    // still makes it; the report itself goes at once when the last one is a tick old.
    this.alarmBy(Math.max(due, Date.now()))
    if (Date.now() >= due) queueMicrotask(() => void this.report())
  }

  protected override async onAlarm() {
    await this.report()
    if (this.version > this.reportedVersion)
      this.alarmBy(Date.now() + (this.reporting ? this.reportEveryMs : REPORT_RETRY_MS))
  }

  /** Sends the newest totals unless the room has them; one report in flight at a time. */
  private async report(): Promise<void> {
    if (this.reporting || this.version <= this.reportedVersion || !this.conferenceId) return
    // Never before its tick, whichever way it was asked for (a change, the alarm): the alarm set
    // for the tick sends it then.
    const due = this.lastReportAt + this.reportEveryMs
    if (Date.now() < due) return this.alarmBy(due)
    this.reporting = (async () => {
      const report = this.nextReport()
      this.lastReportAt = Date.now()
      try {
        const taken = await this.room().report(this.index, report)
        this.reportEveryMs = taken.everyMs
        this.reportedVersion = Math.max(this.reportedVersion, report.version)
        this.store.setMeta('reported_version', this.reportedVersion)
      } catch (error) {
        log('warn', 'audience shard report not taken; retrying', {
          conferenceId: this.conferenceId,
          shard: this.index,
          error: error instanceof Error ? error.message : String(error),
        })
      }
    })()
    try {
      await this.reporting
    } finally {
      this.reporting = undefined
    }
    // Changes made while it was in flight go in the next one, a tick later.
    if (this.version > this.reportedVersion) this.alarmBy(this.lastReportAt + this.reportEveryMs)
  }

  /** The shard's totals under a new version (stored first: versions rise across restarts). */
  private nextReport(): ShardReport {
    this.version += 1
    this.store.setMeta('version', this.version)
    const questions: ShardReport['questions'] = {}
    for (const id of this.store.questionIds()) {
      const results = this.store.results(id)
      if (results.totalResponses > 0)
        questions[id] = { counts: results.counts, responses: results.totalResponses }
    }
    this.sockets ??= this.roomSockets(AUDIENCE_TAG).length
    return {
      version: this.version,
      sockets: this.sockets,
      participants: this.store.participantCount(),
      voters: this.store.distinctVoters(),
      questions,
      upvotes: this.store.upvoteCounts(),
    }
  }

  // ---- The room's view and events -----------------------------------------------------------------

  private cachedView: { at: number; view: Promise<AudienceView> } | undefined

  /**
   * What the room looks like to a joining member: asked of the room once and shared by every join
   * within VIEW_MAX_AGE_MS (a join storm costs the room one call per shard, not one per join), and
   * asked again after any event changed it. The first call also attaches this shard to the room.
   */
  private view(): Promise<AudienceView> {
    const now = Date.now()
    if (!this.cachedView || now - this.cachedView.at > VIEW_MAX_AGE_MS) {
      const view = this.room()
        .audienceView(this.index)
        .then((v) => this.takeView(v))
      view.catch(() => (this.cachedView = undefined))
      this.cachedView = { at: now, view }
    }
    return this.cachedView.view
  }

  /** A view newer than what this shard holds sets its state; the first one starts its log. */
  private takeView(view: AudienceView): AudienceView {
    if (!this.store.meta('log_from')) this.store.setMeta('log_from', view.seq)
    if (view.seq >= this.seq) {
      this.seq = view.seq
      this.store.setMeta('seq', this.seq)
      this.applyState(
        view,
        view.qa.map((item) => ({ id: item.id, visible: true })),
      )
    }
    return view
  }

  /** The room's audience size with this shard's own sockets counted as they are now. */
  private audienceCount(view: AudienceView): number {
    this.sockets ??= this.roomSockets(AUDIENCE_TAG).length
    return Math.max(0, view.audienceCount - view.shardSockets + this.sockets)
  }

  private append(event: { seq: number; body: string }) {
    if (event.seq <= this.seq) return
    this.store.appendEvent(event.seq, 'audience', event.body)
    this.seq = event.seq
    this.store.setMeta('seq', this.seq)
    this.sendEach(event.body, this.roomSockets(AUDIENCE_TAG))
  }

  /** Fetches the audience events this shard missed (a delivery that failed, a restart between). */
  private async catchUp() {
    const missed = await this.room().audienceEventsSince(this.seq)
    for (const event of missed) this.append(event)
  }

  private applyState(state: ShardState, qa: Delivery['qa']) {
    this.state = { status: state.status, live: state.live, questionIds: state.questionIds }
    this.ctx.storage.kv.put('state', this.state)
    const live: LiveQuestion | null = state.live
    if (live) {
      // Stored as the room's store keeps it, so results list every option, voted or not.
      this.store.upsertQuestions([live])
      if (this.store.question(live.id)?.status !== live.status)
        this.store.setQuestionStatus(live.id, live.status)
    }
    if (qa?.length) {
      for (const { id, visible } of qa) {
        if (visible) this.visibleQa.add(id)
        else this.visibleQa.delete(id)
      }
      this.ctx.storage.kv.put('visible-qa', [...this.visibleQa])
    }
  }

  private closeParticipants() {
    for (const ws of this.roomSockets(AUDIENCE_TAG))
      if (this.attachmentOf(ws).identity.kind === 'participant')
        this.closeSocket(ws, CLOSE_CODES.CONFERENCE_ENDED, 'The conference has ended')
  }
}

/** Whether the audience may see the live question's counts (not hidden, or revealed). */
function resultsShown(view: AudienceView): boolean {
  return Boolean(view.live && (!view.live.hideResults || view.live.revealed))
}
