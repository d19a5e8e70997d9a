// The scenarios `npm run bench` runs, in order: the command that runs each alone, its smoke
// variant, the JSON it writes, and how its numbers appear in BENCHMARKS.md.
import { FEW_RUNS, ratioCell, type Comparison } from '../compare'
import { BASELINE_LABELS, serverProcesses, type RunReport } from '../report'
import { count, figure, ms, ratio, table } from './markdown'
import { shardModel } from './shard-model'

export interface Scenario {
  id: string
  title: string
  /** npm script name; `args` for the full run, `smokeArgs` for the tiny CI run. */
  script: string
  args: string[]
  smokeArgs: string[]
  /** Written by the scenario under test-artifacts/. */
  json: string
  render(data: any): string
}

/** The sharded room's audience sizes: up to 15,000 sockets, each process within its file limit. */
const SHARD_NS = '5000,10000,15000'

export const SCENARIOS: Scenario[] = [
  {
    id: 'warm-path',
    title: 'Warm database connections',
    script: 'bench:warm-path',
    args: [],
    smokeArgs: ['--requests', '5'],
    json: 'bench-warm-path.json',
    render: (d) =>
      `MongoDB behind a TCP proxy adding ${d.latencyMs} ms per round trip (connects pay one too); ` +
      `${d.requests} sequential GETs per path after 10 warm-up requests.\n\n` +
      table(
        ['path', 'per-request client p50 / p99', 'warm pool p50 / p99', 'ratio p50 / p99'],
        d.rows.map((r: any) => [
          r.scenario,
          `${ms(r.perRequest.p50)} / ${ms(r.perRequest.p99)}`,
          `${ms(r.warm.p50)} / ${ms(r.warm.p99)}`,
          `${ratio(r.ratioP50)} / ${ratio(r.ratioP99)}`,
        ]),
      ),
  },
  {
    id: 'fanout',
    title:
      'Conference fan-out: ConferenceRoom vs the old stack (Socket.IO 4), the same offered load',
    script: 'bench:fanout',
    // Up to 10,000, against the old stack as it ran by default (one process) and as it scaled
    // (two behind the Redis adapter).
    args: ['--n', '1000,2000,5000,10000', '--socket-io-processes', '1,2'],
    smokeArgs: ['--n', '20', '--via', 'wrangler', '--repeat', '1'],
    json: 'bench-fanout.json',
    render: renderFanout,
  },
  {
    id: 'fanout-burst',
    title: 'Conference fan-out, burst: every vote as fast as the load generator can send it',
    script: 'bench:fanout',
    args: ['--vote-window-ms', '0'],
    smokeArgs: ['--n', '20', '--via', 'wrangler', '--repeat', '1', '--vote-window-ms', '0'],
    json: 'bench-fanout-burst.json',
    render: renderFanout,
  },
  {
    id: 'socket-io',
    title: 'Socket.IO framing beside native in one ConferenceRoom',
    script: 'bench:socket-io',
    args: [],
    smokeArgs: ['--n', '20', '--via', 'wrangler', '--repeat', '1'],
    json: 'bench-socket-io.json',
    render: renderFramings,
  },
  {
    id: 'shards',
    title: 'Audience shards: events per second on the ConferenceRoom and each shard, paced votes',
    script: 'bench:conference',
    // The keynote of the issue: everyone votes within two seconds.
    args: ['--n', SHARD_NS, '--vote-window-ms', '2000'],
    smokeArgs: ['--n', '30', '--shard-capacity', '10'],
    json: 'bench-conference.json',
    render: renderShards,
  },
  {
    id: 'shards-burst',
    title: 'Audience shards, burst: every vote as fast as the load generator can send it',
    script: 'bench:conference',
    args: ['--n', SHARD_NS, '--vote-window-ms', '0'],
    smokeArgs: ['--n', '30', '--shard-capacity', '10', '--vote-window-ms', '0'],
    json: 'bench-conference-burst.json',
    render: renderShards,
  },
  {
    id: 'join-storm-5000',
    title: 'Join storm: 5,000 joins offered over 5 s',
    script: 'bench:conference',
    args: ['--n', '5000', '--join-window-ms', '5000'],
    smokeArgs: ['--n', '30', '--join-window-ms', '300', '--shard-capacity', '10'],
    json: 'bench-conference-storm.json',
    render: renderStorm,
  },
  {
    id: 'join-storm-10000',
    title: 'Join storm: 10,000 joins offered over 10 s',
    script: 'bench:conference',
    args: ['--n', '10000', '--join-window-ms', '10000'],
    smokeArgs: ['--n', '30', '--join-window-ms', '300', '--shard-capacity', '10'],
    json: 'bench-conference-storm.json',
    render: renderStorm,
  },
  {
    id: 'messaging',
    title: 'Messaging',
    script: 'bench:messaging',
    args: [],
    smokeArgs: ['--smoke'],
    json: 'bench-messaging.json',
    render: (d) => {
      const rows = Object.entries(d)
        .filter(([, v]: [string, any]) => v && typeof v === 'object' && 'p50' in v)
        .map(([k, v]: [string, any]) => [k, ms(v.p50), ms(v.p99), `${v.count}/${v.expected}`])
      const t = d.throughput
      return (
        `Worker via ${d.via}${d.smoke ? ' (smoke)' : ''}.\n\n` +
        table(['send → receive', 'p50', 'p99', 'samples'], rows) +
        (t
          ? `\n\nOne conversation, ${t.members} members all sending: ` +
            `${t.sustainedPerSecond.toFixed(0)} messages/s sustained ` +
            `(${t.overallPerSecond.toFixed(0)} overall; ${t.acked} of ${t.sent} acked; the ` +
            `per-sender limit alone caps it at ${t.perSenderCeiling}/s).`
          : '')
      )
    },
  },
  {
    id: 'transcode',
    title: 'Transcoding',
    script: 'bench:transcode',
    args: [],
    smokeArgs: ['--smoke'],
    json: 'bench-transcode.json',
    render: (d) => {
      const sec = (v: number) => `${v.toFixed(1)} s`
      return (
        `Input ${d.input.size}, ${d.input.seconds} s, renditions ${d.input.renditions.join(', ')}; ` +
        `each figure the best of ${d.runs} run(s).\n\n` +
        table(
          ['figure', 'value'],
          [
            ['ffmpeg directly, one run with every output', sec(d.direct.singleRun)],
            ["ffmpeg directly, the service's two passes", sec(d.direct.passes)],
            ['one job through the transcoder service', sec(d.service.job)],
            [
              'service overhead over the same ffmpeg passes',
              `${sec(d.service.overhead)} (${d.service.overheadPercent.toFixed(0)} %)`,
            ],
            ['job start → lowest rendition playable', sec(d.service.startToPlayable)],
            ['job start → job completed', sec(d.service.startToCompleted)],
            ...Object.entries(d.throughput.jobsPerMinute).map(([c, v]) => [
              `jobs/minute at concurrency ${c} (${d.throughput.input.size}, ${d.throughput.input.seconds} s)`,
              (v as number).toFixed(1),
            ]),
          ],
        )
      )
    },
  },
  {
    id: 'feed',
    title: 'Feed pages',
    script: 'bench:feed',
    args: [],
    smokeArgs: ['--smoke'],
    json: 'bench-feed.json',
    render: (d) =>
      `${count(d.posts)} posts from ${count(d.users)} users (${count(d.friendships)} friendships), ` +
      `pages of ${d.pageSize}, Worker via ${d.via}.\n\n` +
      table(
        ['page', 'p50', 'p99', 'requests'],
        [
          ['first page', ms(d.firstPage.p50), ms(d.firstPage.p99), d.firstPage.count],
          ['cursor pages 2–5', ms(d.early.p50), ms(d.early.p99), d.early.count],
          [`cursor pages 6–${d.deepPages}`, ms(d.deep.p50), ms(d.deep.p99), d.deep.count],
        ],
      ),
  },
  {
    id: 'flood',
    title: "Another user's REST latency while one socket floods a room",
    script: 'bench:flood',
    args: [],
    smokeArgs: ['--smoke'],
    json: 'bench-flood.json',
    render: renderFlood,
  },
  {
    id: 'legacy-import',
    title: 'Legacy import: documents per second and peak memory',
    script: 'bench:legacy-import',
    args: [],
    smokeArgs: ['--smoke'],
    json: 'bench-legacy-import.json',
    render: (d) =>
      `Fixture databases shaped as the old Mongoose models stored them, in ${d.mongo === 'dev server' ? 'the dev MongoDB server (its own process: the bench)' : 'the MongoDB of `MONGODB_URI`'}; ` +
      `the importer's CLI on its own process, batches of ${d.batchSize}. Docs/s counts legacy documents ` +
      '(every collection of both databases) over the wall time of the run; peak memory is the ' +
      "importer process's maximum resident set. A second run (nothing to write) is timed on the " +
      'smaller size only: on the dev server it takes about as long as the first.\n\n' +
      table(
        [
          'legacy documents',
          'first run',
          'docs/s',
          'peak memory',
          'written',
          'slowest steps',
          'second run (writes nothing)',
          'its peak memory',
        ],
        d.rows.map((r: any) => [
          count(r.legacyDocs),
          `${r.importSeconds.toFixed(1)} s`,
          count(Math.round(r.docsPerSecond)),
          `${r.peakRssMiB} MiB`,
          count(r.written),
          r.slowestSteps
            .map((s: any) => `${s.step} ${s.seconds.toFixed(0)} s (${count(s.read)} read)`)
            .join('; '),
          r.rerunSeconds === undefined ? 'not run at this size' : `${r.rerunSeconds.toFixed(1)} s`,
          r.rerunPeakRssMiB === undefined ? '—' : `${r.rerunPeakRssMiB} MiB`,
        ]),
      ),
  },
  {
    id: 'bundle',
    title: 'Cold start and size',
    script: 'bench:bundle',
    args: [],
    smokeArgs: ['--starts', '1'],
    json: 'bench-bundle.json',
    render: (d) =>
      table(
        ['figure', 'value'],
        [
          ['bundle (wrangler deploy --dry-run), raw', `${d.rawKiB} KiB`],
          ['bundle, gzip', `${d.gzipKiB} KiB`],
          ['Miniflare start → ready (spawn, compile, top-level evaluation) p50', ms(d.readyMs)],
          [
            `startup: first request − warm request, p50 of ${d.startupMs.starts}`,
            ms(d.startupMs.p50),
          ],
          ['warm request p50', ms(d.warmRequestMs)],
          [
            'heavy SDKs (twilio, firebase-admin, googleapis, aws-sdk v2)',
            d.heavySdksPresent.join(', ') || 'none',
          ],
        ],
      ) +
      '\n\nHeaviest packages: ' +
      d.heaviestPackages.map((p: any) => `${p.name} ${p.kib} KiB`).join(', ') +
      '.',
  },
]

