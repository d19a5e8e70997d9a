// ConferenceRoom vs a Socket.IO baseline at the same N: the figures side by side with the ratio
// ConferenceRoom / baseline. Latencies with raw samples are compared on every run's samples pooled,
// with a 95 % interval of the ratio from a bootstrap over runs, then samples within a run, and a
// verdict only where the interval excludes 1; figures that are one number per run (RSS, CPU,
// counts) are compared as medians of the runs, and get no verdict: a handful of runs says too
// little about their spread.
import {
  bootstrapRatios,
  percentile,
  type Better,
  type BootstrapOptions,
  verdict,
  type Verdict,
} from './report/bootstrap'
import { BASELINE_LABELS, serverProcesses, type Baseline, type RunReport } from './report'
import { figure } from './report/markdown'

export interface Figure {
  name: string
  better: Better
  /** 'pooled samples': a percentile of every run's samples; 'median of runs': one number per run. */
  basis: 'pooled samples' | 'median of runs'
  conferenceRoom: number | undefined
  baseline: number | undefined
  /** ConferenceRoom / baseline; undefined when either is missing or the baseline's is 0. */
  ratio: number | undefined
  /** Pooled figures: the ratio's bootstrap 95 % interval (over runs, then samples) and its verdict. */
  interval?: { low: number; high: number }
  verdict?: Verdict
}

export interface Comparison {
  n: number
  /** How the ConferenceRoom ran (wrangler or miniflare). */
  via: string
  /** Which Socket.IO baseline: one process, or two sharing state through Redis. */
  baseline: Baseline
  /** Runs of the room, and of the baseline, whose samples are pooled (or whose median is taken). */
  runs: number
  baselineRuns: number
  figures: Figure[]
  /** Every run of both sides ok, with 0 lost and 0 double-counted votes. */
  exact: boolean
}

type Samples = (r: RunReport) => number[] | undefined

/** Latencies kept per sample: [name, samples, percentile]. */
const POOLED: [string, Samples, number][] = [
  ['join per client p50 (ms)', (r) => r.load?.join.perClientSamplesMs, 50],
  ['join per client p99 (ms)', (r) => r.load?.join.perClientSamplesMs, 99],
  // The transport's floor under the vote rows: the host's ping → reply, before anyone joined.
  ['idle round trip p50 (ms)', (r) => r.roundTripSamplesMs, 50],
  ['idle round trip p99 (ms)', (r) => r.roundTripSamplesMs, 99],
  ['vote ack p50 (ms)', (r) => r.load?.votes.ackSamplesMs, 50],
  ['vote ack p99 (ms)', (r) => r.load?.votes.ackSamplesMs, 99],
]

/** One number per run: [name, which way is better, read]. */
const PER_RUN: [string, Better, (r: RunReport) => number | undefined][] = [
  ['push → all saw question.live (ms)', 'lower', (r) => r.liveFanoutMs],
  ['last vote → host final count (ms)', 'lower', (r) => r.load?.talliedMs],
  ['votes/s sustained', 'higher', (r) => r.load?.votes.votesPerSecond],
  // The generator timestamps acks: its own longest pause during the votes, to read p99 against.
  ['load generator event-loop delay max (ms)', 'lower', (r) => r.load?.votes.generatorDelayMs?.max],
  ['lost votes', 'lower', (r) => r.lost],
  ['double-counted votes', 'lower', (r) => r.doubleCounted],
  ['server RSS at final count (MiB)', 'lower', (r) => serverSum(r, r.processesAtTally, 'rssMiB')],
  ['server RSS peak (MiB)', 'lower', (r) => serverSum(r, r.processesPeak, 'rssMiB')],
  ['server CPU during votes (% of a core)', 'lower', (r) => serverCpu(r)],
  ['host count updates during votes', 'lower', (r) => r.hostTicksDuringVotes?.count],
  // Not either system's doing: how much the virtual machine stood still, to read p99 against.
  [
    'CPU stolen by the hypervisor during votes (% of a core)',
    'lower',
    (r) => r.stolenCpuDuringVotes,
  ],
]

/** Under this many runs a side, the bootstrap over runs has too few to say how runs differ. */
export const FEW_RUNS = 3

const BASELINES = Object.keys(BASELINE_LABELS) as Baseline[]
const isBaseline = (via: RunReport['via']): via is Baseline => BASELINES.includes(via as Baseline)

/**
 * Pairs the ConferenceRoom's runs with each baseline's runs at the same N (one comparison per
 * baseline that ran). `options` sets the bootstrap (resamples, seed); the defaults are fixed, so
 * one set of runs always prints the same intervals.
 */
export function compare(reports: RunReport[], options: BootstrapOptions = {}): Comparison[] {
  const groups = new Map<string, RunReport[]>()
  for (const r of reports) {
    const key = `${r.via} ${r.n}`
    groups.set(key, [...(groups.get(key) ?? []), r])
  }
  return [...groups.values()].flatMap((rooms) => {
    const { via, n } = rooms[0]!
    if (isBaseline(via)) return []
    return BASELINES.flatMap((baseline) => {
      const baselines = groups.get(`${baseline} ${n}`)
      if (!baselines) return []
      const figures = [
        ...pooledFigures(rooms, baselines, options),
        ...PER_RUN.map(([name, better, read]) =>
          perRunFigure(name, better, median(rooms.map(read)), median(baselines.map(read))),
        ),
      ]
      const exact = [...rooms, ...baselines].every(
        (r) => r.ok && r.lost === 0 && r.doubleCounted === 0,
      )
      return [
        { n, via, baseline, runs: rooms.length, baselineRuns: baselines.length, figures, exact },
      ]
    })
  })
}

