// `npm run import:legacy -- --sanora <uri> --videodesk <uri> [--target <uri>] [--dry-run]
// [--only users,…] [--batch-size N] [--report file]`: imports the old systems' databases (see the
// README, "Moving from the old systems").
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { MongoClient } from 'mongodb'
import { ensureIndexes } from '../db/indexes'
import { runImport } from './engine'
import { legacySource } from './legacy-source'
import { consoleProgress } from './progress'
import { formatReport } from './report'
import { selectSteps } from './steps'

const { values } = parseArgs({
  options: {
    sanora: { type: 'string' },
    videodesk: { type: 'string' },
    target: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    only: { type: 'string' },
    'batch-size': { type: 'string', default: '500' },
    report: { type: 'string', default: 'test-artifacts/legacy-import-report.json' },
  },
})

function fail(message: string): never {
  console.error(message)
  process.exit(2)
}

if (!values.sanora || !values.videodesk)
  fail('Usage: npm run import:legacy -- --sanora <uri> --videodesk <uri> [--target <uri>] …')
const batchSize = Number(values['batch-size'])
if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000)
  fail('--batch-size must be an integer from 1 to 10000')
const steps = (() => {
  try {
    return selectSteps(
      values.only
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
  } catch (error) {
    return fail((error as Error).message)
  }
})()

/** The driver falls back to `test` when a URI names no database: never what was meant. */
function assertNamesDatabase(uri: string, databaseName: string, flag: string) {
  if (databaseName === 'test' && !/\/test(\?|$)/.test(uri))
    fail(`${flag} must name its database in the URI path (mongodb://host/<database>)`)
}

/** A legacy database, read-only: reads prefer a secondary, and nothing here writes through it. */
async function openLegacy(uri: string, flag: string) {
  const client = await new MongoClient(uri, { readPreference: 'secondaryPreferred' }).connect()
  const db = client.db()
  assertNamesDatabase(uri, db.databaseName, flag)
  return { client, db }
}

const sanora = await openLegacy(values.sanora, '--sanora')
const videodesk = await openLegacy(values.videodesk, '--videodesk')
const targetClient = await new MongoClient(
  values.target ?? process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/?directConnection=true',
).connect()
try {
  const targetDb = values.target
    ? targetClient.db()
    : targetClient.db(process.env.MONGODB_DB ?? 'sanora')
  if (values.target) assertNamesDatabase(values.target, targetDb.databaseName, '--target')
  // The unique indexes on proven identifiers must hold while accounts arrive.
  if (!values['dry-run']) await ensureIndexes(targetDb)
  const report = await runImport({
    source: legacySource({ sanora: sanora.db, videodesk: videodesk.db }),
    target: targetDb,
    steps,
    dryRun: values['dry-run'],
    batchSize,
    refreshTtlDays: Number(process.env.REFRESH_TOKEN_TTL_DAYS ?? 60),
    progress: consoleProgress(),
  })
  // maxRSS is in KiB: memory stays bounded by the batch size, not by the databases' size.
  report.peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024)
  console.log(formatReport(report))
  const file = resolve(values.report)
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, JSON.stringify(report, null, 2))
  console.log(`Report: ${file}`)
  if (report.steps.some((s) => s.failed.count > 0)) process.exitCode = 1
} finally {
  await Promise.all([sanora.client.close(), videodesk.client.close(), targetClient.close()])
}