function renderFanout(d: any): string {
  const comparisons: Comparison[] = d.comparisons ?? []
  const short = (c: Comparison) => BASELINE_LABELS[c.baseline].short
  const header = [
    'figure',
    'basis',
    ...comparisons.flatMap((c) => [
      `CR ${c.via} ${c.n}`,
      `${short(c)} ${c.n}`,
      `CR/${short(c)} [95 %]`,
    ]),
  ]
  const figures = comparisons[0]?.figures ?? []
  const rows = figures.map(({ name, basis }) => [
    name,
    basis === 'pooled samples' ? 'pooled' : 'median',
    ...comparisons.flatMap((c) => {
      const f = c.figures.find((x) => x.name === name)
      return f ? [figure(f.conferenceRoom), figure(f.baseline), ratioCell(f)] : ['—', '—', '—']
    }),
  ])
  const baselines = [...new Set(comparisons.map((c) => c.baseline))]
    .map((b) => `${BASELINE_LABELS[b].short}: ${BASELINE_LABELS[b].long}`)
    .join('; ')
  const schedule = d.voteWindowMs
    ? `The N votes leave on one fixed schedule for both systems, evenly over ${d.voteWindowMs} ms ` +
      '(open loop: a slow answer does not slow the sender), so both get the same offered load: ' +
      'N votes a second. '
    : 'Every vote leaves as fast as the load generator can send it, in bursts of 200. The offered ' +
      'load then depends on the client library as much as on the server: the generator sends over ' +
      'plain WebSockets several times faster than through socket.io-client, so the room gets ' +
      'a denser burst and its ack latency is mostly queueing behind its throughput (votes/s). '
  return (
    `Same load generator, same N. ${schedule}Each side ran ${d.repeat ?? 1} time(s) at each N, ` +
    'interleaved (room, baseline, room, baseline, …). Baselines: ' +
    `${baselines || 'none ran'}. ` +
    'How the figures are compared: a latency kept per sample (join per client, idle round trip, ' +
    'vote ack) pools every run’s samples per side (“pooled”); the figure is that percentile of ' +
    'the pool and the ratio is CR / baseline, with a 95 % interval from a two-level percentile ' +
    'bootstrap: each of 1,000 resamples draws each side’s runs with replacement (as many as it ' +
    'ran), then each drawn run’s samples with replacement, pools them and takes the percentile ' +
    '(a fixed seed, so the same runs always print the same interval). Samples of one run are not ' +
    'independent, since a garbage collection or a stalled virtual machine shifts many of them at ' +
    'once, so resampling the pooled samples one by one gave intervals far too narrow, decided by ' +
    'one run’s stall; drawing whole runs first makes the interval as wide as the runs differ. ' +
    'With one run a side it is the bootstrap of that run’s samples alone, and with fewer than ' +
    `${FEW_RUNS} it cannot show how runs differ (the printed table warns). ` +
    `${fewRunsNote(d.repeat ?? 1)}` +
    'The room is “ahead” when the whole interval is on the better side of 1, ' +
    '“behind” when it is on the worse side, and “no difference measurable” when it contains 1. ' +
    'The other figures are one number per run (push → all, last vote → host, votes/s, RSS, CPU, ' +
    'counts): the median of the runs (“median”), with its ratio and no verdict. This replaces a ' +
    'yes/no on the median of the runs’ p99s, which flipped between runs of the same code on ' +
    'sub-millisecond differences. This 2-core machine is shared by the load generator and the ' +
    'server: a room run whose vote window holds a garbage collection of the Worker’s isolate (a ' +
    'scavenge of 10–18 ms, or a full mark-compact of 30–40 ms once the joins’ garbage fills the ' +
    'old generation; V8 `--trace-gc`) has a p99 several times the others’. Runs also stall with ' +
    'no collection in their window: on a virtual machine, “CPU stolen by the hypervisor” ' +
    '(/proc/stat’s steal, time its CPUs were ready to run while the host ran something else) ' +
    'is there to read such a run against. ' +
    '“Idle round trip” is the host’s ping → reply on its own socket before anyone joins: each ' +
    'system’s transport floor, with no room logic, storage or other sockets behind it. What a vote ' +
    'adds to it on the room’s side is its handling and the storage commit its ack waits for ' +
    '(decision 8: a vote is acked once stored; measured with the write left out, 1,000 votes a ' +
    'second: ack p50 0.3 → 0.2 ms); the one-process baseline keeps its tally in process memory ' +
    'and stores nothing; the two-process one (`--socket-io-processes 2`) keeps it in Redis (each ' +
    'vote one atomic script: the voter’s hash field, the counts’ HINCRBY), its audience spread ' +
    'round robin over the two ports, every broadcast relayed through the Redis adapter, and its ' +
    'server figures add both processes and that Redis. ' +
    'Each run’s load generator is a thread of its own (its own V8 heap, so the dev stand-ins’ ' +
    'garbage collections do not pause it while it timestamps acks). The ' +
    'room runs in workerd from the deploy bundle (Miniflare, straight to the Worker, as deployed); ' +
    '`--via wrangler` puts wrangler dev’s proxy, a second workerd relaying every frame, in front ' +
    `of it. Durable Object storage: ${d.storage ?? 'disk'} ` +
    '(`--storage memory` puts it on tmpfs so both sides are equally volatile; `--storage disk` is ' +
    'what `wrangler dev` does by default). Every run: all votes acked, lost and double-counted ' +
    "are checked against the server's own tally.\n\n" +
    table(header, rows)
  )
}

