// When a room's coalesced counts go out: to staff at most once per staff tick and to the audience at
// most once per audience tick, each only after something changed, the first change after a quiet
// spell at once. Pure (the caller passes the time), so the rules are tested without a clock.

export interface TickDecision {
  /** Send the counts to staff now. */
  staff: boolean
  /** Send the counts to the audience now. */
  audience: boolean
  /** When the next alarm is due, if anything is still waiting. */
  next: number | undefined
}

export class CountTicks {
  private staffWaiting = false
  private audienceWaiting = false
  private lastStaff = -Infinity
  private lastAudience = -Infinity

  constructor(
    private readonly staffMs: number,
    private readonly audienceMs: number,
  ) {}

  /** Something the counts show changed at `now`; answers when the alarm should go off. */
  changed(now: number): number {
    this.staffWaiting = true
    this.audienceWaiting = true
    return this.next(now)!
  }

  /** The alarm went off at `now`: who gets the counts, and when the next alarm is due. */
  fire(now: number): TickDecision {
    const staff = this.staffWaiting && now >= this.lastStaff + this.staffMs
    const audience = this.audienceWaiting && now >= this.lastAudience + this.audienceMs
    if (staff) {
      this.staffWaiting = false
      this.lastStaff = now
    }
    if (audience) {
      this.audienceWaiting = false
      this.lastAudience = now
    }
    return { staff, audience, next: this.next(now) }
  }

  private next(now: number): number | undefined {
    const due = [
      ...(this.staffWaiting ? [Math.max(now, this.lastStaff + this.staffMs)] : []),
      ...(this.audienceWaiting ? [Math.max(now, this.lastAudience + this.audienceMs)] : []),
    ]
    return due.length > 0 ? Math.min(...due) : undefined
  }
}
