// `npm run bench:transcode`: the transcoder against the local stack and a Worker in workerd, on
// generated inputs. Prints, and writes to test-artifacts/bench-transcode.json: the same ffmpeg
// commands run directly (as one run with every output, and as the transcoder's passes) next to one
// job through the service (its overhead), the time from the job's start until its lowest rendition
// plays and until it completes, and jobs per minute at concurrency 1 and 2. Asserts nothing.
import { spawn, execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os, { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs, promisify } from 'node:util'
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { Redis } from '@upstash/redis'
import { MongoClient, ObjectId, type Db } from 'mongodb'
import { startStack } from '../../dev-services/stack'
import { JOB_STREAM } from '../../shared/jobs'
import {
  encodeArgs,
  mp4Args,
  planPasses,
  thumbnailArgs,
  type EncodePass,
} from '../../transcoder/ffmpeg-args'
import { planOutputs, type OutputPlan } from '../../transcoder/ladder'
import { probe, type SourceInfo } from '../../transcoder/probe'
import { ensureIndexes } from '../../worker/db/indexes'
import { testWorkerVars } from '../harness/global-setup'
import { startWorker } from '../harness/worker'

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const OUT = path.join(ROOT, 'test-artifacts/bench-transcode.json')
const LEASE_SECONDS = '30'

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    runs: { type: 'string', default: '2' },
    help: { type: 'boolean', default: false },
  },
})
if (args.help) {
  console.log('npm run bench:transcode -- [--runs 2] [--smoke]')
  process.exit(0)
}
const runs = Number(args.runs)
if (!Number.isInteger(runs) || runs < 1) {
  console.error('--runs: an integer ≥ 1')
  process.exit(2)
}
// Smoke: one tiny input, one run, one job per concurrency: proves the command works, in seconds.
const MAIN = args.smoke ? { size: '320x180', seconds: 1 } : { size: '1280x720', seconds: 10 }
const SHORT = args.smoke ? MAIN : { size: '640x360', seconds: 4 }
const SHORT_JOBS = args.smoke ? 1 : 6
const RUNS = args.smoke ? 1 : runs

const log = (line: string) =>
  console.error(`[transcode ${(performance.now() / 1000).toFixed(1).padStart(6)}s] ${line}`)

