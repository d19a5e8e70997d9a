// Legacy import benchmark: builds legacy Sanora and Videodesk databases of a given number of
// documents (test/harness/legacy-fixtures.ts), then runs the importer's CLI on them as its own
// process, as an operator would, and reports documents per second and the importer's peak memory;
// then a second run (nothing to write). Two sizes, a quarter and the whole, show whether memory
// follows the batch size or the data. Uses MONGODB_URI when set, else the dev MongoDB server.
//   npm run bench:legacy-import                     100,000 legacy documents
//   npm run bench:legacy-import -- --docs 20000
//   npm run bench:legacy-import -- --smoke          6,000
import { spawn } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { MongoClient, type Db } from 'mongodb'
import { startMongoDevServer, type MongoDevServer } from '../../dev-services/mongo/index'
import type { ImportReport } from '../../worker/legacy-import/report'
import { buildLegacyFixtures } from '../harness/legacy-fixtures'

const ROOT = path.join(import.meta.dirname, '../..')
const OUT = path.join(ROOT, 'test-artifacts/bench-legacy-import.json')
const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    docs: { type: 'string' },
    'batch-size': { type: 'string', default: '500' },
    help: { type: 'boolean', default: false },
  },
})
if (args.help) {
  console.log('npm run bench:legacy-import [-- --smoke] [--docs 100000] [--batch-size 500]')
  process.exit(0)
}
const DOCS = Number(args.docs ?? (args.smoke ? 6_000 : 100_000))
const BATCH = Number(args['batch-size'])
if (!Number.isInteger(DOCS) || DOCS < 1 || !Number.isInteger(BATCH) || BATCH < 1) {
  console.error('--docs and --batch-size must be positive integers')
  process.exit(2)
}
const CALIBRATION_SCALE = 200
const log = (line: string) => console.log(line)

async function countDocs(...dbs: Db[]) {
  let n = 0
  for (const db of dbs)
    for (const { name } of await db.listCollections().toArray())
      n += await db.collection(name).countDocuments()
  return n
}

