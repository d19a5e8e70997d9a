// `npm run dev` end to end, as a newcomer meets it on a machine where another checkout already
// runs it: two launchers side by side (each with its own data folder, the second wanting the port
// the first took). Each serves a healthy API; the second says which ports it could not have and
// which it took; their Redis state never crosses (rate limits, OTP cooldowns, the transcoding
// stream: each one's uploads are transcoded by its own transcoder); each fires its own cron, which
// brings a stuck job back without a manual call; Ctrl-C stops everything. Bad configuration stops
// start-up.
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { MongoClient, ObjectId } from 'mongodb'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { findFreePort } from '../dev-services/ports'
import { DEV_PORTS } from '../dev-services/stack-services'

/** The port of each stand-in a launcher listed (`mongo    mongodb://127.0.0.1:27017/…`). */
function servicePorts(output: string): Record<string, number> {
  const ports: Record<string, number> = {}
  for (const [, name, port] of output.matchAll(
    /^(mongo|redis|upstash|s3|capture|smtp) +\w+:\/\/[^:\s]+:(\d+)/gm,
  ))
    ports[name!] ??= Number(port)
  return ports
}

const run = promisify(execFile)
const dirs: string[] = []
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })))
})

interface Launched {
  child: ChildProcessWithoutNullStreams
  exited: Promise<number | null>
  output(): string
  dataDir: string
}

async function launch(env: Record<string, string>): Promise<Launched> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'sanora-dev-'))
  dirs.push(dataDir)
  const child = spawn(process.execPath, ['--import', 'tsx', 'dev-services/dev.ts'], {
    env: { ...process.env, DEV_DATA_DIR: dataDir, ...env },
  })
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  return { child, exited, output: () => output, dataDir }
}

async function waitFor(check: () => boolean, launched: Launched, timeoutMs: number) {
  // Stops waiting at once when the launcher exits: answers whether it did, before `check` held.
  const exitedEarly = await vi.waitFor(
    () => {
      if (check()) return false
      if (launched.child.exitCode !== null) return true
      throw new Error(`timed out:\n${launched.output()}`)
    },
    { timeout: timeoutMs, interval: 200 },
  )
  if (exitedEarly) throw new Error(`the launcher exited early:\n${launched.output()}`)
}