/** Said in the method text when these runs were too few for the bootstrap over runs. */
const fewRunsNote = (repeat: number) =>
  repeat < FEW_RUNS
    ? `These ran ${repeat} time(s) a side: the intervals below are too narrow to trust. `
    : ''

/** The method text of the Socket.IO framing section (BENCHMARKS.md keeps it above the table). */
const FRAMINGS_METHOD =
  'One ConferenceRoom, one host (native), N audience clients: every other one joins over native ' +
  'JSON frames (`/api/realtime/conference/<id>?ticket=`), the rest with the real ' +
  "`socket.io-client` 4 (`transports: ['websocket']`) on the Worker's " +
  '`/socket.io/?room=conference:<id>`, the participant token in `auth.token`. Both halves join ' +
  'through the same REST join, at the same time (interleaved), receive the same push, and vote ' +
  'on one schedule (N votes evenly over the window, alternating native and Socket.IO), so each ' +
  'framing meets the same room at the same moment. Each framing votes among four options of its ' +
  'own in one eight-option question: the host’s counts (and MongoDB’s once the conference ' +
  'ended) are tallied exactly per framing, lost and double-counted alike. “Last vote → host” is ' +
  'a framing’s last vote sent → the first host count holding all of that framing’s votes. ' +
  'Join is REST join + socket open until the room’s snapshot arrived. The judged figures are ' +
  `issue #26’s row; Socket.IO passes when within 1.5× of native on each, with 0 lost and 0 ` +
  'double-counted. The load generator is the fan-out benchmark’s (its own thread); ' +
  'socket.io-client parses every event it receives (the native client skips parsing the ' +
  'audience’s room.stats), so part of a Socket.IO figure is the client library’s own work. ' +
  'The Worker runs with its default heartbeat (a ping every 25 s), not the tests’ 400 ms. ' +
  'Two findings decided the server, measured with this command at N = 1,000 / 2,000 (medians of 5 ' +
  'runs, push → all saw it, native vs Socket.IO): (1) while the rooms listed native sockets before ' +
  'Socket.IO ones, the half sent second was the slow one whatever its framing: 45 vs 73 ms and ' +
  '52 vs 91 ms in that order, 50 vs 34 ms and 90 vs 68 ms with Socket.IO listed first; a room now ' +
  'interleaves the two, so neither half waits for every send to the other. (2) socket.io-client ' +
  'offers permessage-deflate and workerd accepted it, so every broadcast was deflated once per ' +
  'Socket.IO socket: 82 / 144 ms with it against 73 / 91 ms without; the Worker now runs with ' +
  '`no_web_socket_compression` (every browser offers it to native sockets too; the old Socket.IO ' +
  'servers ran without it).'

