// The ConferenceRoom's SQLite storage: questions, votes, Q&A, the event log used for gap-free
// replay, and a few meta values. Every write is synchronous and durable before the room's next
// output leaves (the output gate), so an ack always follows a stored vote.
//
// The object is its storage's only writer, so what a vote reads is kept in memory, written through:
// meta values, question definitions, and per question each voter's choice with the running counts
// (derived from the votes table when first needed, never stored twice). A vote then costs one SQL
// statement instead of six; at thousands of votes a second that was most of the room's time.
import type { ConferenceStatus, LiveQuestion, PollResults, QaItem } from '../shared/conference'

// votes is WITHOUT ROWID: a vote is one insert into one B-tree keyed by (question, voter), where a
// rowid table kept the rows and the key's index as two (1,000 votes a second, nine runs each: server
// CPU 16 → 14 % of a core, last vote → host 0.5 → 0.4 ms, medians). A room created before keeps its
// rowid table: the same upsert runs on both.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS questions (id TEXT PRIMARY KEY, body TEXT NOT NULL, status TEXT NOT NULL,
  revealed INTEGER NOT NULL DEFAULT 0, persisted INTEGER NOT NULL DEFAULT 1);
CREATE TABLE IF NOT EXISTS votes (question_id TEXT NOT NULL, voter TEXT NOT NULL, options TEXT NOT NULL,
  at INTEGER NOT NULL, PRIMARY KEY (question_id, voter)) WITHOUT ROWID;
