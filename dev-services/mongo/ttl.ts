// TTL monitor: every interval, deletes documents whose TTL-indexed date plus the index's
// expireAfterSeconds has passed (mongod does this every 60 s; a dev server can be prompter).
import type { Engine } from './engine.js'
import { describe } from './errors.js'

export class TtlMonitor {
  private readonly timer: NodeJS.Timeout

  constructor(
    private readonly engine: Engine,
    private readonly log: (line: string) => void,
    intervalMs = 1000,
  ) {
    this.timer = setInterval(() => this.sweep(Date.now()), intervalMs)
    this.timer.unref()
  }

  /** Returns how many documents were removed. */
  sweep(now: number): number {
    let removed = 0
    try {
      for (const db of this.engine.databaseNames()) {
        for (const coll of this.engine.collections(db)) {
          for (const doc of coll.expiredDocs(now)) {
            coll.remove(doc)
            removed++
          }
        }
      }
    } catch (err) {
      this.log(`[mongo-dev] TTL sweep failed: ${describe(err)}`)
    }
    return removed
  }

  stop(): void {
    clearInterval(this.timer)
  }
}
