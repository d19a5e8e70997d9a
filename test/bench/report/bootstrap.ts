// How sure a latency ratio room / baseline is: a two-level (cluster) percentile bootstrap of the
// ratio of one percentile of each side's samples, every run's samples pooled. Samples of one run are
// not independent: a garbage collection or a stalled virtual machine shifts many of them at once,
// so resampling the pooled samples one by one gives 10^4–10^5 samples an interval far too narrow,
// and one run's stall can decide the verdict. So each resample first draws as many runs as the side
// has, with replacement, then from each drawn run as many of its samples as it has, with
// replacement, pools them and takes the percentile; the middle 95 % of the resampled ratios is the
// interval. With one run a side the first level has nothing to draw from and this is the bootstrap
// of that run's samples alone; with few runs (under 3) it cannot show how much runs differ. The
// generator is seeded, so one set of runs always prints the same interval.
//
// Hand-written, not a library: no maintained npm package bootstraps a ratio of two samples'
// percentiles, let alone over runs, and the general ones (simple-statistics' sampleWithReplacement
// + quantile) build and copy a plain array per resample. Here a resample is not built at all: each
// side is sorted once, each run kept as its samples' positions in that order, a resample is how
// many times each sorted value was drawn (a reused count buffer), and the percentiles are read off
// one running total of those counts. p50 and p99, 5 runs × 20,000 samples a side, 1,000 resamples:
// 2.0–2.6 s on the shared 2-core benchmark machine under load, as fast as the one-level bootstrap
// of the same 10^5 samples pooled beside it (2.0–2.5 s; 2.3 s measured alone before; 10.6 s with the
// resamples built and quickselected, 4.1 s before the generator was inlined into the draw loop).

/** Which way is better for a figure: a ratio below 1 is better for 'lower', above 1 for 'higher'. */
export type Better = 'lower' | 'higher'

export type Verdict = 'ahead' | 'behind' | 'no difference measurable'

export interface RatioInterval {
  /** The percentile of the room's samples / the baseline's, on all the samples. */
  ratio: number
  /** The interval's bounds (2.5th and 97.5th percentile of the resampled ratios at 95 %). */
  low: number
  high: number
}

export interface BootstrapOptions {
  resamples?: number
  /** 0.95 for a 95 % interval. */
  confidence?: number
  seed?: number
}

const DEFAULT_RESAMPLES = 1000
const DEFAULT_SEED = 0x5eed

/**
 * The nearest-rank percentile (the smallest value with at least p % of the values at or below it),
 * as the benchmark's run summaries report it.
 */
export function percentile(values: ArrayLike<number>, p: number): number | undefined {
  if (values.length === 0) return undefined
  const sorted = Float64Array.from(values).sort()
  return sorted[rankOf(p, sorted.length)]
}

/**
 * For each percentile in `percentiles`, the ratio room / baseline of that percentile of all the
 * samples pooled, and its two-level bootstrap interval. Each side is a list of runs, each run its
 * samples; runs without samples are left out. Undefined for a percentile whose ratio is not defined
 * (a side without samples, or a baseline whose percentile is 0 in the samples or in a resample).
 * One run a side (every run's samples concatenated, say) makes it the one-level bootstrap of those
 * samples, as if each were independent of the others.
 */
export function bootstrapRatios(
  room: ArrayLike<number>[],
  baseline: ArrayLike<number>[],
  percentiles: number[],
  options: BootstrapOptions = {},
): (RatioInterval | undefined)[] {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES
  const confidence = options.confidence ?? 0.95
  const generator = new Mulberry32(options.seed ?? DEFAULT_SEED)
  const roomSide = sideOf(room)
  const baselineSide = sideOf(baseline)
  if (!roomSide || !baselineSide) return percentiles.map(() => undefined)
  const ratios = percentiles.map(() => new Float64Array(resamples))
  const ascending = percentiles.map((_, i) => i).sort((a, b) => percentiles[a]! - percentiles[b]!)
  const roomDrawn = new Array<number>(percentiles.length)
  const baselineDrawn = new Array<number>(percentiles.length)
  for (let b = 0; b < resamples; b++) {
    resampledPercentiles(roomSide, percentiles, ascending, generator, roomDrawn)
    resampledPercentiles(baselineSide, percentiles, ascending, generator, baselineDrawn)
    for (let i = 0; i < percentiles.length; i++) ratios[i]![b] = roomDrawn[i]! / baselineDrawn[i]!
  }
  const tail = (1 - confidence) / 2
  return percentiles.map((p, i) => {
    const all = ratios[i]!
    const baselineAll = baselineSide.sorted[rankOf(p, baselineSide.sorted.length)]!
    if (baselineAll === 0 || all.some((v) => !Number.isFinite(v))) return undefined
    all.sort()
    return {
      ratio: roomSide.sorted[rankOf(p, roomSide.sorted.length)]! / baselineAll,
      low: all[Math.floor(tail * resamples)]!,
      high: all[Math.ceil((1 - tail) * resamples) - 1]!,
    }
  })
}