function renderFramings(d: any): string {
  const comparisons: any[] = d.framings ?? []
  const header = [
    'figure',
    ...comparisons.flatMap((c) => [`native ${c.via} ${c.n}`, `S.IO ${c.n}`, 'S.IO/native']),
  ]
  const names: string[] = comparisons[0]?.figures.map((f: any) => f.name) ?? []
  const rows = names.map((name) => [
    name,
    ...comparisons.flatMap((c) => {
      const f = c.figures.find((x: any) => x.name === name)
      const mark = f?.within === false ? ' (over)' : ''
      return [
        figure(f?.native),
        figure(f?.socketIo),
        f?.ratio === undefined ? '—' : `${ratio(f.ratio)}${mark}`,
      ]
    }),
  ])
  rows.push([
    'Socket.IO within 1.5× of native on each judged figure, exact',
    ...comparisons.flatMap((c) => ['', '', c.withinLimit ? 'yes' : 'NO']),
  ])
  return (
    `${FRAMINGS_METHOD} Each figure is the median of ${d.repeat ?? 1} run(s); n counts both ` +
    `halves. Durable Object storage: ${d.storage ?? 'disk'}.\n\n` +
    table(header, rows)
  )
}

function renderFlood(d: any): string {
  const spread = (v: { median: number; min: number; max: number }, f: (x: number) => string) =>
    `${f(v.median)} [${f(v.min)}–${f(v.max)}]`
  const msShort = (v: number) => v.toFixed(1)
  const x = (v: number) => `${v.toFixed(1)}×`
  const pct = (v: number) => `${Math.round(v)} %`
  const rows = d.phases.map((p: any) => [
    p.label,
    spread(p.p50, msShort),
    spread(p.p99, msShort),
    p.flood ? spread(p.p99OverIdle, x) : '—',
    p.flood ? (p.withinTwice ? 'yes' : 'NO') : '',
    p.flood
      ? `${count(p.flood.sent)} / ${count(p.flood.answered)} / ${count(p.flood.relayed)} / ` +
        count(p.flood.closedByRoom)
      : '',
    `${count(p.requests)} (${count(p.failures)} failed)`,
    spread(p.workerdCpu, pct),
    spread(p.otherCpu, pct),
  ])
  const b = d.budgets
  return (
    `Another user reads \`GET ${d.restPath}\` every ${d.restIntervalMs} ms (open loop) for ` +
    `${d.seconds} s while one socket floods a room at ${count(d.rate)} frames a second over ` +
    `loopback: \`unread.get\` on the flooder's user channel (a MongoDB count each; budget ` +
    `${b['unread.get'].burst}, then ${b['unread.get'].perSecond} a second) and \`ice-candidate\` ` +
    `in a meeting (each relayed to the guest; budget ${b['ice-candidate'].burst}, then ` +
    `${b['ice-candidate'].perSecond} a second). The room closes a socket once ` +
    `${count(d.closeAfterRefused)} of its frames were refused; a "reconnecting" flood opens the ` +
    'next socket at once with a ticket minted beforehand (each socket starts with full budgets), ' +
    'so it lasts the whole window. Each figure is the median of ' +
    `${d.runs} run(s) with their range [min–max]; each run's p99 is divided by the same run's ` +
    'idle p99, and "within 2×" reads the median of those ratios. Both loads run on threads of ' +
    'their own, started before the window. "Other processes" is the CPU everything else on this ' +
    "shared machine used meanwhile (other engineers' work), to read the tails against; workerd " +
    "is the Worker's: " +
    (d.via === 'miniflare' ? 'the deploy bundle in Miniflare, as deployed' : "wrangler dev's") +
    '.\n\n' +
    table(
      [
        'flood',
        'p50 (ms)',
        'p99 (ms)',
        'p99 ÷ idle p99',
        'within 2×',
        'frames sent / answered / relayed / sockets closed by the room',
        'reads',
        'workerd CPU (% of a core)',
        'other processes (% of a core)',
      ],
      rows,
    )
  )
}

