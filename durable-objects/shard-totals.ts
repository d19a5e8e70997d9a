// The ConferenceRoom's record of its audience shards: each one's newest report, kept in the room's
// SQLite (so a restarted room has its totals at once) and summed in memory. Reports are absolute
// under a rising version, so applying one twice, or an older one after a newer, changes nothing.
import type { PollResults, QaItem } from '../shared/conference'
import type { ShardReport } from './audience-shard-protocol'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS shard_reports (shard INTEGER PRIMARY KEY, version INTEGER NOT NULL,
  body TEXT NOT NULL);
`

export class ShardTotals {
  private readonly reports = new Map<number, ShardReport>()

  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA)
    for (const row of sql.exec<{ shard: number; body: string }>(
      'SELECT shard, body FROM shard_reports',
    ))
      this.reports.set(row.shard, JSON.parse(row.body) as ShardReport)
  }

  /** Shards that have reported (or attached): the ones the room delivers to. */
  shards(): number[] {
    return [...this.reports.keys()]
  }

  has(shard: number): boolean {
    return this.reports.has(shard)
  }

  /** Records a shard that has attached before its first report. */
  attach(shard: number) {
    if (this.reports.has(shard)) return
    this.apply(shard, {
      version: 0,
      sockets: 0,
      participants: 0,
      voters: 0,
      questions: {},
      upvotes: {},
    })
  }

  /** Keeps `report` when it is newer than the shard's last one; answers whether it was. */
  apply(shard: number, report: ShardReport): boolean {
    const current = this.reports.get(shard)
    if (current && report.version <= current.version) return false
    this.sql.exec(
      `INSERT INTO shard_reports (shard, version, body) VALUES (?, ?, ?)
       ON CONFLICT(shard) DO UPDATE SET version = excluded.version, body = excluded.body`,
      shard,
      report.version,
      JSON.stringify(report),
    )
    this.reports.set(shard, report)
    return true
  }

  /** The room's own results with every shard's counts added. */
  addTo(results: PollResults): PollResults {
    const counts = { ...results.counts }
    let totalResponses = results.totalResponses
    for (const report of this.reports.values()) {
      const question = report.questions[results.questionId]
      if (!question) continue
      for (const [option, n] of Object.entries(question.counts))
        counts[option] = (counts[option] ?? 0) + n
      totalResponses += question.responses
    }
    return { questionId: results.questionId, counts, totalResponses }
  }

  /** Items with every shard's upvotes added, in the order `sort` asks for. */
  withUpvotes(items: QaItem[], sort: 'votes' | 'recent'): QaItem[] {
    if (this.reports.size === 0) return items
    const out = items.map((item) => ({ ...item, upvotes: item.upvotes + this.upvotes(item.id) }))
    // The same order as the store's SQL: pinned first, then by upvotes or by recency.
    return out.sort(
      (a, b) =>
        Number(b.pinned) - Number(a.pinned) ||
        (sort === 'votes'
          ? b.upvotes - a.upvotes || a.createdAt.localeCompare(b.createdAt)
          : b.createdAt.localeCompare(a.createdAt)),
    )
  }

  upvotes(qaId: string): number {
    let n = 0
    for (const report of this.reports.values()) n += report.upvotes[qaId] ?? 0
    return n
  }

  /** Sum of one figure over every shard's newest report. */
  sum(figure: 'sockets' | 'participants' | 'voters'): number {
    let n = 0
    for (const report of this.reports.values()) n += report[figure]
    return n
  }

  /** Q&A items whose upvote total differs between two readings (to announce the new totals). */
  static changedUpvotes(before: ShardReport | undefined, after: ShardReport): string[] {
    const ids = new Set([...Object.keys(before?.upvotes ?? {}), ...Object.keys(after.upvotes)])
    return [...ids].filter((id) => (before?.upvotes[id] ?? 0) !== (after.upvotes[id] ?? 0))
  }

  report(shard: number): ShardReport | undefined {
    return this.reports.get(shard)
  }
}
