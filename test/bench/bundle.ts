// `npm run bench:bundle`: the Worker's size and startup. Builds the deploy bundle with
// `wrangler deploy --dry-run`, prints its raw and gzip size and the packages that weigh most, then
// starts it in fresh Miniflare instances: first request (module evaluation + the request) against
// a warm request, so startup = first − warm.
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { parseArgs, promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import { Log, LogLevel, Miniflare } from 'miniflare'
import { summarize } from './load'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const OUT = path.join(ROOT, 'test-artifacts/bench-bundle.json')
const { values: args } = parseArgs({ options: { starts: { type: 'string', default: '5' } } })
const starts = Number(args.starts)

interface Metafile {
  outputs: Record<string, { bytes: number; inputs: Record<string, { bytesInOutput: number }> }>
}

/** Bytes in the bundle per npm package (or `(project)` for our own code). */
function weighByPackage(meta: Metafile): { name: string; kib: number }[] {
  const totals = new Map<string, number>()
  for (const output of Object.values(meta.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)
      const name = match ? match[1]! : '(project)'
      totals.set(name, (totals.get(name) ?? 0) + bytesInOutput)
    }
  }
  return [...totals]
    .map(([name, bytes]) => ({ name, kib: Math.round(bytes / 102.4) / 10 }))
    .sort((a, b) => b.kib - a.kib)
}

async function timeStartup(outdir: string) {
  const mf = new Miniflare({
    modules: true,
    scriptPath: path.join(outdir, 'index.js'),
    modulesRoot: outdir,
    compatibilityDate: '2026-04-20',
    compatibilityFlags: ['nodejs_compat'],
    // `/` touches no service: these only have to pass configuration checks.
    bindings: {
      JWT_SECRET: 'x'.repeat(32),
      MONGODB_URI: 'mongodb://127.0.0.1:9',
      UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9',
      UPSTASH_REDIS_REST_TOKEN: 'unused',
      S3_BUCKET: 'unused',
      S3_ACCESS_KEY_ID: 'unused',
      S3_SECRET_ACCESS_KEY: 'unused',
      SMTP_HOST: '127.0.0.1',
      LOG_LEVEL: 'error',
    },
    log: new Log(LogLevel.ERROR),
    cf: false,
  })
  const spawnedAt = performance.now()
  try {
    const url = await mf.ready
    const readyMs = performance.now() - spawnedAt
    const get = async () => {
      const started = performance.now()
      const res = await fetch(url)
      await res.arrayBuffer()
      if (res.status !== 200) throw new Error(`GET / answered ${res.status}`)
      return performance.now() - started
    }
    const first = await get()
    const warm: number[] = []
    for (let i = 0; i < 20; i++) warm.push(await get())
    return { readyMs, firstMs: first, warmMs: summarize(warm).p50 }
  } finally {
    await mf.dispose()
  }
}

async function main() {
  const outdir = await mkdtemp(path.join(os.tmpdir(), 'bench-bundle-'))
  try {
    const started = performance.now()
    await promisify(execFile)(
      process.execPath,
      [
        path.join(ROOT, 'node_modules/wrangler/bin/wrangler.js'),
        'deploy',
        '--dry-run',
        '--outdir',
        outdir,
        '--metafile',
        path.join(outdir, 'meta.json'),
      ],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          CLOUDFLARE_CF_FETCH_ENABLED: 'false',
          WRANGLER_SEND_METRICS: 'false',
          WRANGLER_HIDE_BANNER: 'true',
        },
        maxBuffer: 16 * 1024 * 1024,
      },
    )
    const buildMs = performance.now() - started
    const code = await readFile(path.join(outdir, 'index.js'))
    const meta = JSON.parse(await readFile(path.join(outdir, 'meta.json'), 'utf8')) as Metafile
    const packages = weighByPackage(meta)
    const samples = []
    for (let i = 0; i < starts; i++) samples.push(await timeStartup(outdir))
    const startup = summarize(samples.map((s) => s.firstMs - s.warmMs))
    const report = {
      rawKiB: Math.round(code.length / 1024),
      gzipKiB: Math.round(gzipSync(code).length / 1024),
      buildMs: Math.round(buildMs),
      startupMs: { p50: startup.p50, max: startup.max, starts },
      readyMs: summarize(samples.map((s) => s.readyMs)).p50,
      firstRequestMs: summarize(samples.map((s) => s.firstMs)).p50,
      warmRequestMs: summarize(samples.map((s) => s.warmMs)).p50,
      heaviestPackages: packages.slice(0, 10),
      heavySdksPresent: packages
        .map((p) => p.name)
        .filter((n) => /^(twilio|firebase-admin|googleapis|aws-sdk)$/.test(n)),
    }
    console.log(
      `\nWorker bundle (wrangler deploy --dry-run): ${report.rawKiB} KiB raw, ${report.gzipKiB} KiB gzip`,
    )
    console.log(
      `startup (first request − warm request, ${starts} fresh instances): p50 ${report.startupMs.p50.toFixed(1)} ms, max ${report.startupMs.max.toFixed(1)} ms`,
    )
    console.log(
      `Miniflare start → ready (workerd spawn, bundle compile + top-level evaluation) p50 ${report.readyMs.toFixed(0)} ms`,
    )
    console.log(
      `first request p50 ${report.firstRequestMs.toFixed(1)} ms, warm request p50 ${report.warmRequestMs.toFixed(1)} ms`,
    )
    console.log('heaviest packages (KiB in the bundle):')
    for (const p of report.heaviestPackages)
      console.log(`  ${p.kib.toFixed(1).padStart(8)}  ${p.name}`)
    console.log(`heavy SDKs in the bundle: ${report.heavySdksPresent.join(', ') || 'none'}`)
    await mkdir(path.dirname(OUT), { recursive: true })
    await writeFile(OUT, JSON.stringify(report, null, 2) + '\n')
  } finally {
    await rm(outdir, { recursive: true, force: true })
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
