// ConferenceRoom vs the Socket.IO baseline at the same N: the figures side by side with the ratio
// ConferenceRoom / Socket.IO, and whether the room is at least as good where it must be.
import { summarize } from './load'
import { serverProcesses, type RunReport } from './report'
import { figure } from './report/markdown'

export interface Figure {
  name: string
  /** Which way is better: a ratio below 1 is better for 'lower', above 1 for 'higher'. */
  better: 'lower' | 'higher'
  conferenceRoom: number | undefined
  socketIo: number | undefined
  /** ConferenceRoom / Socket.IO; undefined when either is missing or the baseline's is 0. */
  ratio: number | undefined
}

export interface Comparison {
  n: number
  /** How the ConferenceRoom ran (wrangler or miniflare). */
  via: string
  /** Runs per side whose median each figure is. */
  runs: number
  figures: Figure[]
  /** Both runs ok with 0 lost and 0 double-counted on each side. */
  exact: boolean
  /**
   * exact, and the room's vote ack p99 and last vote → host count (medians of the runs) are no
   * worse than the baseline's; the pooled p99 is shown, not decided on.
   */
  atLeastAsGood: boolean
}

const FIGURES: [string, Figure['better'], (r: RunReport) => number | undefined][] = [
  ['join per client p50 (ms)', 'lower', (r) => r.load?.join.perClientMs.p50],
  ['join per client p99 (ms)', 'lower', (r) => r.load?.join.perClientMs.p99],
  ['push → all saw question.live (ms)', 'lower', (r) => r.liveFanoutMs],
  // The transport's floor under the two rows below: the host's ping → reply, before anyone joined.
  ['idle round trip p50 (ms)', 'lower', (r) => r.roundTripMs?.p50],
  ['vote ack p50 (ms)', 'lower', (r) => r.load?.votes.ackMs.p50],
  ['vote ack p99 (ms)', 'lower', (r) => r.load?.votes.ackMs.p99],
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
const ACK_P99 = 'vote ack p99 (ms)'
const TO_HOST = 'last vote → host final count (ms)'
/**
 * The p99 of every run's votes taken together, beside the median of the runs' p99s: a stall that
 * lands in some runs' vote windows and not others makes the per-run p99 bimodal, and then the median
 * of five says whether three stalled; pooled, it says what latency 99 % of the votes got.
 */
const POOLED_ACK_P99 = 'vote ack p99, all runs’ votes pooled (ms)'

function pooledAckP99(runs: RunReport[]): number | undefined {
  const samples = runs.flatMap((r) => r.load?.votes.ackSamplesMs ?? [])
  return samples.length > 0 ? summarize(samples).p99 : undefined
}

/**
 * Pairs the ConferenceRoom's runs with the Socket.IO runs at the same N. With repetitions, each
 * figure is the median of its runs (the machine is shared and one run's tail is noisy); exact means
 * every run of both sides was.
 */
export function compare(reports: RunReport[]): Comparison[] {
  const groups = new Map<string, RunReport[]>()
  for (const r of reports) {
    const key = `${r.via} ${r.n}`
    groups.set(key, [...(groups.get(key) ?? []), r])
  }
  return [...groups.values()].flatMap((rooms) => {
    const { via, n } = rooms[0]!
    const baselines = via === 'socket.io' ? undefined : groups.get(`socket.io ${n}`)
    if (!baselines) return []
    const figures = FIGURES.map(([name, better, value]) =>
      figureOf(name, better, median(rooms.map(value)), median(baselines.map(value))),
    )
    figures.splice(
      figures.findIndex((f) => f.name === ACK_P99) + 1,
      0,
      figureOf(POOLED_ACK_P99, 'lower', pooledAckP99(rooms), pooledAckP99(baselines)),
    )
    const exact = [...rooms, ...baselines].every(
      (r) => r.ok && r.lost === 0 && r.doubleCounted === 0,
    )
    const noWorse = (name: string) => {
      const f = figures.find((x) => x.name === name)!
      return (
        f.conferenceRoom !== undefined && f.socketIo !== undefined && f.conferenceRoom <= f.socketIo
      )
    }
    return [
      {
        n,
        via,
        runs: rooms.length,
        figures,
        exact,
        atLeastAsGood: exact && noWorse(ACK_P99) && noWorse(TO_HOST),
      },
    ]
  })
}

function figureOf(
  name: string,
  better: Figure['better'],
  a: number | undefined,
  b: number | undefined,
): Figure {
  const ratio = a === undefined || b === undefined || b === 0 ? undefined : round2(a / b)
  return { name, better, conferenceRoom: a, socketIo: b, ratio }
}

/** The median of the defined values (the mean of the middle two for an even count). */
export function median(values: (number | undefined)[]): number | undefined {
  const sorted = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b)
  if (sorted.length === 0) return undefined
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** The side-by-side table, one column group (room, baseline, ratio) per N. */
export function comparisonTable(comparisons: Comparison[]): string[] {
  const header = [
    'ConferenceRoom (CR) vs Socket.IO (S.IO)',
    ...comparisons.flatMap((c) => [`CR ${c.via} n=${c.n}`, `S.IO n=${c.n}`, 'CR/S.IO']),
  ]
  const names = comparisons[0]?.figures.map((f) => f.name) ?? []
  const body = names.map((name) => [
    name,
    ...comparisons.flatMap((c) => {
      const f = c.figures.find((x) => x.name === name)!
      return [
        figure(f.conferenceRoom),
        figure(f.socketIo),
        f.ratio === undefined ? '—' : f.ratio.toFixed(2),
      ]
    }),
  ])
  body.push([
    'CR at least as good (ack p99, → host, exact)',
    ...comparisons.flatMap((c) => ['', '', c.atLeastAsGood ? 'yes' : 'NO']),
  ])
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((row) => row[i]!.length)))
  const line = (row: string[]) =>
    row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  return [
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
    `Each figure is the median of ${[...new Set(comparisons.map((c) => c.runs))].join('/')} run(s) per side at each N.`,
    'Ratios are CR / S.IO: below 1 is better for the room except for votes/s, where above 1 is.',
    'Server = the workerd running the Worker (not wrangler’s dev proxy) | the Socket.IO node process.',
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

const round2 = (v: number) => Math.round(v * 100) / 100