/** The audience shards' method text (BENCHMARKS.md keeps it above the table). */
const SHARDS_METHOD =
  'One ConferenceRoom whose conference was created with `expectedAudience` N, so it starts with ' +
  '⌈N / CONFERENCE_SHARD_CAPACITY⌉ audience shards (1,000 sockets each unless ' +
  '`--shard-capacity` says otherwise), as a real event of that ' +
  'size would: each audience socket is held by the shard its participant token names, which ' +
  'stores and acks its votes and reports versioned totals to the room every max(100 ms, ' +
  'shards × 10 ms), so that all of them together send the room at most 100 reports a second; the ' +
  'room sends each event once per shard. The paced run is the keynote of the design: everyone ' +
  'votes within two seconds. N audience sockets join (50 in flight), the host pushes ' +
  'the question, each votes once (evenly over the window, or as fast as the load generator can), ' +
  'and the host’s count, the room’s REST read and MongoDB’s once ended are checked against what ' +
  'was sent. Events per second come from `GET /__dev/conference/{id}/load` (each object’s events ' +
  'so far, by source), read after the question reached every socket and again after the final ' +
  'count (votes), and at the first join’s start and the last one’s end (joins): the room’s ' +
  'events (all sources / the audience-driven part: its own sockets plus its shards’ calls) is ' +
  'what must stay within one object’s budget however large the audience; a shard’s counts every ' +
  'source. `--expected-audience 1` runs the same audience on one shard for comparison. Server ' +
  'memory is the Worker’s workerd (room and shards alike, one process), at its peak. The load ' +
  'generator (a thread of the benchmark’s process) and workerd each hold about one file per ' +
  'socket, each within its own open-file limit.'

