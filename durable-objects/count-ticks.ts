// When a room's coalesced counts go out: to staff at most once per staff tick and to the audience at
// most once per audience tick, each only after something changed, the first change after a quiet
// spell at once. The audience's copy is one frame to every audience socket, thousands of them: it
// also waits while votes are still arriving (until they pause for `voteQuietMs`, or at the latest
// `maxDeferMs` after it fell due), so that fan-out never lands in the middle of a burst of votes
// whose acks it would hold up. Pure (the caller passes the time), so the rules are tested without a
// clock.

export interface TickDecision {
  /** Send the counts to staff now. */
  staff: boolean
  /** Send the counts to the audience now. */
  audience: boolean
  /** When the next alarm is due, if anything is still waiting. */
  next: number | undefined
}

export interface CountTickTimes {
  staffMs: number
  audienceMs: number
  /** Votes count as still arriving until this long after the last one. */
  voteQuietMs: number
  /** The longest the audience's copy waits for votes to pause once it is due. */
  maxDeferMs: number
}

export class CountTicks {
  private staffWaiting = false
  /** When the audience's copy started waiting (undefined: nothing new for it). */
  private audienceWaitingSince: number | undefined
  private lastStaff = -Infinity
  private lastAudience = -Infinity
  private lastVote = -Infinity

  constructor(private readonly times: CountTickTimes) {}

  /** Something the counts show changed at `now`; answers when the alarm should go off. */
  changed(now: number, opts: { fromVotes?: boolean } = {}): number {
    this.staffWaiting = true
    this.audienceWaitingSince ??= now
    if (opts.fromVotes) this.lastVote = now
    return this.next(now)!
  }

  /** Whether staff may get the counts at `now` (something changed and their tick allows). */
  staffDue(now: number): boolean {
    return this.staffWaiting && now >= this.lastStaff + this.times.staffMs
  }

  /** Staff were sent the counts at `now`. */
  staffSent(now: number) {
    this.staffWaiting = false
    this.lastStaff = now
  }

  /** The audience was sent the current state at `now` by other means (e.g. with question.live). */
  audienceSent(now: number) {
    this.audienceWaitingSince = undefined
    this.lastAudience = now
  }

  /** The alarm went off at `now`: who gets the counts, and when the next alarm is due. */
  fire(now: number): TickDecision {
    const staff = this.staffDue(now)
    const audienceAt = this.audienceDueAt()
    const audience = audienceAt !== undefined && now >= audienceAt
    if (staff) this.staffSent(now)
    if (audience) this.audienceSent(now)
    return { staff, audience, next: this.next(now) }
  }

  /** When the alarm should next go off, if anything is still waiting. */
  next(now: number): number | undefined {
    // Runs after every vote batch: plain comparisons, no arrays to collect.
    let due = this.staffWaiting ? this.lastStaff + this.times.staffMs : Infinity
    const audienceAt = this.audienceDueAt()
    if (audienceAt !== undefined && audienceAt < due) due = audienceAt
    return due === Infinity ? undefined : Math.max(now, due)
  }

  private audienceDueAt(): number | undefined {
    if (this.audienceWaitingSince === undefined) return undefined
    const tick = Math.max(this.audienceWaitingSince, this.lastAudience + this.times.audienceMs)
    const votesPaused = this.lastVote + this.times.voteQuietMs
    return Math.max(tick, Math.min(votesPaused, tick + this.times.maxDeferMs))
  }
}
