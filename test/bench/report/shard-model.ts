// The audience-shard model beyond this machine: from the design's constants (shard capacity, the
// room's report budget) and the largest paced run's measured latencies, what 50,000, 100,000 and
// 1,000,000 members would ask of the ConferenceRoom and each shard, against one Durable Object's
// documented envelope. Only the interval and the per-object rates are derived here; every other
// figure is measured, and the text says which is which.
import { configSchema } from '../../../shared/config'
import {
  ROOM_SHARD_REPORTS_PER_SECOND,
  shardReportIntervalMs,
} from '../../../durable-objects/room-limits'
import type { RunReport } from '../report'
import { table } from './markdown'

/** Cloudflare's documented envelope of one Durable Object (requests a second). */
const OBJECT_REQUESTS_PER_SECOND = 1000
const OBJECT_WRITES_PER_SECOND = { low: 200, high: 500 }
/** The design's keynote: everyone votes within this window. */
const VOTE_WINDOW_S = 2
const AUDIENCES = [50_000, 100_000, 1_000_000]

const capacity = () => configSchema.shape.CONFERENCE_SHARD_CAPACITY.parse(undefined)

/**
 * The model's section, under the paced shard runs' table; empty when no paced run is there. It
 * starts from the largest run that kept up with its offered load (sustained ≥ 90 % of N votes over
 * `voteWindowMs`): past that, every object of this machine shares one workerd thread and the
 * latencies measure the queue in front of it, not the design.
 */
export function shardModel(runs: RunReport[], voteWindowMs: number): string {
  const keptUp = (r: RunReport) =>
    (r.load?.votes.votesPerSecond ?? 0) >= (0.9 * r.n) / (voteWindowMs / 1000)
  const measured = runs
    .filter((r) => r.ok && r.events?.duringVotes && r.load?.talliedMs !== undefined && keptUp(r))
    .sort((a, b) => b.n - a.n)[0]
  if (!measured) return ''
  const perShard = capacity()
  const shardsThen = measured.events!.shardsUsed
  const intervalThen = shardReportIntervalMs(shardsThen)
  // What the host's count waits for besides the report tick: the shards' batches, the RPC, the
  // room's turn and the frame, as measured at the largest N (never below zero).
  const beyondTick = Math.max(0, measured.load!.talliedMs! - intervalThen)
  const rows = AUDIENCES.map((n) => {
    const shards = Math.ceil(n / perShard)
    const interval = shardReportIntervalMs(shards)
    const reports = Math.min(ROOM_SHARD_REPORTS_PER_SECOND, (shards * 1000) / interval)
    const votesPerShard = perShard / VOTE_WINDOW_S
    return [
      n.toLocaleString('en-US'),
      String(shards),
      `${interval} ms`,
      reports.toFixed(0),
      String(shards),
      `${shards}`,
      votesPerShard.toFixed(0),
      `≈ ${((interval + beyondTick) / 1000).toFixed(2)} s`,
    ]
  })
  return [
    '',
    '',
    '**Beyond this machine (model).** From the largest run that kept up with its offered load, ' +
      'N = ' +
      `${measured.n.toLocaleString('en-US')} (${shardsThen} shards): the room took ` +
      `${measured.events!.duringVotes!.room.audience.toFixed(0)} audience-driven events a second ` +
      `while everyone voted, the busiest shard ${measured.events!.duringVotes!.shards.max.toFixed(0)}, ` +
      `and the host's final count came ${measured.load!.talliedMs!.toFixed(0)} ms after the last ` +
      `vote, ${beyondTick.toFixed(0)} ms of it beyond the ${intervalThen} ms report tick. The rows ` +
      `below extrapolate with the design's constants (${perShard} members a shard; the room takes ` +
      `at most ${ROOM_SHARD_REPORTS_PER_SECOND} reports a second, each shard reporting every ` +
      'max(100 ms, shards × 10 ms)) against the documented envelope of one object: about ' +
      `${OBJECT_REQUESTS_PER_SECOND} requests a second, ${OBJECT_WRITES_PER_SECOND.low}–` +
      `${OBJECT_WRITES_PER_SECOND.high} when each writes storage. Every member votes within ` +
      `${VOTE_WINDOW_S} s.`,
    '',
    table(
      [
        'audience',
        'shards',
        'report interval',
        'reports/s into the room',
        'room → shards calls per event',
        'room → shards stats calls/s',
        'stored votes/s per shard',
        'last vote → host (model)',
      ],
      rows,
    ),
    '',
    'What holds at every size, by construction: the room’s audience-driven rate stays at or below ' +
      `${ROOM_SHARD_REPORTS_PER_SECOND} a second (measured above at the sizes this machine holds), ` +
      `and each shard stores ${perShard / VOTE_WINDOW_S} votes a second, the top of the writing ` +
      'envelope, with its own acks (per-shard ack latency does not grow with the audience; here ' +
      'every shard shared one workerd process on two cores, so the measured acks are an upper ' +
      'bound). MongoDB sees one results write per closed question and one analytics write at the ' +
      'end, whatever the audience. What grows with the shards, and where it breaks: (1) the ' +
      'host’s count trails by the report interval, half a second at 50,000, one at 100,000 and ' +
      'ten at 1,000,000; (2) the room calls every shard once per event and once a second with the ' +
      'audience’s counts, so at 1,000,000 its outbound calls reach the whole envelope (1,000 a ' +
      'second) and a join storm’s view requests (one per shard a second) do too. The next step for ' +
      'audiences past about 100,000 is a tier of aggregator objects between shards and room ' +
      '(fan-in of 10 at 100 ms a level: three levels for 1,000 shards, about 0.3 s to the host), ' +
      'carrying reports up and events down. Extrapolated, not measured: the rows above and these ' +
      'limits; measured: the runs in the table above.',
  ].join('\n')
}