/** The join storms' method text. */
const STORM_METHOD =
  'N joins (REST join, then the room socket until its snapshot arrives) offered open loop, ' +
  'evenly over the window: join i starts at i·W/N after the first whatever the earlier ones did, ' +
  'and its latency counts from that scheduled start, so a server (or load generator) that falls ' +
  'behind shows in the latencies instead of lowering the offered load. Joins admitted per second ' +
  'is joined / (last join completed − first scheduled start); every join must succeed. The ' +
  'conference expects N (so it starts with its shards); the run then pushes the question and ' +
  'votes as the paced shard run does, so the same checks (0 lost, 0 double-counted) hold after ' +
  'the storm. Events per second on the room and the shards are read around the joins.'

/** Not measured yet: the section says so under its method text. */
const NOT_MEASURED = '_Not yet measured._'

function runColumns(d: any): RunReport[] {
  return (d?.runs ?? []).filter(
    (r: RunReport) => r.via !== 'socket.io' && r.via !== 'socket.io-redis',
  )
}

const runHeader = (r: RunReport) => `${r.via} ${count(r.n)}${r.repeat ? ` #${r.repeat}` : ''}`
const pair = (a: number | undefined, b: number | undefined) => `${figure(a)} / ${figure(b)}`
const serverRssPeak = (r: RunReport) => {
  const ps = serverProcesses(r, r.processesPeak)
  return ps.length ? figure(ps.reduce((sum, p) => sum + p.rssMiB, 0)) : '—'
}
const eventRows = (rates: 'duringJoins' | 'duringVotes', what: string) =>
  [
    [
      `room events/s during ${what}: all / audience`,
      (r: RunReport) => {
        const e = r.events?.[rates]
        return e ? pair(e.room.all, e.room.audience) : '—'
      },
    ],
    [
      `shard events/s during ${what}: max / mean`,
      (r: RunReport) => {
        const e = r.events?.[rates]
        return e ? pair(e.shards.max, e.shards.mean) : '—'
      },
    ],
  ] as [string, (r: RunReport) => string][]

