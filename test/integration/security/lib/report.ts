// The security suite's report. Test files run in parallel, so each writes its own counts file under
// test-artifacts/security/; the integration global teardown (and `npm run security:report`)
// combines them into test-artifacts/security-report.json and security-report.md.
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ARTIFACTS = fileURLToPath(new URL('../../../../test-artifacts/', import.meta.url))
const PARTS = path.join(ARTIFACTS, 'security')

/** What one test file counted: tried cases by kind, and problems found (each must stay 0). */
export interface SecurityCounts {
  /** e.g. { routes: 142, badInputs: 3100 }. */
  tried: Record<string, number>
  unexpected5xx: number
  unexpectedAllows: number
  notEnvelope: number
  dataChanged: number
  /** Writes acknowledged before a fault (restart, crash) and missing after it. */
  lostAcknowledgedWrites: number
}

export function emptyCounts(): SecurityCounts {
  return {
    tried: {},
    unexpected5xx: 0,
    unexpectedAllows: 0,
    notEnvelope: 0,
    dataChanged: 0,
    lostAcknowledgedWrites: 0,
  }
}

/** Forgets the counts of an earlier run, so a report only ever describes one run. */
export function clearSecurityCounts() {
  rmSync(PARTS, { recursive: true, force: true })
}

export function writeCounts(file: string, counts: SecurityCounts) {
  mkdirSync(PARTS, { recursive: true })
  writeFileSync(path.join(PARTS, `${file}.json`), JSON.stringify(counts, null, 2))
}

const PROBLEMS = [
  'unexpected5xx',
  'unexpectedAllows',
  'notEnvelope',
  'dataChanged',
  'lostAcknowledgedWrites',
] as const

/** Combines every counts file into the JSON and markdown reports; answers the combined report. */
export function writeSecurityReport() {
  let files: string[]
  try {
    files = readdirSync(PARTS).filter((f) => f.endsWith('.json'))
  } catch {
    return undefined
  }
  if (files.length === 0) return undefined
  const bySuite: Record<string, SecurityCounts> = {}
  const total = emptyCounts()
  for (const f of files.sort()) {
    const counts = JSON.parse(readFileSync(path.join(PARTS, f), 'utf8')) as SecurityCounts
    bySuite[f.replace(/\.json$/, '')] = counts
    for (const [k, v] of Object.entries(counts.tried)) total.tried[k] = (total.tried[k] ?? 0) + v
    for (const p of PROBLEMS) total[p] += counts[p] ?? 0
  }
  const report = { generatedAt: new Date().toISOString(), total, suites: bySuite }
  writeFileSync(path.join(ARTIFACTS, 'security-report.json'), JSON.stringify(report, null, 2))
  const lines = [
    '# Security suite report',
    '',
    '| counted | total |',
    '| --- | ---: |',
    ...Object.entries(total.tried).map(([k, v]) => `| ${k} | ${v} |`),
    ...PROBLEMS.map((p) => `| **${p}** | **${total[p]}** |`),
    '',
    '| suite | tried | problems |',
    '| --- | --- | ---: |',
    ...Object.entries(bySuite).map(
      ([name, c]) =>
        `| ${name} | ${Object.entries(c.tried)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')} | ${PROBLEMS.reduce((n, p) => n + (c[p] ?? 0), 0)} |`,
    ),
    '',
  ]
  writeFileSync(path.join(ARTIFACTS, 'security-report.md'), lines.join('\n'))
  return report
}