/** One bootstrap per sample kind (join, round trip, ack), for all of its percentiles at once. */
function pooledFigures(rooms: RunReport[], baselines: RunReport[], options: BootstrapOptions) {
  const byRun = (runs: RunReport[], read: Samples) => runs.map((r) => read(r) ?? [])
  const kinds = [...new Set(POOLED.map(([, read]) => read))]
  const byName = new Map<string, Figure>()
  for (const read of kinds) {
    const rows = POOLED.filter(([, r]) => r === read)
    const roomRuns = byRun(rooms, read)
    const baselineRuns = byRun(baselines, read)
    const intervals = bootstrapRatios(
      roomRuns,
      baselineRuns,
      rows.map(([, , p]) => p),
      options,
    )
    const room = roomRuns.flat()
    const base = baselineRuns.flat()
    rows.forEach(([name, , p], i) => {
      const interval = intervals[i]
      byName.set(name, {
        name,
        better: 'lower',
        basis: 'pooled samples',
        conferenceRoom: percentile(room, p),
        baseline: percentile(base, p),
        ratio: interval?.ratio,
        ...(interval
          ? {
              interval: { low: interval.low, high: interval.high },
              verdict: verdict(interval, 'lower'),
            }
          : {}),
      })
    })
  }
  return POOLED.map(([name]) => byName.get(name)!)
}

function perRunFigure(
  name: string,
  better: Better,
  a: number | undefined,
  b: number | undefined,
): Figure {
  const ratio = a === undefined || b === undefined || b === 0 ? undefined : a / b
  return { name, better, basis: 'median of runs', conferenceRoom: a, baseline: b, ratio }
}

/** The median of the defined values (the mean of the middle two for an even count). */
export function median(values: (number | undefined)[]): number | undefined {
  const sorted = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b)
  if (sorted.length === 0) return undefined
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** A ratio with its interval and verdict, e.g. `0.82 [0.71, 0.95] ahead`; `1.10` for a median. */
export function ratioCell(f: Pick<Figure, 'ratio' | 'interval' | 'verdict'>): string {
  if (f.ratio === undefined) return '—'
  if (!f.interval) return f.ratio.toFixed(2)
  return `${f.ratio.toFixed(2)} [${f.interval.low.toFixed(2)}, ${f.interval.high.toFixed(2)}] ${f.verdict}`
}

/** The side-by-side table, one column group (room, baseline, ratio) per N and baseline. */
export function comparisonTable(comparisons: Comparison[]): string[] {
  const label = (c: Comparison) => BASELINE_LABELS[c.baseline].short
  const header = [
    'ConferenceRoom (CR) vs Socket.IO (S.IO)',
    'basis',
    ...comparisons.flatMap((c) => [
      `CR ${c.via} n=${c.n}`,
      `${label(c)} n=${c.n}`,
      `CR/${label(c)} [95 %]`,
    ]),
  ]
  const figures = comparisons[0]?.figures ?? []
  const body = figures.map(({ name, basis }) => [
    name,
    basis === 'pooled samples' ? 'pooled' : 'median',
    ...comparisons.flatMap((c) => {
      const f = c.figures.find((x) => x.name === name)!
      return [figure(f.conferenceRoom), figure(f.baseline), ratioCell(f)]
    }),
  ])
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((row) => row[i]!.length)))
  const line = (row: string[]) =>
    row.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  const runs = [...new Set(comparisons.map((c) => `${c.runs}/${c.baselineRuns}`))].join(', ')
  const fewRuns = comparisons.some((c) => Math.min(c.runs, c.baselineRuns) < FEW_RUNS)
  return [
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
    `Runs per side (room/baseline) at each N: ${runs}. pooled: the percentile of every run's samples,`,
    '  with a 95 % interval of the ratio from a two-level bootstrap (each resample draws each side’s',
    '  runs with replacement, then each drawn run’s samples; with one run a side it is the bootstrap',
    '  of that run’s samples alone): ahead / behind when the whole interval is on the better / worse',
    '  side of 1, else no difference measurable. median: the median of the runs, no verdict.',
    ...(fewRuns
      ? [
          `WARNING: fewer than ${FEW_RUNS} runs on a side: the intervals cannot reflect how runs differ`,
          '  (a GC pause or a stalled VM in one run), so they are too narrow and one run can decide a',
          `  verdict. Use --repeat ${FEW_RUNS} or more.`,
        ]
      : []),
    'Ratios are CR / S.IO: below 1 is better for the room except for votes/s, where above 1 is.',
    ...BASELINES.filter((b) => comparisons.some((c) => c.baseline === b)).map(
      (b) => `${BASELINE_LABELS[b].short}: ${BASELINE_LABELS[b].long}.`,
    ),
    'Server = the workerd running the Worker (not wrangler’s dev proxy) | the Socket.IO node',
    '  process(es) and, with two, their Redis.',
  ]
}

function serverSum(r: RunReport, ps: RunReport['processesPeak'], key: 'rssMiB' | 'fds') {
  const servers = serverProcesses(r, ps)
  return servers.length > 0 ? servers.reduce((sum, p) => sum + p[key], 0) : undefined
}

function serverCpu(r: RunReport) {
  const pids = new Set(serverProcesses(r, r.processesAtTally).map((p) => p.pid))
  const used = (r.cpuDuringVotes ?? []).filter((p) => pids.has(p.pid))
  return used.length > 0 ? used.reduce((sum, p) => sum + p.percent, 0) : undefined
}
