// `npm run bench`: runs every benchmark scenario in turn and writes BENCHMARKS.md with their
// numbers, the machine and the command for each. `--smoke` runs each with tiny sizes (CI keeps
// them from rotting) and writes test-artifacts/BENCHMARKS.smoke.md instead.
//   npm run bench [-- --only warm-path,bundle] [--smoke]
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { SCENARIOS, type Scenario } from './report/scenarios'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const CHANGES = readFileSync(path.join(ROOT, 'test/bench/report/changes.md'), 'utf8')
const ARTIFACTS = path.join(ROOT, 'test-artifacts')
const { values: args } = parseArgs({
  options: { smoke: { type: 'boolean', default: false }, only: { type: 'string' } },
})
const only = args.only?.split(',').map((s) => s.trim())
const unknown = only?.filter((id) => !SCENARIOS.some((s) => s.id === id))
if (unknown?.length) {
  console.error(`unknown scenario(s): ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.id)}`)
  process.exit(2)
}

interface Outcome {
  scenario: Scenario
  command: string
  exitCode: number
  seconds: number
  data?: unknown
}

async function run(scenario: Scenario): Promise<Outcome> {
  // An earlier run's results must never stand in for this one's (a failed run is rendered too).
  await rm(path.join(ARTIFACTS, scenario.json), { force: true })
  const extra = args.smoke ? scenario.smokeArgs : scenario.args
  const command = `npm run ${scenario.script}${extra.length ? ` -- ${extra.join(' ')}` : ''}`
  console.error(`\n=== ${scenario.title}: ${command}`)
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', scenario.script, '--', ...extra], {
      cwd: ROOT,
      stdio: 'inherit',
    })
    child.on('exit', (code, signal) => {
      const outcome: Outcome = {
        scenario,
        command,
        exitCode: code ?? (signal ? 1 : 0),
        seconds: (performance.now() - started) / 1000,
      }
      // A failed run's results are kept too when it wrote them (a join storm past what this
      // machine admits is a measurement); one that passed and left none fails the run.
      readFile(path.join(ARTIFACTS, scenario.json), 'utf8')
        .then((text) => resolve({ ...outcome, data: JSON.parse(text) }))
        .catch((error: unknown) => (outcome.exitCode !== 0 ? resolve(outcome) : reject(error)))
    })
  })
}

function report(outcomes: Outcome[], startedAt: Date, kept: Map<string, string>): string {
  const cpus = os.cpus()
  const flags = [...(args.smoke ? ['--smoke'] : []), ...(only ? [`--only ${only.join(',')}`] : [])]
  const keptAny = SCENARIOS.some(
    (s) => !outcomes.some((o) => o.scenario === s) && kept.has(s.title),
  )
  const parts = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench${flags.length ? ` -- ${flags.join(' ')}` : ''}\` on ` +
      `${startedAt.toISOString()}${keptAny ? ', with the sections it did not run kept from an earlier run' : ''}. ` +
      'Every figure below comes from the command shown next to it; each can be run alone.',
    '',
    `Machine: ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ` +
      `${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}.`,
  ]
  let number = 0
  for (const scenario of SCENARIOS) {
    const o = outcomes.find((x) => x.scenario === scenario)
    const earlier = kept.get(scenario.title)
    if (!o && earlier === undefined) continue
    parts.push('', `## ${++number}. ${scenario.title}`, '')
    if (!o) {
      parts.push(earlier!)
      continue
    }
    parts.push(`\`${o.command}\` — ${o.seconds.toFixed(0)} s`, '')
    if (o.exitCode !== 0) parts.push(`**Failed** (exit code ${o.exitCode}).`)
    if (o.data !== undefined)
      parts.push(...(o.exitCode !== 0 ? [''] : []), o.scenario.render(o.data))
  }
  // Hand-kept: which change moved which figure (numbers from earlier runs cannot be regenerated).
  if (!args.smoke) parts.push('', CHANGES.trim())
  return parts.join('\n') + '\n'
}

/**
 * The sections of the BENCHMARKS.md on disk, by title: what `--only` keeps, as written, for the
 * scenarios it does not run and has no saved outcome of (a fresh checkout has no test-artifacts/).
 */
async function writtenSections(): Promise<Map<string, string>> {
  const text = await readFile(path.join(ROOT, 'BENCHMARKS.md'), 'utf8').catch(() => '')
  const sections = new Map<string, string>()
  for (const part of text.split(/^## /m).slice(1)) {
    const numbered = /^\d+\. (.*)\n([\s\S]*)$/.exec(part)
    if (numbered) sections.set(numbered[1]!, numbered[2]!.trim())
  }
  return sections
}

/** Outcomes of earlier runs, so `--only` re-runs a scenario and keeps the others' numbers. */
const RUNS = (smoke: boolean) =>
  path.join(ARTIFACTS, smoke ? 'bench-runs.smoke.json' : 'bench-runs.json')
type Saved = Omit<Outcome, 'scenario'> & { id: string }

async function earlierOutcomes(): Promise<Map<string, Outcome>> {
  const saved: Saved[] = await readFile(RUNS(args.smoke!), 'utf8')
    .then((text) => JSON.parse(text) as Saved[])
    .catch(() => [])
  return new Map(
    saved.flatMap((o) => {
      const scenario = SCENARIOS.find((s) => s.id === o.id)
      return scenario ? [[o.id, { ...o, scenario }] as const] : []
    }),
  )
}

async function main() {
  const startedAt = new Date()
  await mkdir(ARTIFACTS, { recursive: true })
  const byId = only ? await earlierOutcomes() : new Map<string, Outcome>()
  for (const scenario of SCENARIOS.filter((s) => !only || only.includes(s.id))) {
    // A stale file from an earlier run must never be reported as this run's numbers.
    await rm(path.join(ARTIFACTS, scenario.json), { force: true })
    byId.set(scenario.id, await run(scenario))
  }
  const outcomes = SCENARIOS.flatMap((s) => byId.get(s.id) ?? [])
  await writeFile(
    RUNS(args.smoke!),
    JSON.stringify(outcomes.map(({ scenario, ...rest }) => ({ ...rest, id: scenario.id }))),
  )
  const out = args.smoke
    ? path.join(ARTIFACTS, 'BENCHMARKS.smoke.md')
    : path.join(ROOT, 'BENCHMARKS.md')
  const kept = only && !args.smoke ? await writtenSections() : new Map<string, string>()
  await writeFile(out, report(outcomes, startedAt, kept))
  console.error(`\nwrote ${path.relative(ROOT, out)}`)
  const failed = outcomes.filter((o) => o.exitCode !== 0)
  if (failed.length) console.error(`failed: ${failed.map((o) => o.scenario.id).join(', ')}`)
  return failed.length ? 1 : 0
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