async function main() {
  const startedAt = new Date().toISOString()
  const work = await mkdtemp(path.join(tmpdir(), 'bench-transcode-'))
  const cleanups: (() => Promise<unknown>)[] = [() => rm(work, { recursive: true, force: true })]
  try {
    log('starting the stack and a Worker')
    const stack = await startStack({ profile: 'test', env: process.env })
    cleanups.push(() => stack.stop())
    const vars: Record<string, string> = {
      ...testWorkerVars(stack.env),
      TRANSCODER_LEASE_SECONDS: LEASE_SECONDS,
    }
    const mongo = await new MongoClient(vars.MONGODB_URI!).connect()
    cleanups.push(() => mongo.close())
    const db = mongo.db(vars.MONGODB_DB)
    await ensureIndexes(db)
    const worker = await startWorker({ vars })
    cleanups.push(() => worker.dispose())
    const s3 = new S3Client({
      endpoint: vars.S3_ENDPOINT,
      region: vars.S3_REGION ?? 'us-east-1',
      forcePathStyle: vars.S3_FORCE_PATH_STYLE === 'true',
      credentials: {
        accessKeyId: vars.S3_ACCESS_KEY_ID!,
        secretAccessKey: vars.S3_SECRET_ACCESS_KEY!,
      },
      requestChecksumCalculation: 'WHEN_REQUIRED',
    })
    cleanups.push(async () => s3.destroy())
    const redis = new Redis({
      url: vars.UPSTASH_REDIS_REST_URL!,
      token: vars.UPSTASH_REDIS_REST_TOKEN!,
      automaticDeserialization: false,
    })

    const main = await makeInput(work, 'main', MAIN.size, MAIN.seconds)
    const short = await makeInput(work, 'short', SHORT.size, SHORT.seconds)
    const mainKey = await putSource(s3, vars.S3_BUCKET!, main)
    const shortKey = await putSource(s3, vars.S3_BUCKET!, short)
    const source = await probe('ffprobe', main.file, AbortSignal.timeout(60_000))
    const plan = planOutputs(source)

    // The transcoder's ffmpeg commands on the same file without the service, in both designs:
    // one run writing every output (one decode), and the passes (lowest rendition first).
    const single: EncodePass[] = [{ renditions: plan.renditions, master: 'master.m3u8' }]
    const direct = { single: [] as number[], passes: [] as number[], firstPass: [] as number[] }
    for (let i = 0; i < RUNS; i++) {
      log(`ffmpeg directly, run ${i + 1}/${RUNS}`)
      direct.single.push((await runDirect(main.file, work, source, plan, single)).total)
      const passes = await runDirect(main.file, work, source, plan, planPasses(plan))
      direct.passes.push(passes.total)
      direct.firstPass.push(passes.first)
    }

    const service = { job: [] as number[], playable: [] as number[], completed: [] as number[] }
    const transcoder = await startTranscoder(vars, worker.url, work, 1)
    try {
      for (let i = 0; i < RUNS; i++) {
        log(`one job through the transcoder, run ${i + 1}/${RUNS}`)
        const began = performance.now()
        const [jobId] = await enqueue(db, redis, mainKey, 1)
        const [job] = await waitCompleted(db, [jobId!])
        service.job.push((performance.now() - began) / 1000)
        const since = (at: Date) => (at.getTime() - job!.startedAt.getTime()) / 1000
        service.playable.push(since(job!.playableAt))
        service.completed.push(since(job!.completedAt))
      }
    } finally {
      await transcoder.stop()
    }

    const jobsPerMinute: Record<string, number> = {}
    for (const concurrency of [1, 2]) {
      log(`${SHORT_JOBS} jobs at concurrency ${concurrency}`)
      const t = await startTranscoder(vars, worker.url, work, concurrency)
      try {
        const began = performance.now()
        await waitCompleted(db, await enqueue(db, redis, shortKey, SHORT_JOBS))
        jobsPerMinute[concurrency] = (SHORT_JOBS / ((performance.now() - began) / 1000)) * 60
      } finally {
        await t.stop()
      }
    }

    const best = (xs: number[]) => Math.min(...xs)
    const directPasses = best(direct.passes)
    const jobSeconds = best(service.job)
    const report = {
      startedAt,
      smoke: args.smoke,
      runs: RUNS,
      note: 'seconds; each figure the best of `runs` (least disturbed by other load)',
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        node: process.version,
        loadAverage: os.loadavg(),
      },
      input: {
        size: MAIN.size,
        seconds: MAIN.seconds,
        megabytes: main.bytes / 1e6,
        renditions: plan.renditions.map((r) => r.name),
      },
      direct: {
        singleRun: best(direct.single),
        passes: directPasses,
        lowestRenditionPass: best(direct.firstPass),
        passesCostPercent: ((directPasses - best(direct.single)) / best(direct.single)) * 100,
      },
      service: {
        job: jobSeconds,
        overhead: jobSeconds - directPasses,
        overheadPercent: ((jobSeconds - directPasses) / directPasses) * 100,
        startToPlayable: best(service.playable),
        startToCompleted: best(service.completed),
      },
      throughput: { input: SHORT, jobs: SHORT_JOBS, jobsPerMinute },
    }
    print(report)
    await mkdir(path.dirname(OUT), { recursive: true })
    await writeFile(OUT, JSON.stringify(report, null, 2) + '\n')
    log(`wrote ${path.relative(ROOT, OUT)}`)
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined)
  }
}

function print(r: {
  input: { size: string; seconds: number; megabytes: number; renditions: string[] }
  direct: {
    singleRun: number
    passes: number
    lowestRenditionPass: number
    passesCostPercent: number
  }
  service: Record<
    'job' | 'overhead' | 'overheadPercent' | 'startToPlayable' | 'startToCompleted',
    number
  >
  throughput: {
    input: { size: string; seconds: number }
    jobs: number
    jobsPerMinute: Record<string, number>
  }
  runs: number
}) {
  const f = (n: number) => n.toFixed(2)
  const { input, direct, service, throughput } = r
  console.log(
    [
      '',
      `input: ${input.size} ${input.seconds} s H.264/AAC (${f(input.megabytes)} MB), ladder ${input.renditions.join(' ')}; best of ${r.runs}`,
      `  ffmpeg directly, one run with every output       ${f(direct.singleRun)} s`,
      `  ffmpeg directly, lowest rendition first (passes) ${f(direct.passes)} s (${direct.passesCostPercent >= 0 ? '+' : ''}${f(direct.passesCostPercent)} %; lowest done after ${f(direct.lowestRenditionPass)} s)`,
      `  one job through the transcoder (queue → done)    ${f(service.job)} s`,
      `  overhead over the passes run directly            ${f(service.overhead)} s (${f(service.overheadPercent)} %)`,
      `  job start → lowest rendition playable            ${f(service.startToPlayable)} s`,
      `  job start → completed                            ${f(service.startToCompleted)} s`,
      `throughput, ${throughput.jobs} jobs of ${throughput.input.size} ${throughput.input.seconds} s:`,
      `  concurrency 1   ${f(throughput.jobsPerMinute[1]!)} jobs/min`,
      `  concurrency 2   ${f(throughput.jobsPerMinute[2]!)} jobs/min`,
      `machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, load ${os.loadavg().map(f).join(' ')}`,
      '',
    ].join('\n'),
  )
}