function runTable(runs: RunReport[], rows: [string, (r: RunReport) => string][]): string {
  return table(
    ['figure', ...runs.map(runHeader)],
    rows.map(([name, cell]) => [name, ...runs.map(cell)]),
  )
}

function renderShards(d: any): string {
  const runs = runColumns(d)
  const schedule = d?.voteWindowMs
    ? `Votes: N evenly over ${d.voteWindowMs} ms (open loop). `
    : 'Votes: as fast as the load generator can send them, in bursts of 200. '
  if (runs.length === 0) return `${SHARDS_METHOD} ${schedule}\n\n${NOT_MEASURED}`
  return (
    `${SHARDS_METHOD} ${schedule}Each column is one run; Durable Object storage: ` +
    `${d.storage ?? 'disk'}.\n\n` +
    runTable(runs, [
      [
        'expected audience / shards used',
        (r) => (r.events ? `${count(r.events.expectedAudience)} / ${r.events.shardsUsed}` : '—'),
      ],
      ...eventRows('duringVotes', 'votes'),
      ...eventRows('duringJoins', 'joins'),
      ['vote ack p50 / p99 (ms)', (r) => pair(r.load?.votes.ackMs.p50, r.load?.votes.ackMs.p99)],
      ['last vote → host final count (ms)', (r) => figure(r.load?.talliedMs)],
      ['push → all saw question.live (ms)', (r) => figure(r.liveFanoutMs)],
      [
        'join per client p50 / p99 (ms)',
        (r) => pair(r.load?.join.perClientMs.p50, r.load?.join.perClientMs.p99),
      ],
      ['votes/s sustained', (r) => figure(r.load?.votes.votesPerSecond)],
      ['server RSS peak (MiB)', serverRssPeak],
      ['lost / double-counted', (r) => `${r.lost ?? '—'} / ${r.doubleCounted ?? '—'}`],
      ['result', (r) => (r.ok ? 'ok' : `FAILED: ${r.error ?? ''}`)],
    ]) +
    // The paced runs carry the model beyond this machine (the burst's rates are the generator's).
    (d?.voteWindowMs ? shardModel(runs, d.voteWindowMs) : '')
  )
}

