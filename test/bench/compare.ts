// ConferenceRoom vs the Socket.IO baseline at the same N: the figures side by side with the ratio
// ConferenceRoom / Socket.IO, and whether the room is at least as good where it must be.
import { serverProcesses, type RunReport } from './report'

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
  figures: Figure[]
  /** Both runs ok with 0 lost and 0 double-counted on each side. */
  exact: boolean
  /** exact, and the room's vote ack p99 and last vote → host count are no worse than the baseline's. */
  atLeastAsGood: boolean
}

const FIGURES: [string, Figure['better'], (r: RunReport) => number | undefined][] = [
  ['join per client p50 (ms)', 'lower', (r) => r.load?.join.perClientMs.p50],
  ['join per client p99 (ms)', 'lower', (r) => r.load?.join.perClientMs.p99],
  ['push → all saw question.live (ms)', 'lower', (r) => r.liveFanoutMs],
  ['vote ack p50 (ms)', 'lower', (r) => r.load?.votes.ackMs.p50],
  ['vote ack p99 (ms)', 'lower', (r) => r.load?.votes.ackMs.p99],
  ['last vote → host final count (ms)', 'lower', (r) => r.load?.talliedMs],
  ['votes/s sustained', 'higher', (r) => r.load?.votes.votesPerSecond],
  ['lost votes', 'lower', (r) => r.lost],
  ['double-counted votes', 'lower', (r) => r.doubleCounted],
  ['server RSS at final count (MiB)', 'lower', (r) => serverSum(r, r.processesAtTally, 'rssMiB')],
  ['server RSS peak (MiB)', 'lower', (r) => serverSum(r, r.processesPeak, 'rssMiB')],
  ['server CPU during votes (% of a core)', 'lower', (r) => serverCpu(r)],
  ['host count updates during votes', 'lower', (r) => r.hostTicksDuringVotes?.count],
]
const ACK_P99 = 'vote ack p99 (ms)'
const TO_HOST = 'last vote → host final count (ms)'

/** Pairs each ConferenceRoom run with the Socket.IO run at the same N. */
export function compare(reports: RunReport[]): Comparison[] {
  const baseline = new Map(reports.filter((r) => r.via === 'socket.io').map((r) => [r.n, r]))
  return reports.flatMap((room) => {
    const sio = room.via === 'socket.io' ? undefined : baseline.get(room.n)
    if (!sio) return []
    const figures = FIGURES.map(([name, better, value]): Figure => {
      const a = value(room)
      const b = value(sio)
      return {
        name,
        better,
        conferenceRoom: a,
        socketIo: b,
        ratio: a === undefined || b === undefined || b === 0 ? undefined : round2(a / b),
      }
    })
    const exact = [room, sio].every((r) => r.ok && r.lost === 0 && r.doubleCounted === 0)
    const noWorse = (name: string) => {
      const f = figures.find((x) => x.name === name)!
      return (
        f.conferenceRoom !== undefined && f.socketIo !== undefined && f.conferenceRoom <= f.socketIo
      )
    }
    return [
      {
        n: room.n,
        via: room.via,
        figures,
        exact,
        atLeastAsGood: exact && noWorse(ACK_P99) && noWorse(TO_HOST),
      },
    ]
  })
}

/** The side-by-side table, one column group (room, baseline, ratio) per N. */
export function comparisonTable(comparisons: Comparison[]): string[] {
  const num = (v: number | undefined) => (v === undefined ? '—' : String(Math.round(v)))
  const header = [
    'ConferenceRoom (CR) vs Socket.IO (S.IO)',
    ...comparisons.flatMap((c) => [`CR ${c.via} n=${c.n}`, `S.IO n=${c.n}`, 'CR/S.IO']),
  ]
  const body = FIGURES.map(([name], i) => [
    name,
    ...comparisons.flatMap((c) => {
      const f = c.figures[i]!
      return [
        num(f.conferenceRoom),
        num(f.socketIo),
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
