// The import's report: per step, what was read, written, left unchanged, skipped (by reason),
// failed, which references dangle and what the operator should look at.
import type { Note } from './step'

/** Samples kept per list; counts stay exact. */
const MAX_SAMPLES = 1000

export interface StepReport {
  step: string
  /** The `_id` this run started after, when it resumed an interrupted run. */
  resumedAfter?: string
  /** Finished in the interrupted run this one resumed: not read again. */
  alreadyDone?: boolean
  read: number
  written: number
  unchanged: number
  skipped: Record<string, number>
  failed: { count: number; samples: { id: string; error: string }[] }
  /** Per referencing field: references to legacy documents that do not exist. */
  dangling: Record<string, { count: number; samples: { from: string; to: string }[] }>
  notes: Record<string, { count: number; samples: Record<string, unknown>[] }>
  /** Writes per target collection. */
  writesByCollection: Record<string, number>
  /** Wall time of the step in this run, in seconds. */
  seconds?: number
}

export interface ImportReport {
  dryRun: boolean
  startedAt: string
  finishedAt?: string
  /** The importing process's peak resident memory, in MiB (set by the CLI). */
  peakRssMiB?: number
  steps: StepReport[]
}

export function emptyStepReport(step: string): StepReport {
  return {
    step,
    read: 0,
    written: 0,
    unchanged: 0,
    skipped: {},
    failed: { count: 0, samples: [] },
    dangling: {},
    notes: {},
    writesByCollection: {},
  }
}

export function addNote(report: StepReport, note: Note) {
  const entry = (report.notes[note.kind] ??= { count: 0, samples: [] })
  entry.count++
  if (entry.samples.length < MAX_SAMPLES) entry.samples.push(note.detail)
}

export function addDangling(report: StepReport, field: string, from: string, to: string) {
  const entry = (report.dangling[field] ??= { count: 0, samples: [] })
  entry.count++
  if (entry.samples.length < MAX_SAMPLES) entry.samples.push({ from, to })
}

export function addFailure(report: StepReport, id: string, error: string) {
  report.failed.count++
  if (report.failed.samples.length < MAX_SAMPLES) report.failed.samples.push({ id, error })
}

/** The report as lines for a terminal. */
export function formatReport(report: ImportReport): string {
  const lines = [report.dryRun ? 'Legacy import (dry run: nothing written)' : 'Legacy import']
  for (const s of report.steps) {
    if (s.alreadyDone) {
      lines.push(`  ${s.step}: done in the interrupted run`)
      continue
    }
    const skipped = Object.entries(s.skipped).map(([why, n]) => `${n} ${why}`)
    const dangling = Object.entries(s.dangling).map(([f, d]) => `${d.count} in ${f}`)
    lines.push(
      `  ${s.step}: read ${s.read}, ${report.dryRun ? 'would write' : 'written'} ${s.written}, unchanged ${s.unchanged}` +
        (skipped.length ? `, skipped: ${skipped.join('; ')}` : '') +
        (s.failed.count ? `, FAILED ${s.failed.count}` : '') +
        (dangling.length ? `, dangling refs: ${dangling.join('; ')}` : '') +
        (s.resumedAfter ? ` (resumed after ${s.resumedAfter})` : '') +
        (s.seconds !== undefined ? `, ${s.seconds.toFixed(1)} s` : ''),
    )
    for (const [kind, n] of Object.entries(s.notes)) lines.push(`    ${kind}: ${n.count}`)
  }
  const written = report.steps.reduce((n, s) => n + s.written, 0)
  if (written === 0) lines.push('Nothing to write: the target already holds every document.')
  if (report.finishedAt) {
    const seconds = (Date.parse(report.finishedAt) - Date.parse(report.startedAt)) / 1000
    const read = report.steps.reduce((n, s) => n + s.read, 0)
    lines.push(
      `${read} documents read in ${seconds.toFixed(1)} s` +
        (report.peakRssMiB ? `, peak memory ${report.peakRssMiB} MiB` : ''),
    )
  }
  return lines.join('\n')
}