/** What a running launcher handed its Worker (.data/dev.vars) and the API it printed. */
async function stackOf(launched: Launched) {
  const vars = Object.fromEntries(
    (await readFile(path.join(launched.dataDir, 'dev.vars'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const at = line.indexOf('=')
        return [line.slice(0, at), JSON.parse(line.slice(at + 1)) as string]
      }),
  )
  const api = /^\s+API\s+(http:\/\/\S+)$/m.exec(launched.output())![1]!
  return { vars, api }
}

type Stack = Awaited<ReturnType<typeof stackOf>>

const call = (stack: Stack, route: string, init: RequestInit & { json?: unknown } = {}) =>
  fetch(`${stack.api}${route}`, {
    ...init,
    headers: {
      ...(init.json === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.headers as Record<string, string>),
    },
    body: init.json === undefined ? init.body : JSON.stringify(init.json),
  })

async function json(res: Response) {
  return { status: res.status, body: (await res.json()) as any }
}

/** Signs a user up on `stack`, reading the code from that stack's own captured mail. */
async function signUp(stack: Stack, email: string) {
  const ip = { 'cf-connecting-ip': `10.9.${Math.floor(Math.random() * 250)}.1` }
  expect(
    (
      await call(stack, '/api/auth/send-otp-signup', {
        method: 'POST',
        json: { email },
        headers: ip,
      })
    ).status,
  ).toBe(200)
  const mail = await json(await call(stack, `/__dev/mail?to=${encodeURIComponent(email)}`))
  const otp = /\b(\d{6})\b/.exec(mail.body[0].text)![1]
  expect(
    (
      await call(stack, '/api/auth/verify-otp-signup', {
        method: 'POST',
        json: { email, otp },
        headers: ip,
      })
    ).status,
  ).toBe(200)
  const res = await json(
    await call(stack, '/api/auth/signup', {
      method: 'POST',
      json: { email, password: 'correct horse battery', name: 'Dev' },
      headers: ip,
    }),
  )
  expect(res.status).toBe(201)
  return res.body.accessToken as string
}

async function uploadVideo(stack: Stack, token: string, bytes: Buffer) {
  const auth = { authorization: `Bearer ${token}` }
  const started = await json(
    await call(stack, '/api/media/upload', {
      method: 'POST',
      headers: auth,
      json: { purpose: 'post', contentType: 'video/mp4', size: bytes.length, fileName: 'a.mp4' },
    }),
  )
  expect(started.status).toBe(201)
  const put = await fetch(started.body.upload.url, {
    method: 'PUT',
    headers: started.body.upload.headers,
    body: new Uint8Array(bytes),
  })
  expect(put.status).toBe(200)
  const done = await json(
    await call(stack, `/api/media/${started.body.media.id}/complete`, {
      method: 'POST',
      headers: auth,
      json: {},
    }),
  )
  expect(done.status).toBe(200)
  return done.body.media.jobId as string
}

const jobStatus = async (stack: Stack, token: string, jobId: string) =>
  (
    await json(
      await call(stack, `/api/video-transcoding/job/${jobId}`, {
        headers: { authorization: `Bearer ${token}` },
      }),
    )
  ).body.job.status as string

describe('npm run dev, beside another checkout', () => {
  let first: Launched
  let second: Launched
  let a: Stack
  let b: Stack
  let video: Buffer

  beforeAll(async () => {
    const work = await mkdtemp(path.join(tmpdir(), 'sanora-dev-video-'))
    dirs.push(work)
    const file = path.join(work, 'clip.mp4')
    await run('ffmpeg', [
      ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=10'],
      ...['-t', '1', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', file],
    ])
    video = await readFile(file)
    const port = await findFreePort()
    // A short cron interval stands in for the minute (the launcher's own knob for this).
    const env = { PORT: String(port), DEV_CRON_INTERVAL_SECONDS: '2' }
    first = await launch(env)
    await waitFor(() => first.output().includes('Captured SMS'), first, 120_000)
    second = await launch(env)
    await waitFor(() => second.output().includes('Captured SMS'), second, 120_000)
    ;[a, b] = await Promise.all([stackOf(first), stackOf(second)])
  }, 300_000)

  afterAll(async () => {
    for (const launched of [first, second]) launched?.child.kill('SIGINT')
    await Promise.all([first?.exited, second?.exited])
  })

  it('serves two healthy APIs; the second says which ports were taken and which it took', async () => {
    for (const stack of [a, b]) {
      const health = await json(await call(stack, '/api/health'))
      expect(health.status).toBe(200)
      expect(health.body.services).toMatchObject({
        mongodb: { status: 'up' },
        redis: { status: 'up' },
        s3: { status: 'up' },
      })
    }
    const wanted = new URL(a.api).port
    expect(b.api).not.toBe(a.api)
    const out = second.output()
    expect(out).toContain(`API: port ${wanted} is taken`)
    expect(out).toContain(`export API=${b.api}`)
    // Every stand-in of the second has a port of its own, and each one that could not have its
    // usual port says so (which ones are taken depends on what else this machine runs).
    const portsA = servicePorts(first.output())
    const portsB = servicePorts(out)
    for (const [name, usual] of Object.entries(DEV_PORTS)) {
      expect(portsB[name], name).toBeDefined()
      expect(portsB[name], name).not.toBe(portsA[name])
      if (portsB[name] !== usual)
        expect(out).toContain(
          `${name}: port ${usual} is taken (another checkout?); using ${portsB[name]}`,
        )
    }
    // The URLs come last, after the notices.
    expect(out.lastIndexOf('Ports that were taken')).toBeLessThan(out.lastIndexOf('  API  '))
  })

  it('keeps Redis apart: limits and OTP cooldowns of one never touch the other', async () => {
    expect(a.vars.UPSTASH_REDIS_REST_URL).not.toBe(b.vars.UPSTASH_REDIS_REST_URL)
    const ip = { 'cf-connecting-ip': '10.77.0.1' }
    const send = (stack: Stack, email: string) =>
      call(stack, '/api/auth/send-otp-signup', { method: 'POST', json: { email }, headers: ip })
    // One email: the resend cooldown is per stack.
    expect((await send(a, 'same@example.test')).status).toBe(200)
    expect((await send(b, 'same@example.test')).status).toBe(200)
    // One IP: A's per-IP sending limit used up leaves B's untouched.
    let limited = false
    for (let i = 0; i < 10 && !limited; i++)
      limited = (await send(a, `a${i}@example.test`)).status === 429
    expect(limited).toBe(true)
    expect((await send(b, 'b0@example.test')).status).toBe(200)
  })

  it("transcodes each one's uploads with its own transcoder", async () => {
    const [tokenA, tokenB] = await Promise.all([
      signUp(a, 'uploader-a@example.test'),
      signUp(b, 'uploader-b@example.test'),
    ])
    const [jobA, jobB] = await Promise.all([
      uploadVideo(a, tokenA, video),
      uploadVideo(b, tokenB, video),
    ])
    await expect
      .poll(() => jobStatus(a, tokenA, jobA), { timeout: 60_000, interval: 500 })
      .toBe('completed')
    await expect
      .poll(() => jobStatus(b, tokenB, jobB), { timeout: 60_000, interval: 500 })
      .toBe('completed')
  }, 150_000)

  it('fires the cron by itself: a job whose stream entry was lost is queued again and done', async () => {
    const token = await signUp(a, 'cron@example.test')
    const original = await uploadVideo(a, token, video)
    await expect
      .poll(() => jobStatus(a, token, original), { timeout: 60_000, interval: 500 })
      .toBe('completed')
    // A job that never reached the stream (its XADD failed): only the stuck-job sweep finds it.
    const client = await new MongoClient(a.vars.MONGODB_URI!).connect()
    try {
      const jobs = client.db(a.vars.MONGODB_DB ?? 'sanora').collection('transcoding_jobs')
      const done = (await jobs.findOne({ _id: new ObjectId(original) }))!
      const { mediaId, ownerId, sourceKey, outputPrefix, maxAttempts } = done
      const stuck = new ObjectId()
      const long = new Date(Date.now() - 60 * 60_000)
      await jobs.insertOne({
        _id: stuck,
        ...{ mediaId, ownerId, sourceKey, outputPrefix, maxAttempts },
        ...{ status: 'queued', attempts: 0, progress: 0, createdAt: long, updatedAt: long },
      })
      await expect
        .poll(async () => (await jobs.findOne({ _id: stuck }))?.status, {
          timeout: 60_000,
          interval: 500,
        })
        .toBe('completed')
    } finally {
      await client.close()
    }
    expect(first.output()).toMatch(/scheduled task finished.*stuck-jobs.*"requeued":1/)
  }, 150_000)

  it('stops everything on Ctrl-C', async () => {
    first.child.kill('SIGINT')
    expect(await first.exited).toBe(0)
    await expect(fetch(`${a.api}/api/health`)).rejects.toThrow()
  }, 60_000)
})

describe('npm run dev with bad configuration', () => {
  it('refuses to start with a bad variable, naming it', async () => {
    const dev = await launch({ PORT: String(await findFreePort()), JWT_SECRET: 'too-short' })
    expect(await dev.exited).toBe(1)
    expect(dev.output()).toContain('JWT_SECRET must be at least 32 characters')
  }, 60_000)
})
