// `npm run bench:transcode`: measures the transcoder against the local stack and a Worker in
// workerd: one job's wall time next to the same ffmpeg commands run directly (the service's
// overhead), and jobs per minute at concurrency 1 and 2. Prints numbers; asserts nothing.
import { spawn, execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { Redis } from '@upstash/redis'
import { MongoClient, ObjectId, type Db } from 'mongodb'
import { startStack } from '../../dev-services/stack'
import { JOB_STREAM } from '../../shared/jobs'
import { thumbnailArgs, transcodeArgs } from '../../transcoder/ffmpeg-args'
import { planOutputs } from '../../transcoder/ladder'
import { probe } from '../../transcoder/probe'
import { testWorkerVars } from '../harness/global-setup'
import { startWorker } from '../harness/worker'
import { ensureIndexes } from '../../worker/db/indexes'

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const SHORT_JOBS = 6
const LEASE_SECONDS = '30'

async function main() {
  const work = await mkdtemp(path.join(tmpdir(), 'bench-transcode-'))
  console.log('starting the stack and a Worker…')
  const stack = await startStack({ profile: 'test', env: process.env })
  const vars: Record<string, string> = {
    ...testWorkerVars(stack.env),
    TRANSCODER_LEASE_SECONDS: LEASE_SECONDS,
  }
  const mongo = await new MongoClient(vars.MONGODB_URI!).connect()
  const db = mongo.db(vars.MONGODB_DB)
  await ensureIndexes(db)
  const worker = await startWorker({ vars })
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
  const redis = new Redis({
    url: vars.UPSTASH_REDIS_REST_URL!,
    token: vars.UPSTASH_REDIS_REST_TOKEN!,
    automaticDeserialization: false,
  })

  try {
    const main = await makeInput(work, 'main', '1280x720', 10)
    const short = await makeInput(work, 'short', '640x360', 4)
    const mainKey = await putSource(s3, vars.S3_BUCKET!, main)
    const shortKey = await putSource(s3, vars.S3_BUCKET!, short)

    // The same two ffmpeg runs the transcoder makes, on the same file, without the service.
    const direct = await timed(() => runDirect(main, work))
    const transcoder = await startTranscoder(vars, worker.url, work, 1)
    let service: number
    try {
      service = await timed(async () => {
        const [jobId] = await enqueue(db, redis, mainKey, 1)
        await waitCompleted(db, [jobId!])
      })
    } finally {
      await transcoder.stop()
    }

    const throughput: Record<number, number> = {}
    for (const concurrency of [1, 2]) {
      const t = await startTranscoder(vars, worker.url, work, concurrency)
      try {
        const seconds = await timed(async () =>
          waitCompleted(db, await enqueue(db, redis, shortKey, SHORT_JOBS)),
        )
        throughput[concurrency] = (SHORT_JOBS / seconds) * 60
      } finally {
        await t.stop()
      }
    }

    const f = (n: number) => n.toFixed(2)
    console.log(
      [
        '',
        `input: 1280x720 10 s (H.264/AAC, ${(main.bytes / 1e6).toFixed(1)} MB); lease ${LEASE_SECONDS} s, poll 500 ms`,
        `  ffmpeg directly (ladder + MP4, thumbnail)   ${f(direct)} s`,
        `  through the transcoder (queue → completed)  ${f(service)} s`,
        `  overhead                                    ${f(service - direct)} s (${f(((service - direct) / direct) * 100)} %)`,
        `throughput, ${SHORT_JOBS} jobs of 640x360 4 s:`,
        `  concurrency 1   ${f(throughput[1]!)} jobs/min`,
        `  concurrency 2   ${f(throughput[2]!)} jobs/min`,
        '',
      ].join('\n'),
    )
  } finally {
    s3.destroy()
    await mongo.close()
    await worker.dispose()
    await stack.stop()
    await rm(work, { recursive: true, force: true })
  }
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

async function runDirect(input: Input, dir: string) {
  const out = await mkdtemp(path.join(dir, 'direct-'))
  const source = await probe('ffprobe', input.file, AbortSignal.timeout(60_000))
  const plan = planOutputs(source)
  await run('ffmpeg', transcodeArgs(input.file, plan, source.hasAudio), { cwd: out })
  await run('ffmpeg', thumbnailArgs(input.file, plan, source.durationSeconds), { cwd: out })
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

async function waitCompleted(db: Db, ids: string[]) {
  const filter = { _id: { $in: ids.map((id) => new ObjectId(id)) } }
  for (;;) {
    const docs = await db.collection('transcoding_jobs').find(filter).toArray()
    const failed = docs.find((d) => d.status === 'failed')
    if (failed) throw new Error(`job ${failed._id} failed: ${failed.error}`)
    if (docs.every((d) => d.status === 'completed')) return
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

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now()
  await fn()
  return (performance.now() - start) / 1000
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