/** Runs the importer's CLI on its own process; answers its report and wall time. */
function runCli(uri: string, dbs: { sanora: string; videodesk: string; target: string }) {
  const report = path.join(ROOT, `test-artifacts/bench-legacy-import-${dbs.target}.json`)
  const withDb = (name: string) => {
    const u = new URL(uri)
    u.pathname = `/${name}`
    return u.toString()
  }
  const argv = [
    '--import',
    'tsx',
    'worker/legacy-import/cli.ts',
    '--sanora',
    withDb(dbs.sanora),
    '--videodesk',
    withDb(dbs.videodesk),
    '--target',
    withDb(dbs.target),
    '--batch-size',
    String(BATCH),
    '--report',
    report,
  ]
  const started = performance.now()
  return new Promise<{ report: ImportReport; seconds: number }>((resolve, reject) => {
    const child = spawn(process.execPath, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.on('exit', (code) => {
      const seconds = (performance.now() - started) / 1000
      if (code !== 0) return reject(new Error(`importer exited ${code}:\n${out.slice(-2000)}`))
      readFile(report, 'utf8')
        .then((text) => resolve({ report: JSON.parse(text) as ImportReport, seconds }))
        .catch(reject)
    })
  })
}

async function measure(
  client: MongoClient,
  uri: string,
  docs: number,
  perUser: number,
  rerun: boolean,
) {
  const tag = `b${docs}`
  const names = {
    sanora: `bench_legacy_sanora_${tag}`,
    videodesk: `bench_legacy_videodesk_${tag}`,
    target: `bench_legacy_target_${tag}`,
  }
  const [sanora, videodesk, target] = [names.sanora, names.videodesk, names.target].map((n) =>
    client.db(n),
  ) as [Db, Db, Db]
  await Promise.all([sanora.dropDatabase(), videodesk.dropDatabase(), target.dropDatabase()])
  // The fixtures need 200 users for every case they build (hosts, universities, pairs, …).
  const scale = Math.max(CALIBRATION_SCALE, Math.round(docs / perUser))
  const t0 = performance.now()
  await buildLegacyFixtures(sanora, videodesk, { scale, tag })
  const buildSeconds = (performance.now() - t0) / 1000
  const legacyDocs = await countDocs(sanora, videodesk)
  log(`  ${legacyDocs} legacy documents (scale ${scale}) built in ${buildSeconds.toFixed(1)} s`)
  const first = await runCli(uri, names)
  const reads = first.report.steps.reduce((n, s) => n + s.read, 0)
  const written = first.report.steps.reduce((n, s) => n + s.written, 0)
  const failed = first.report.steps.reduce((n, s) => n + s.failed.count, 0)
  const slowest = [...first.report.steps].sort((a, b) => (b.seconds ?? 0) - (a.seconds ?? 0))
  log(
    `  slowest steps: ${slowest
      .slice(0, 3)
      .map((s) => `${s.step} ${s.seconds?.toFixed(1)} s (${s.read} read)`)
      .join(', ')}`,
  )
  log(
    `  first run: ${first.seconds.toFixed(1)} s, ${(legacyDocs / first.seconds).toFixed(0)} legacy docs/s, ` +
      `peak memory ${first.report.peakRssMiB} MiB, ${written} written, ${failed} failed`,
  )
  // On the dev server a second run takes about as long as the first (every batch is compared with
  // what is stored): it is measured on the smaller size only, to keep the run under half an hour.
  const again = rerun ? await runCli(uri, names) : undefined
  const rewritten = again?.report.steps.reduce((n, s) => n + s.written, 0) ?? 0
  if (again)
    log(
      `  second run: ${again.seconds.toFixed(1)} s, ${rewritten} written, ` +
        `peak memory ${again.report.peakRssMiB} MiB`,
    )
  if (rewritten !== 0) throw new Error(`a second run wrote ${rewritten} documents`)
  const targetDocs = await countDocs(target)
  await Promise.all([sanora.dropDatabase(), videodesk.dropDatabase(), target.dropDatabase()])
  return {
    legacyDocs,
    scale,
    buildSeconds,
    importSeconds: first.seconds,
    docsPerSecond: legacyDocs / first.seconds,
    stepReads: reads,
    written,
    failed,
    targetDocs,
    peakRssMiB: first.report.peakRssMiB,
    rerunSeconds: again?.seconds,
    rerunDocsPerSecond: again && legacyDocs / again.seconds,
    rerunPeakRssMiB: again?.report.peakRssMiB,
    slowestSteps: first.report.steps
      .map((s) => ({ step: s.step, read: s.read, seconds: s.seconds ?? 0 }))
      .sort((a, b) => b.seconds - a.seconds)
      .slice(0, 3),
  }
}

async function main() {
  let server: MongoDevServer | undefined
  const uri =
    process.env.MONGODB_URI ??
    (server = await startMongoDevServer({ host: '127.0.0.1', port: 0 })).uri
  const client = await new MongoClient(uri).connect()
  try {
    log(`machine: ${os.cpus()[0]?.model ?? 'unknown cpu'}, ${os.cpus().length} cores`)
    log(`MongoDB: ${process.env.MONGODB_URI ? 'MONGODB_URI' : 'the dev server (in this process)'}`)
    // Documents per Sanora user in the fixtures: measured, so `--docs` means documents.
    const calSanora = client.db('bench_legacy_cal_sanora')
    const calVideodesk = client.db('bench_legacy_cal_videodesk')
    await buildLegacyFixtures(calSanora, calVideodesk, { scale: CALIBRATION_SCALE, tag: 'cal' })
    const perUser = (await countDocs(calSanora, calVideodesk)) / CALIBRATION_SCALE
    log(`fixtures: ${perUser.toFixed(1)} legacy documents per Sanora user`)
    await Promise.all([calSanora.dropDatabase(), calVideodesk.dropDatabase()])
    const rows = []
    // The smoke run (CI) measures one size, with its second run.
    const sizes = args.smoke ? [DOCS] : [Math.round(DOCS / 4), DOCS]
    for (const docs of sizes) {
      log(`\n${docs} legacy documents, batch ${BATCH}:`)
      rows.push(await measure(client, uri, docs, perUser, args.smoke || docs !== DOCS))
    }
    await mkdir(path.dirname(OUT), { recursive: true })
    await writeFile(
      OUT,
      JSON.stringify(
        {
          smoke: args.smoke,
          batchSize: BATCH,
          mongo: process.env.MONGODB_URI ? 'MONGODB_URI' : 'dev server',
          rows,
        },
        null,
        2,
      ),
    )
    log(`\nwrote ${path.relative(ROOT, OUT)}`)
  } finally {
    await client.close()
    await server?.close()
  }
}

await main()