function renderStorm(d: any): string {
  const runs = runColumns(d)
  if (runs.length === 0) return `${STORM_METHOD}\n\n${NOT_MEASURED}`
  const failures = runs.flatMap((r) =>
    (r.load?.join.failures ?? []).slice(0, 5).map((f) => `${runHeader(r)}: ${f}`),
  )
  return (
    `${STORM_METHOD} The N joins offered over ${count(d.joinWindowMs)} ms; Durable Object ` +
    `storage: ${d.storage ?? 'disk'}.\n\n` +
    runTable(runs, [
      ['joined', (r) => `${count(r.load?.join.joined)} / ${count(r.n)}`],
      [
        'join p50 / p99 from its scheduled start (ms)',
        (r) => pair(r.load?.join.perClientMs.p50, r.load?.join.perClientMs.p99),
      ],
      ['joins admitted per second', (r) => figure(r.load?.join.admittedPerSecond)],
      ['join failures', (r) => figure(r.load?.join.failures.length)],
      [
        "join start lag behind schedule p99 (ms): the generator's own",
        (r) => figure(r.load?.join.startLagMs?.p99),
      ],
      [
        'expected audience / shards used',
        (r) => (r.events ? `${count(r.events.expectedAudience)} / ${r.events.shardsUsed}` : '—'),
      ],
      ...eventRows('duringJoins', 'joins'),
      ['vote ack p50 / p99 (ms)', (r) => pair(r.load?.votes.ackMs.p50, r.load?.votes.ackMs.p99)],
      ['server RSS peak (MiB)', serverRssPeak],
      ['lost / double-counted', (r) => `${r.lost ?? '—'} / ${r.doubleCounted ?? '—'}`],
      ['result', (r) => (r.ok ? 'ok' : `FAILED: ${r.error ?? ''}`)],
    ]) +
    (failures.length ? `\n\nJoin failures (first five a run): ${failures.join('; ')}.` : '')
  )
}