/** Ahead when the whole interval is on the better side of 1, behind when on the worse side. */
export function verdict(interval: RatioInterval, better: Better): Verdict {
  const [good, bad] =
    better === 'lower'
      ? [interval.high < 1, interval.low > 1]
      : [interval.low > 1, interval.high < 1]
  return good ? 'ahead' : bad ? 'behind' : 'no difference measurable'
}

/** A small seeded generator of uniform [0, 1) numbers (Mulberry32): reproducible, not secure. */
export function mulberry32(seed: number): () => number {
  const generator = new Mulberry32(seed)
  return () => generator.next() / 2 ** 32
}

class Mulberry32 {
  constructor(private state: number) {}

  /** A uniform 32-bit unsigned integer. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0
    let t = Math.imul(this.state ^ (this.state >>> 15), this.state | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }

  /**
   * end - start uniform draws of a position from positions[start, end), each adding 1 to counts
   * there. next() inlined: this loop is the bootstrap's time (every sample of a side is drawn once
   * per resample), and the call halved its speed.
   */
  countDraws(counts: Uint32Array, positions: Uint32Array, start: number, end: number) {
    const n = end - start
    let state = this.state
    for (let i = 0; i < n; i++) {
      state = (state + 0x6d2b79f5) | 0
      let t = Math.imul(state ^ (state >>> 15), state | 1)
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
      counts[positions[start + Math.floor((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * n)]!]!++
    }
    this.state = state
  }
}

/**
 * One side, sorted once: all its samples in order, and each run as the positions of its samples in
 * that order, runs back to back (run r is positions[starts[r], starts[r + 1])), so drawing one of a
 * run's samples is drawing one of its positions. Equal values share a position: which of them was
 * drawn makes no difference to a percentile.
 */
interface Side {
  sorted: Float64Array
  positions: Uint32Array
  starts: Uint32Array
  /** How often each sorted value was drawn in the current resample. */
  counts: Uint32Array
}

function sideOf(runs: ArrayLike<number>[]): Side | undefined {
  const kept = runs.filter((run) => run.length > 0)
  if (kept.length === 0) return undefined
  const starts = new Uint32Array(kept.length + 1)
  kept.forEach((run, r) => (starts[r + 1] = starts[r]! + run.length))
  const samples = new Float64Array(starts[kept.length]!)
  kept.forEach((run, r) => samples.set(Float64Array.from(run), starts[r]))
  const sorted = samples.slice().sort()
  const positions = new Uint32Array(samples.length)
  for (let k = 0; k < samples.length; k++) positions[k] = firstAtLeast(sorted, samples[k]!)
  return { sorted, positions, starts, counts: new Uint32Array(samples.length) }
}

/**
 * One two-level resample of a side: as many runs as it has, drawn with replacement, and from each
 * drawn run as many of its samples as it has, drawn with replacement; the drawn samples pooled.
 * Kept as how often each sorted value was drawn: the resample's k-th smallest is the first value
 * whose running total of draws exceeds k. Writes each percentile of the resample into `drawn`.
 */
function resampledPercentiles(
  side: Side,
  percentiles: number[],
  ascending: number[],
  generator: Mulberry32,
  drawn: number[],
) {
  const { sorted, positions, starts, counts } = side
  const runs = starts.length - 1
  counts.fill(0)
  let size = 0
  for (let r = 0; r < runs; r++) {
    const run = Math.floor((generator.next() / 2 ** 32) * runs)
    generator.countDraws(counts, positions, starts[run]!, starts[run + 1]!)
    size += starts[run + 1]! - starts[run]!
  }
  // One pass up the counts for all the percentiles, lowest first (`ascending` lists them so).
  let total = 0
  let j = 0
  for (const i of ascending) {
    const rank = rankOf(percentiles[i]!, size)
    while (total + counts[j]! <= rank) total += counts[j++]!
    drawn[i] = sorted[j]!
  }
}

/** The index of the first value in `sorted` not below `value`. */
function firstAtLeast(sorted: Float64Array, value: number): number {
  let low = 0
  let high = sorted.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if (sorted[mid]! < value) low = mid + 1
    else high = mid
  }
  return low
}

const rankOf = (p: number, n: number) => Math.max(0, Math.ceil((p / 100) * n) - 1)
