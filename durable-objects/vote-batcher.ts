// A conference room's vote batcher: votes that arrive together are checked one by one, stored in one
// write, and answered once stored. The room supplies the steps (its rules, its storage, its acks);
// this holds the queue, when a batch runs (FlushPacer), and the all-or-none write.
import type { StagedVote } from './conference-store'
import { FlushPacer } from './flush-pacer'
import { VOTE_FLUSH_RATE } from './room-limits'

/** What checking one vote decided: whether it replaced the voter's earlier one, and was staged. */
export interface VoteOutcome {
  replaced: boolean
  /** False for a vote that repeats the voter's current choice: nothing to store, still acked. */
  stored: boolean
}

/** A vote waiting in a batch; the batch fills in its outcome or its failure before settling it. */
export interface BatchedVote {
  outcome: VoteOutcome | undefined
  failure: unknown
}

/** What the room does for each step of a batch. */
export interface VoteBatchSteps<Vote extends BatchedVote> {
  /**
   * Checks one vote against the counts as the batch's earlier votes left them and stages it into
   * `staged` unless it changes nothing; throws to refuse it.
   */
  check(vote: Vote, staged: StagedVote[]): VoteOutcome
  /** Stores every staged vote of the batch, or throws having stored none. */
  write(staged: StagedVote[]): void
  /** Takes back a staged vote's counting after the write failed. */
  unstage(vote: StagedVote): void
  /** The batch's votes are stored: the counts changed. Runs before any vote is answered. */
  stored(): void
  /** Answers one vote: acked when `error` is undefined, else refused or failed with it. */
  settle(vote: Vote, error: unknown): void
}

/**
 * Each vote event that wrote would end in its own storage commit, and acks wait for theirs, so a
 * burst of thousands queued behind one commit at a time. Queued votes run in order in one turn (one
 * commit): at once while the room is within its batch budget, else on the next timer turn; each is
 * still checked and stored exactly as alone, and answered only once stored.
 */
export class VoteBatcher<Vote extends BatchedVote> {
  private queue: Vote[] = []
  private readonly pacer = new FlushPacer(VOTE_FLUSH_RATE.burst, VOTE_FLUSH_RATE.perSecond)

  constructor(private readonly steps: VoteBatchSteps<Vote>) {}

  /** Queues a vote received at `now`; the first of a batch schedules the batch. */
  add(vote: Vote, now: number) {
    this.queue.push(vote)
    if (this.queue.length !== 1) return
    if (this.pacer.storeNow(now)) queueMicrotask(() => this.run())
    // A timer, not an alarm: this waits one event-loop turn so that the votes already delivered
    // to the object join the batch. An alarm is a storage write and an event of its own, and the
    // room's one alarm carries its count ticks; no vote waiting here has been acked, so an object
    // evicted before the turn runs loses nothing a client was told was stored.
    else setTimeout(() => this.run(), 0)
  }

  private run() {
    const batch = this.queue
    this.queue = []
    const staged: StagedVote[] = []
    for (const vote of batch) {
      try {
        vote.outcome = this.steps.check(vote, staged)
      } catch (error) {
        vote.failure = error ?? new Error('vote failed')
      }
    }
    let writeFailure: unknown
    if (staged.length > 0) {
      try {
        this.steps.write(staged)
      } catch (error) {
        writeFailure = error ?? new Error('storing votes failed')
        for (const vote of staged.toReversed()) this.steps.unstage(vote)
      }
    }
    // The counts first: the hosts' chart waits on the batch's last vote, and each ack on its own.
    if (staged.length > 0 && writeFailure === undefined) this.steps.stored()
    for (const vote of batch) {
      this.steps.settle(
        vote,
        vote.outcome?.stored && writeFailure !== undefined ? writeFailure : vote.failure,
      )
    }
  }
}
