// Socket.IO framing beside native framing in the same ConferenceRoom run (`npm run bench:socket-io`):
// each framing's figures side by side with the ratio Socket.IO / native, and whether Socket.IO is
// within 1.5× of native on each judged figure with every vote of both counted exactly once.
import { median } from './compare'
import { summarize } from './load'
import type { Framing, RunReport } from './report'
import { figure } from './report/markdown'

/** How much slower than native the Socket.IO framing may be on a judged figure (issue #26). */
export const WITHIN = 1.5

export interface FramingFigure {
  name: string
  native: number | undefined
  socketIo: number | undefined
  /** Socket.IO / native; undefined when either is missing or native's is 0. */
  ratio: number | undefined
  /** Judged figures only: socketIo ≤ WITHIN × native (so 0 beside 0 passes). */
  within?: boolean
}

export interface FramingComparison {
  n: number
  via: string
  /** Runs whose median each figure is. */
  runs: number
  figures: FramingFigure[]
  /** Every run ok, with 0 lost and 0 double-counted votes in each framing. */
  exact: boolean
  /** exact, and every judged figure within WITHIN × native. */
  withinLimit: boolean
}

type Read = (r: RunReport, framing: Framing) => number | undefined
const kind = (r: RunReport, framing: Framing) => r.load?.byKind?.[framing]

/** [name, judged, read]: the judged ones are the row (join, push, ack p50/p99, → host). */
const FIGURES: [string, boolean, Read][] = [
  ['clients joined', false, (r, f) => kind(r, f)?.joined],
  ['join per client p50 (ms)', true, (r, f) => kind(r, f)?.joinMs.p50],
  ['join per client p99 (ms)', true, (r, f) => kind(r, f)?.joinMs.p99],
  ['push → all saw question.live (ms)', true, (r, f) => r.framings?.[f]?.liveFanoutMs],
  ['vote ack p50 (ms)', true, (r, f) => kind(r, f)?.ackMs.p50],
  ['vote ack p99 (ms)', true, (r, f) => kind(r, f)?.ackMs.p99],
  ['last vote → host final count (ms)', true, (r, f) => kind(r, f)?.talliedMs],
  ['votes acked', false, (r, f) => kind(r, f)?.acked],
  ['lost votes', false, (r, f) => r.framings?.[f]?.lost],
  ['double-counted votes', false, (r, f) => r.framings?.[f]?.doubleCounted],
  ['unexpected socket closes', false, (r, f) => r.framings?.[f]?.unexpectedCloses],
]
const ACK_P99 = 'vote ack p99 (ms)'
/** Beside the median of the runs' p99s, as in the fan-out comparison; shown, not judged. */
const POOLED_ACK_P99 = 'vote ack p99, all runs’ votes pooled (ms)'

/** Groups the runs that had both framings by N (and via); each figure is the median of the runs. */
export function compareFramings(reports: RunReport[]): FramingComparison[] {
  const groups = new Map<string, RunReport[]>()
  for (const r of reports.filter((r) => r.framings)) {
    const key = `${r.via} ${r.n}`
    groups.set(key, [...(groups.get(key) ?? []), r])
  }
  return [...groups.values()].map((runs) => {
    const figures: FramingFigure[] = FIGURES.map(([name, judged, read]) =>
      figureOf(
        name,
        judged,
        median(runs.map((r) => read(r, 'native'))),
        median(runs.map((r) => read(r, 'socket.io'))),
      ),
    )
    const pooled = (framing: Framing) => {
      const samples = runs.flatMap((r) => kind(r, framing)?.ackSamplesMs ?? [])
      return samples.length > 0 ? summarize(samples).p99 : undefined
    }
    figures.splice(
      figures.findIndex((f) => f.name === ACK_P99) + 1,
      0,
      figureOf(POOLED_ACK_P99, false, pooled('native'), pooled('socket.io')),
    )
    const exact = runs.every((r) =>
      (['native', 'socket.io'] as const).every(
        (f) => r.ok && r.framings?.[f]?.lost === 0 && r.framings[f]?.doubleCounted === 0,
      ),
    )
    return {
      n: runs[0]!.n,
      via: runs[0]!.via,
      runs: runs.length,
      figures,
      exact,
      withinLimit: exact && figures.every((f) => f.within !== false),
    }
  })
}

function figureOf(
  name: string,
  judged: boolean,
  native: number | undefined,
  socketIo: number | undefined,
): FramingFigure {
  const ratio =
    native === undefined || socketIo === undefined || native === 0
      ? undefined
      : Math.round((socketIo / native) * 100) / 100
  const within =
    native === undefined || socketIo === undefined ? false : socketIo <= WITHIN * native
  return { name, native, socketIo, ratio, ...(judged ? { within } : {}) }
}

/** The table `npm run bench:socket-io` prints: one column group (native, Socket.IO, ratio) per N. */
export function framingTable(comparisons: FramingComparison[]): string[] {
  const header = [
    'one room, half native (N), half Socket.IO (S.IO)',
    ...comparisons.flatMap((c) => [`N ${c.via} n=${c.n}`, `S.IO n=${c.n}`, 'S.IO/N']),
  ]
  const names = comparisons[0]?.figures.map((f) => f.name) ?? []
  const body = names.map((name) => [
    name,
    ...comparisons.flatMap((c) => {
      const f = c.figures.find((x) => x.name === name)!
      const mark = f.within === false ? ' !' : ''
      return [
        figure(f.native),
        figure(f.socketIo),
        f.ratio === undefined ? '—' : `${f.ratio.toFixed(2)}${mark}`,
      ]
    }),
  ])
  body.push([
    `S.IO within ${WITHIN}× of native (judged rows, exact)`,
    ...comparisons.flatMap((c) => ['', '', c.withinLimit ? 'yes' : 'NO']),
  ])
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((row) => row[i]!.length)))
  const line = (row: string[]) =>
    row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  return [
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
    `Each figure is the median of ${[...new Set(comparisons.map((c) => c.runs))].join('/')} run(s) at each N; n counts both halves.`,
    `Judged: join p50/p99, push → all saw it, vote ack p50/p99, last vote → host; ! marks one over ${WITHIN}×.`,
  ]
}