interface Input {
  file: string
  bytes: number
}

async function makeInput(dir: string, name: string, size: string, seconds: number) {
  const file = path.join(dir, `${name}.mp4`)
  await run('ffmpeg', [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=30`],
    ...['-f', 'lavfi', '-i', 'sine=frequency=440', '-t', String(seconds)],
    ...['-c:v', 'libx264', '-preset', 'fast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest'],
    file,
  ])
  return { file, bytes: (await readFile(file)).length }
}

async function putSource(s3: S3Client, bucket: string, input: Input) {
  const key = `bench/${new ObjectId().toHexString()}/original`
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: await readFile(input.file),
      ContentType: 'video/mp4',
    }),
  )
  return key
}

/** The passes then the thumbnail, as the transcoder runs them; seconds in all and to the first. */
async function runDirect(
  input: string,
  dir: string,
  source: SourceInfo,
  plan: OutputPlan,
  passes: EncodePass[],
) {
  const out = await mkdtemp(path.join(dir, 'direct-'))
  const began = performance.now()
  let first = 0
  for (const pass of passes) {
    await run('ffmpeg', encodeArgs(input, pass, source.hasAudio), { cwd: out })
    first ||= (performance.now() - began) / 1000
  }
  await run('ffmpeg', mp4Args(plan), { cwd: out })
  await run('ffmpeg', thumbnailArgs(input, plan, source.durationSeconds), { cwd: out })
  const total = (performance.now() - began) / 1000
  await rm(out, { recursive: true, force: true })
  return { total, first }
}

/** Queues `count` jobs the way the Worker does: the job document first, then its stream entry. */
async function enqueue(db: Db, redis: Redis, sourceKey: string, count: number) {
  const ids: string[] = []
  for (let i = 0; i < count; i++) {
    const now = new Date()
    const _id = new ObjectId()
    await db.collection('transcoding_jobs').insertOne({
      _id,
      mediaId: new ObjectId(),
      ownerId: new ObjectId(),
      sourceKey,
      outputPrefix: `bench/${_id.toHexString()}/transcoded/`,
      status: 'queued',
      attempts: 0,
      maxAttempts: 1,
      progress: 0,
      createdAt: now,
      updatedAt: now,
    })
    await redis.xadd(JOB_STREAM, '*', { jobId: _id.toHexString() })
    ids.push(_id.toHexString())
  }
  return ids
}

interface FinishedJob {
  startedAt: Date
  playableAt: Date
  completedAt: Date
}

async function waitCompleted(db: Db, ids: string[]): Promise<FinishedJob[]> {
  const filter = { _id: { $in: ids.map((id) => new ObjectId(id)) } }
  for (;;) {
    const docs = await db.collection('transcoding_jobs').find(filter).toArray()
    const failed = docs.find((d) => d.status === 'failed')
    if (failed) throw new Error(`job ${failed._id} failed: ${failed.error}`)
    if (docs.length === ids.length && docs.every((d) => d.status === 'completed'))
      return docs as unknown as FinishedJob[]
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function startTranscoder(
  vars: Record<string, string>,
  workerUrl: string,
  dir: string,
  concurrency: number,
) {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'transcoder/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      ...vars,
      WORKER_URL: workerUrl,
      LOG_LEVEL: 'info',
      TRANSCODER_CONCURRENCY: String(concurrency),
      TRANSCODER_CONSUMER: `bench-${concurrency}-${Date.now()}`,
      TRANSCODER_TMP_DIR: dir,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = new Promise((r) => proc.once('exit', r))
  // Timed from a running transcoder: its start-up is not part of any number.
  await new Promise<void>((resolve, reject) => {
    let out = ''
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      // Kept short: the stream is read (never left to fill up) for the whole run.
      out = (out + chunk).slice(-4096)
      if (out.includes('"transcoder started"')) resolve()
    })
    proc.once('exit', (code) => reject(new Error(`the transcoder exited (${code})`)))
  })
  return {
    async stop() {
      proc.kill('SIGTERM')
      await exited
    },
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