DROP TABLE IF EXISTS counts;
CREATE TABLE IF NOT EXISTS qa (id TEXT PRIMARY KEY, text TEXT NOT NULL, author TEXT NOT NULL, author_name TEXT,
  upvotes INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL, pinned INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS qa_votes (qa_id TEXT NOT NULL, voter TEXT NOT NULL, PRIMARY KEY (qa_id, voter));
CREATE INDEX IF NOT EXISTS qa_votes_by_voter ON qa_votes (voter);
CREATE TABLE IF NOT EXISTS participants (id TEXT PRIMARY KEY, first_seen INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, target TEXT NOT NULL, body TEXT NOT NULL);
`

/** Durable Object SQL binds at most 100 parameters per statement; a vote row takes 4. */
export const VOTES_PER_STATEMENT = 25

/** A vote counted in memory and not yet stored (see ConferenceStore.stageVote). */
export interface StagedVote {
  questionId: string
  voter: string
  optionIds: readonly string[]
  previous: readonly string[] | undefined
  at: number
}

/** The upsert of `rows` votes, built once per size (a vote batch is stored after every few votes). */
const upsertVotesStatements: string[] = []
function upsertVotesSql(rows: number): string {
  return (upsertVotesStatements[rows] ??=
    `INSERT INTO votes (question_id, voter, options, at) VALUES ${Array(rows).fill('(?, ?, ?, ?)').join(', ')}
     ON CONFLICT(question_id, voter) DO UPDATE SET options = excluded.options, at = excluded.at`)
}

/** Events kept for replay; a client further behind gets a snapshot instead. */
const EVENT_LOG_SIZE = 2000

/** Who an event is for: everyone, hosts and speakers only, or the audience only. */
export type EventTarget = 'all' | 'staff' | 'audience'

export type StoredQuestion = Omit<LiveQuestion, 'status' | 'revealed'>

/** One question's votes as read from storage: each voter's options and the count per option. */
interface Tally {
  byVoter: Map<string, readonly string[]>
  counts: Map<string, number>
}

export class ConferenceStore {
  private readonly metaValues = new Map<string, string>()
  private readonly questionCache = new Map<string, Readonly<LiveQuestion>>()
  private readonly tallies = new Map<string, Tally>()

  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA)
    for (const row of sql.exec<{ key: string; value: string }>('SELECT key, value FROM meta'))
      this.metaValues.set(row.key, row.value)
  }

  meta(key: string): string | undefined {
    return this.metaValues.get(key)
  }

  setMeta(key: string, value: string | number) {
    this.sql.exec(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      key,
      String(value),
    )
    this.metaValues.set(key, String(value))
  }

  get status(): ConferenceStatus {
    return (this.meta('status') as ConferenceStatus | undefined) ?? 'DRAFT'
  }

  /** Adds or replaces question definitions; votes and live status are kept. */
  upsertQuestions(questions: StoredQuestion[]) {
    for (const q of questions) {
      this.sql.exec(
        `INSERT INTO questions (id, body, status) VALUES (?, ?, 'DRAFT')
         ON CONFLICT(id) DO UPDATE SET body = excluded.body`,
        q.id,
        JSON.stringify(q),
      )
      this.questionCache.delete(q.id)
    }
  }

  /** The question as stored (shared and frozen: callers copy what they change). */
  question(id: string): Readonly<LiveQuestion> | undefined {
    const cached = this.questionCache.get(id)
    if (cached) return cached
    const row = this.sql
      .exec<{ body: string; status: string; revealed: number }>(
        'SELECT body, status, revealed FROM questions WHERE id = ?',
        id,
      )
      .toArray()[0]
    if (!row) return undefined
    const question = Object.freeze({
      ...(JSON.parse(row.body) as StoredQuestion),
      status: row.status as LiveQuestion['status'],
      revealed: row.revealed === 1,
    })
    this.questionCache.set(id, question)
    return question
  }

  questionIds(): string[] {
    return this.sql
      .exec<{ id: string }>('SELECT id FROM questions')
      .toArray()
      .map((r) => r.id)
  }

  setQuestionStatus(id: string, status: LiveQuestion['status'], persisted?: boolean) {
    this.sql.exec('UPDATE questions SET status = ? WHERE id = ?', status, id)
    if (persisted !== undefined)
      this.sql.exec('UPDATE questions SET persisted = ? WHERE id = ?', persisted ? 1 : 0, id)
    this.questionCache.delete(id)
  }

  markPersisted(id: string) {
    this.sql.exec('UPDATE questions SET persisted = 1 WHERE id = ?', id)
  }

  unpersistedClosed(): string[] {
    return this.sql
      .exec<{ id: string }>("SELECT id FROM questions WHERE status = 'CLOSED' AND persisted = 0")
      .toArray()
      .map((r) => r.id)
  }

  reveal(id: string) {
    this.sql.exec('UPDATE questions SET revealed = 1 WHERE id = ?', id)
    this.questionCache.delete(id)
  }

  private tally(questionId: string): Tally {
    let tally = this.tallies.get(questionId)
    if (!tally) {
      tally = { byVoter: new Map(), counts: new Map() }
      for (const row of this.sql.exec<{ voter: string; options: string }>(
        'SELECT voter, options FROM votes WHERE question_id = ?',
        questionId,
      )) {
        const options = JSON.parse(row.options) as string[]
        tally.byVoter.set(row.voter, options)
        for (const option of options) tally.counts.set(option, (tally.counts.get(option) ?? 0) + 1)
      }
      this.tallies.set(questionId, tally)
    }
    return tally
  }

  previousVote(questionId: string, voter: string): readonly string[] | undefined {
    return this.tally(questionId).byVoter.get(voter)
  }

  /**
   * Counts a vote in memory, replacing the voter's earlier one; writeVotes stores it (a batch of
   * votes in one statement) and unstageVote takes it back when that write fails.
   */
  stageVote(questionId: string, voter: string, optionIds: string[], now: number): StagedVote {
    const tally = this.tally(questionId)
    const previous = tally.byVoter.get(voter)
    this.count(tally, voter, previous, optionIds)
    return { questionId, voter, optionIds, previous, at: now }
  }

  /** Restores the counts as they were before `vote` was staged (votes undone newest first). */
  unstageVote(vote: StagedVote) {
    this.count(this.tally(vote.questionId), vote.voter, vote.optionIds, vote.previous)
  }

  /**
   * Stores staged votes, a voter's later vote replacing the earlier: a multi-row upsert per
   * VOTES_PER_STATEMENT, since each statement (its cursor, its C++-backed JS object for the garbage
   * collector) cost more than the row it wrote.
   */
  writeVotes(votes: readonly StagedVote[]) {
    for (let from = 0; from < votes.length; from += VOTES_PER_STATEMENT) {
      const to = Math.min(votes.length, from + VOTES_PER_STATEMENT)
      const params: (string | number)[] = []
      for (let i = from; i < to; i++) {
        const v = votes[i]!
        params.push(v.questionId, v.voter, JSON.stringify(v.optionIds), v.at)
      }
      this.sql.exec(upsertVotesSql(to - from), ...params)
    }
  }

  private count(
    tally: Tally,
    voter: string,
    from: readonly string[] | undefined,
    to: readonly string[] | undefined,
  ) {
    for (const option of from ?? []) tally.counts.set(option, tally.counts.get(option)! - 1)
    for (const option of to ?? []) tally.counts.set(option, (tally.counts.get(option) ?? 0) + 1)
    if (to) tally.byVoter.set(voter, to)
    else tally.byVoter.delete(voter)
  }

  results(questionId: string): PollResults {
    const counts: Record<string, number> = {}
    for (const option of this.question(questionId)?.options ?? []) counts[option.id] = 0
    const tally = this.tally(questionId)
    // forEach, not for…of: no [key, value] pair built per option, for every batch's counts frame.
    tally.counts.forEach((n, option) => (counts[option] = n))
    return { questionId, counts, totalResponses: tally.byVoter.size }
  }

  /** The voter's choice on every question (from the tallies: no index on voter to keep up). */
  votesOf(voter: string): Record<string, string[]> {
    const out: Record<string, string[]> = {}
    for (const questionId of this.questionIds()) {
      const options = this.tally(questionId).byVoter.get(voter)
      if (options) out[questionId] = [...options]
    }
    return out
  }

  distinctVoters(): number {
    return this.sql
      .exec<{ n: number }>('SELECT COUNT(DISTINCT voter) AS n FROM votes')
      .toArray()[0]!.n
  }

  notePresence(participant: string, now: number) {
    this.sql.exec(
      'INSERT OR IGNORE INTO participants (id, first_seen) VALUES (?, ?)',
      participant,
      now,
    )
  }

  participantCount(): number {
    return this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM participants').toArray()[0]!.n
  }

  addQa(item: {
    id: string
    text: string
    author: string
    authorName: string | null
    now: number
  }) {
    this.sql.exec(
      "INSERT INTO qa (id, text, author, author_name, status, created_at) VALUES (?, ?, ?, ?, 'pending', ?)",
      item.id,
      item.text,
      item.author,
      item.authorName,
      item.now,
    )
  }

  /** One upvote per person: false when this voter already upvoted. */
  upvoteQa(qaId: string, voter: string): boolean {
    const before = this.sql
      .exec<{ n: number }>(
        'SELECT COUNT(*) AS n FROM qa_votes WHERE qa_id = ? AND voter = ?',
        qaId,
        voter,
      )
      .toArray()[0]!.n
    if (before > 0) return false
    this.sql.exec('INSERT INTO qa_votes (qa_id, voter) VALUES (?, ?)', qaId, voter)
    this.sql.exec('UPDATE qa SET upvotes = upvotes + 1 WHERE id = ?', qaId)
    return true
  }

  /** Upvotes per Q&A item, counted from who upvoted (an audience shard keeps no items). */
  upvoteCounts(): Record<string, number> {
    const out: Record<string, number> = {}
    for (const row of this.sql.exec<{ qa_id: string; n: number }>(
      'SELECT qa_id, COUNT(*) AS n FROM qa_votes GROUP BY qa_id',
    ))
      out[row.qa_id] = row.n
    return out
  }

  upvotedBy(voter: string): string[] {
    return this.sql
      .exec<{ qa_id: string }>('SELECT qa_id FROM qa_votes WHERE voter = ?', voter)
      .toArray()
      .map((r) => r.qa_id)
  }

  moderateQa(qaId: string, change: { status?: QaItem['status']; pinned?: boolean }) {
    if (change.status) this.sql.exec('UPDATE qa SET status = ? WHERE id = ?', change.status, qaId)
    if (change.pinned !== undefined)
      this.sql.exec('UPDATE qa SET pinned = ? WHERE id = ?', change.pinned ? 1 : 0, qaId)
  }

  /** Who asked a Q&A item (their voter key), or undefined for an unknown item. */
  qaAuthor(qaId: string): string | undefined {
    return this.sql
      .exec<{ author: string }>('SELECT author FROM qa WHERE id = ?', qaId)
      .toArray()[0]?.author
  }

  qaItem(qaId: string): QaItem | undefined {
    return this.qaItems(false).find((i) => i.id === qaId)
  }

  qaItems(visibleOnly: boolean, sort: 'votes' | 'recent' = 'votes'): QaItem[] {
    const order =
      sort === 'votes'
        ? 'pinned DESC, upvotes DESC, created_at ASC'
        : 'pinned DESC, created_at DESC'
    const where = visibleOnly ? "WHERE status != 'hidden'" : ''
    return this.sql
      .exec<{
        id: string
        text: string
        author_name: string | null
        upvotes: number
        status: string
        pinned: number
        created_at: number
      }>(
        `SELECT id, text, author_name, upvotes, status, pinned, created_at FROM qa ${where} ORDER BY ${order}`,
      )
      .toArray()
      .map((r) => ({
        id: r.id,
        text: r.text,
        authorName: r.author_name,
        upvotes: r.upvotes,
        status: r.status as QaItem['status'],
        pinned: r.pinned === 1,
        createdAt: new Date(r.created_at).toISOString(),
      }))
  }

  appendEvent(seq: number, target: EventTarget, body: string) {
    this.sql.exec('INSERT INTO events (seq, target, body) VALUES (?, ?, ?)', seq, target, body)
    if (seq % 100 === 0) this.sql.exec('DELETE FROM events WHERE seq <= ?', seq - EVENT_LOG_SIZE)
  }

  /** Events after `since` meant for `reader`, or undefined when the log no longer reaches back. */
  eventsSince(since: number, reader: 'audience' | 'staff'): string[] | undefined {
    const oldest = this.sql
      .exec<{ s: number | null }>('SELECT MIN(seq) AS s FROM events')
      .toArray()[0]!.s
    if (oldest !== null && since < oldest - 1) return undefined
    return this.sql
      .exec<{ body: string }>(
        "SELECT body FROM events WHERE seq > ? AND target IN ('all', ?) ORDER BY seq",
        since,
        reader,
      )
      .toArray()
      .map((r) => r.body)
  }
}
