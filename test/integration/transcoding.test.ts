// Video transcoding end to end: uploads through the real API, transcoder processes started from
// here (real ffmpeg), outputs read back from storage; failures, dead letters, crashes and shutdown.
import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3'
import { Redis } from '@upstash/redis'
import { SignJWT } from 'jose'
import { ObjectId } from 'mongodb'
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import {
  DEAD_LETTER_STREAM,
  INTERNAL_JOBS_PATH,
  JOB_GROUP,
  JOB_STREAM,
  SERVICE_TOKEN_AUDIENCE,
} from '../../shared/jobs'
import { signRealtimeTicket } from '../../worker/realtime/tickets'
import { api, workerUrl } from '../harness/http'
import { accountIdentityOf, signUpUser, testDb, type TestUser } from '../harness/users'
import { openSocket, type TestSocket } from '../harness/ws'
import { faultRecorder } from './security/lib/fault-report'

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const LEASE_SECONDS = 4

let work: string
const inputs: Record<'short' | 'silent' | 'long' | 'corrupt', Buffer> = {} as never

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'transcoding-test-'))
  const lavfi = (size: string, seconds: number, audio: boolean) => [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=25`],
    ...(audio ? ['-f', 'lavfi', '-i', 'sine=frequency=440'] : []),
    ...['-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '30'],
    ...['-pix_fmt', 'yuv420p', ...(audio ? ['-c:a', 'aac', '-shortest'] : [])],
  ]
  const make = async (name: keyof typeof inputs, args: string[]) => {
    const file = path.join(work, `${name}.mp4`)
    await run('ffmpeg', [...args, file])
    inputs[name] = await readFile(file)
  }
  await Promise.all([
    make('short', lavfi('640x360', 5, true)),
    // Portrait, tiny and silent: below the standard ladder, still two renditions.
    make('silent', lavfi('180x320', 2, false)),
    // Long enough for a crash or a shutdown to land mid-encode.
    make('long', lavfi('640x360', 15, true)),
  ])
  inputs.corrupt = randomBytes(64 * 1024)
})

afterAll(async () => {
  await Promise.all(transcoders.map((t) => t.kill('SIGKILL')))
  await rm(work, { recursive: true, force: true })
})

// --- transcoder processes -------------------------------------------------------------------

interface Transcoder {
  name: string
  proc: ChildProcess
  logs: string[]
  start(): void
  kill(signal: NodeJS.Signals): Promise<number | null>
}

const transcoders: Transcoder[] = []

/** A transcoder process (started at once unless `now` is false), logging at info into `logs`. */
function startTranscoder(name: string, env: Record<string, string> = {}, now = true): Transcoder {
  const logs: string[] = []
  let exit: Promise<number | null> = Promise.resolve(null)
  const t: Transcoder = {
    name,
    proc: undefined as unknown as ChildProcess,
    logs,
    start() {
      const proc = spawn(process.execPath, ['--import', 'tsx', 'transcoder/main.ts'], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          ...inject('workerVars'),
          WORKER_URL: workerUrl(),
          LOG_LEVEL: 'info',
          TRANSCODER_POLL_MS: '200',
          TRANSCODER_LEASE_SECONDS: String(LEASE_SECONDS),
          TRANSCODER_CONSUMER: name,
          TRANSCODER_TMP_DIR: work,
          ...env,
        },
        // Its own process group: SIGKILL then takes ffmpeg down too, like a crashed machine.
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      // Whole lines only: a JSON log line may arrive split over two chunks.
      const collector = () => {
        let partial = ''
        return (chunk: string) => {
          const lines = (partial + chunk).split('\n')
          partial = lines.pop() ?? ''
          logs.push(...lines.filter(Boolean))
        }
      }
      proc.stdout!.setEncoding('utf8').on('data', collector())
      proc.stderr!.setEncoding('utf8').on('data', collector())
      exit = new Promise((r) => proc.once('exit', (code) => r(code)))
      t.proc = proc
    },
    async kill(signal) {
      const proc = t.proc
      if (proc && proc.exitCode === null && proc.signalCode === null) {
        try {
          if (signal === 'SIGKILL') process.kill(-proc.pid!, 'SIGKILL')
          else proc.kill(signal)
        } catch {
          // Exited in the meantime.
        }
      }
      return exit
    },
  }
  if (now) t.start()
  transcoders.push(t)
  return t
}

/** The transcoder's JSON log lines (other output, such as runtime warnings, skipped). */
function logEntries(t: Transcoder): Record<string, any>[] {
  return t.logs.flatMap((line) => {
    try {
      return [JSON.parse(line)]
    } catch {
      return []
    }
  })
}

async function started(t: Transcoder) {
  await until(
    () => t.logs.some((l) => l.includes('transcoder started')),
    15_000,
    () => t.logs,
  )
}

// --- helpers ---------------------------------------------------------------------------------

/** Polls `probe` until it answers something truthy; an error it throws fails at once. */
async function until<T>(
  probe: () => T | Promise<T>,
  timeoutMs: number,
  context: () => unknown = () => '',
): Promise<NonNullable<T>> {
  const outcome = await vi.waitFor(
    async () => {
      let value: T
      try {
        value = await probe()
      } catch (error) {
        return { error }
      }
      if (value) return { value: value as NonNullable<T> }
      const logs = transcoders.flatMap((t) => t.logs.map((l) => `${t.name}: ${l}`))
      throw new Error(
        `timed out; ${JSON.stringify(context())}\ntranscoder logs:\n${logs.slice(-40).join('\n')}`,
      )
    },
    { timeout: timeoutMs, interval: 100 },
  )
  if ('error' in outcome) throw outcome.error
  return outcome.value
}

async function uploadVideo(user: TestUser, bytes: Buffer) {
  const started = await api('/api/media/upload', {
    method: 'POST',
    token: user.accessToken,
    json: { purpose: 'post', contentType: 'video/mp4', size: bytes.length, fileName: 'clip.mp4' },
  })
  expect(started.status, JSON.stringify(started.body)).toBe(201)
  const { url, headers } = started.body.upload
  const put = await fetch(url, { method: 'PUT', headers, body: new Uint8Array(bytes) })
  expect(put.status).toBe(200)
  const mediaId: string = started.body.media.id
  const done = await api(`/api/media/${mediaId}/complete`, {
    method: 'POST',
    token: user.accessToken,
    json: {},
  })
  expect(done.status, JSON.stringify(done.body)).toBe(200)
  expect(done.body.media.status).toBe('processing')
  return { mediaId, jobId: done.body.media.jobId as string }
}

async function getJob(user: TestUser, jobId: string) {
  const res = await api(`/api/video-transcoding/job/${jobId}`, { token: user.accessToken })
  expect(res.status).toBe(200)
  return res.body.job
}

/** Polls the job until it has `status`; every progress value seen on the way goes to `seen`. */
function waitForJob(
  user: TestUser,
  jobId: string,
  status: string,
  timeoutMs = 30_000,
  seen: number[] = [],
) {
  return until(
    async () => {
      const job = await getJob(user, jobId)
      seen.push(job.progress)
      return job.status === status ? job : undefined
    },
    timeoutMs,
    () => ({ jobId, status, seen }),
  )
}

async function userSocket(user: TestUser): Promise<TestSocket> {
  const ticket = await signRealtimeTicket(
    inject('workerVars').JWT_SECRET!,
    { kind: 'user', id: user.id },
    accountIdentityOf(user, 'USER', 'Uploader'),
  )
  const socket = await openSocket(
    `${workerUrl().replace('http', 'ws')}/api/realtime/user/${user.id}?ticket=${ticket}`,
  )
  await socket.next((m) => m.type === 'welcome')
  return socket
}

const eventsOf = (socket: TestSocket, jobId: string, type: string) =>
  socket.messages.filter((m) => m.jobId === jobId && m.type === type)

function rawRedis() {
  const vars = inject('workerVars')
  // Raw replies: hex job ids must stay strings.
  return new Redis({
    url: vars.UPSTASH_REDIS_REST_URL!,
    token: vars.UPSTASH_REDIS_REST_TOKEN!,
    automaticDeserialization: false,
  })
}

/** The ids of the job stream's entries for `jobId` (the Worker's sweep may have added more). */
async function jobEntryIds(jobId: string): Promise<string[]> {
  const entries = (await rawRedis().xrange(JOB_STREAM, '-', '+')) as unknown as [string, string[]][]
  return entries
    .filter(([, fields]) => fields[fields.indexOf('jobId') + 1] === jobId)
    .map(([id]) => id)
}

/** Which of `ids` are pending in the transcoders' group: delivered, not acknowledged. */
async function pendingOf(ids: string[]): Promise<string[]> {
  const pending: string[] = []
  for (const id of ids) {
    const rows = (await rawRedis().xpending(JOB_STREAM, JOB_GROUP, id, id, 1)) as unknown[]
    if (rows.length > 0) pending.push(id)
  }
  return pending
}

async function deadLetters(): Promise<Record<string, string>[]> {
  const entries = (await rawRedis().xrange(DEAD_LETTER_STREAM, '-', '+')) as unknown as [
    string,
    string[],
  ][]
  return entries.map(([, fields]) => {
    const record: Record<string, string> = {}
    for (let i = 0; i + 1 < fields.length; i += 2) record[fields[i]!] = fields[i + 1]!
    return record
  })
}

function s3() {
  const vars = inject('workerVars')
  return new S3Client({
    endpoint: vars.S3_ENDPOINT,
    region: vars.S3_REGION ?? 'us-east-1',
    forcePathStyle: vars.S3_FORCE_PATH_STYLE === 'true',
    credentials: {
      accessKeyId: vars.S3_ACCESS_KEY_ID!,
      secretAccessKey: vars.S3_SECRET_ACCESS_KEY!,
    },
  })
}

/** Downloads every object under `prefix` into `dir`, keeping the relative layout. */
async function downloadPrefix(prefix: string, dir: string): Promise<string[]> {
  const client = s3()
  const bucket = inject('workerVars').S3_BUCKET!
  const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))
  const keys = (listed.Contents ?? []).map((o) => o.Key!)
  for (const key of keys) {
    const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
    const file = path.join(dir, key.slice(prefix.length))
    await mkdir(path.dirname(file), { recursive: true })
    await writeFile(file, await res.Body!.transformToByteArray())
  }
  client.destroy()
  return keys.map((k) => k.slice(prefix.length)).sort()
}

async function ffprobe(file: string) {
  const { stdout } = await run('ffprobe', [
    ...['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file],
  ])
  return JSON.parse(stdout) as {
    streams: { codec_type: string; codec_name: string; width?: number; height?: number }[]
    format: { duration: string; format_name: string }
  }
}

/**
 * An ffmpeg that holds back the pass writing the MP4 (the last one) until `open()`: the state
 * between the early renditions and completion lasts as long as a test needs, on any machine.
 */
async function gatedFfmpeg() {
  const dir = await mkdtemp(path.join(work, 'gate-'))
  const gate = path.join(dir, 'open')
  const bin = path.join(dir, 'ffmpeg')
  await writeFile(
    bin,
    [
      '#!/bin/sh',
      `case " $* " in *" video.mp4 "*) while [ ! -e '${gate}' ]; do sleep 0.05; done ;; esac`,
      'exec ffmpeg "$@"',
      '',
    ].join('\n'),
    { mode: 0o755 },
  )
  return { bin, open: () => writeFile(gate, '') }
}

/** The playlist URIs of a master playlist served by the playback route. */
async function masterUris(url: string): Promise<string[]> {
  const res = await fetch(url)
  expect(res.status).toBe(200)
  return (await res.text()).split('\n').filter((l) => /^https?:/.test(l))
}

function serviceToken() {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setAudience(SERVICE_TOKEN_AUDIENCE)
    .setSubject('test')
    .setIssuedAt()
    .setExpirationTime('60s')
    .sign(new TextEncoder().encode(inject('workerVars').TRANSCODER_SECRET!))
}

// --- tests -----------------------------------------------------------------------------------

describe('with a transcoder running', () => {
  let pool: Transcoder
  let owner: TestUser
  let socket: TestSocket
  let video: { mediaId: string; jobId: string }
  let job: any
  const polled: number[] = []

  beforeAll(async () => {
    pool = startTranscoder('pool-a')
    owner = await signUpUser()
    socket = await userSocket(owner)
    await started(pool)
    video = await uploadVideo(owner, inputs.short)
    job = await waitForJob(owner, video.jobId, 'completed', 30_000, polled)
  }, 60_000)

  afterAll(() => socket?.close())

  it('completes the job with an MP4, an HLS ladder (lowest first) and a thumbnail', async () => {
    expect(job).toMatchObject({ status: 'completed', progress: 100, attempts: 1, error: null })
    const { outputs } = job
    const prefix = outputs.mp4Key.replace(/video\.mp4$/, '')
    expect(outputs.hlsMasterKey).toBe(`${prefix}hls/master.m3u8`)
    expect(outputs).toMatchObject({
      width: 640,
      height: 360,
      thumbnailKey: `${prefix}thumbnail.jpg`,
    })
    expect(outputs.durationSeconds).toBeCloseTo(5, 0)

    const dir = await mkdtemp(path.join(work, 'outputs-'))
    const files = await downloadPrefix(prefix, dir)
    expect(files).toEqual(
      expect.arrayContaining([
        'video.mp4',
        'thumbnail.jpg',
        'hls/master.m3u8',
        'hls/240p/index.m3u8',
        'hls/360p/index.m3u8',
        'hls/240p/seg_000.ts',
        'hls/360p/seg_000.ts',
      ]),
    )

    const mp4 = await ffprobe(path.join(dir, 'video.mp4'))
    expect(mp4.format.format_name).toContain('mp4')
    expect(mp4.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264'])
    expect(Number(mp4.format.duration)).toBeCloseTo(5, 0)
    // Web-optimised (faststart): the index (moov) precedes the media data (mdat).
    const bytes = await readFile(path.join(dir, 'video.mp4'))
    expect(bytes.indexOf('moov')).toBeGreaterThan(-1)
    expect(bytes.indexOf('mdat')).toBeGreaterThan(bytes.indexOf('moov'))

    const master = await readFile(path.join(dir, 'hls/master.m3u8'), 'utf8')
    const variants = [...master.matchAll(/BANDWIDTH=(\d+)[^\n]*\n([^\n#]+)/g)].map((m) => ({
      bandwidth: Number(m[1]),
      uri: m[2]!.trim(),
    }))
    expect(variants.map((v) => v.uri)).toEqual(['240p/index.m3u8', '360p/index.m3u8'])
    expect(variants[0]!.bandwidth).toBeLessThan(variants[1]!.bandwidth)
    expect(outputs.renditions.map((r: any) => [r.name, r.height, r.bandwidth])).toEqual(
      variants.map((v, i) => [['240p', '360p'][i], [240, 360][i], v.bandwidth]),
    )
    for (const line of (await readFile(path.join(dir, 'hls/240p/index.m3u8'), 'utf8')).split('\n'))
      if (line && !line.startsWith('#')) expect(line).toMatch(/^seg_\d{3}\.ts$/)

    const rendition = await ffprobe(path.join(dir, 'hls/240p/index.m3u8'))
    expect(rendition.streams.find((s) => s.codec_type === 'video')).toMatchObject({
      codec_name: 'h264',
      height: 240,
    })
    expect(Number(rendition.format.duration)).toBeCloseTo(5, 0)
    const thumbnail = await ffprobe(path.join(dir, 'thumbnail.jpg'))
    expect(thumbnail.streams[0]).toMatchObject({ codec_name: 'mjpeg', width: 640, height: 360 })
  })

  it('reports progress through intermediate values', async () => {
    const pushed = eventsOf(socket, video.jobId, 'transcoding.progress').map((m) => m.percent)
    const seen = [...pushed, ...polled]
    expect(
      seen.some((p) => p > 0 && p < 100),
      JSON.stringify({ pushed, polled }),
    ).toBe(true)
    // Never backwards.
    expect([...polled].sort((a, b) => a - b)).toEqual(polled)
  })

  it('plays the HLS ladder through the Worker’s playback route', async () => {
    const res = await api(`/api/media/${video.mediaId}`, { token: owner.accessToken })
    expect(res.status).toBe(200)
    expect(res.body.media.status).toBe('ready')
    const { hls, mp4, thumbnail } = res.body.urls
    expect((await fetch(mp4)).status).toBe(200)
    expect((await fetch(thumbnail)).headers.get('content-type')).toBe('image/jpeg')

    const master = await fetch(hls)
    expect(master.status).toBe(200)
    expect(master.headers.get('content-type')).toBe('application/vnd.apple.mpegurl')
    const renditionUrls = (await master.text()).split('\n').filter((l) => /^https?:/.test(l))
    expect(renditionUrls).toHaveLength(2)
    expect(renditionUrls[0]).toContain('/hls/240p/index.m3u8?token=')

    const playlist = await fetch(renditionUrls[0]!)
    expect(playlist.status).toBe(200)
    const segmentUrls = (await playlist.text()).split('\n').filter((l) => /^https?:/.test(l))
    expect(segmentUrls.length).toBeGreaterThanOrEqual(2)
    const segment = await fetch(segmentUrls[0]!)
    expect(segment.status).toBe(200)
    const bytes = new Uint8Array(await segment.arrayBuffer())
    // MPEG-TS packets start with the sync byte every 188 bytes.
    expect([bytes[0], bytes[188]]).toEqual([0x47, 0x47])
  })

  it('hides the job and the media from another user', async () => {
    const other = await signUpUser()
    expect(
      (await api(`/api/video-transcoding/job/${video.jobId}`, { token: other.accessToken })).status,
    ).toBe(404)
    expect((await api(`/api/media/${video.mediaId}`, { token: other.accessToken })).status).toBe(
      404,
    )
  })

  it('transcodes a small portrait video without audio into two renditions', async () => {
    const silent = await uploadVideo(owner, inputs.silent)
    const done = await waitForJob(owner, silent.jobId, 'completed')
    expect(done.outputs.renditions.map((r: any) => r.name)).toEqual(['120p', '180p'])
    expect(done.outputs).toMatchObject({ width: 180, height: 320 })
    const dir = await mkdtemp(path.join(work, 'silent-'))
    await downloadPrefix(done.outputs.mp4Key.replace(/video\.mp4$/, ''), dir)
    const mp4 = await ffprobe(path.join(dir, 'video.mp4'))
    expect(mp4.streams.map((s) => s.codec_type)).toEqual(['video'])
    const rendition = await ffprobe(path.join(dir, 'hls/180p/index.m3u8'))
    expect(rendition.streams.map((s) => s.codec_type)).toEqual(['video'])
  })

  it('fails a corrupt upload at once with a readable error and dead-letters it', async () => {
    const corrupt = await uploadVideo(owner, inputs.corrupt)
    const failed = await waitForJob(owner, corrupt.jobId, 'failed')
    // Retrying cannot fix the input: one attempt, well within the configured ones.
    expect(failed.attempts).toBe(1)
    expect(failed.maxAttempts).toBeGreaterThan(1)
    expect(failed.error).toMatch(/^not a readable video: Invalid data found when processing input/)
    expect(failed.error).not.toContain(tmpdir())
    expect(failed.error.length).toBeLessThan(2000)
    const media = await api(`/api/media/${corrupt.mediaId}`, { token: owner.accessToken })
    expect(media.body.media).toMatchObject({ status: 'failed', error: failed.error })
    const letter = await until(
      async () => (await deadLetters()).find((d) => d.jobId === corrupt.jobId),
      5000,
    )
    expect(letter).toMatchObject({ attempts: '1', error: failed.error })
  })

  it('retries a job whose source cannot be read, then fails it after the configured attempts', async () => {
    // A job whose source is gone (its media deleted after queueing): storage trouble, retryable.
    const db = await testDb()
    const now = new Date()
    const jobId = new ObjectId()
    await db.collection('transcoding_jobs').insertOne({
      _id: jobId,
      mediaId: new ObjectId(),
      ownerId: new ObjectId(owner.id),
      sourceKey: `media/post/${jobId.toHexString()}/original`,
      outputPrefix: `media/post/${jobId.toHexString()}/transcoded/`,
      status: 'queued',
      attempts: 0,
      maxAttempts: 2,
      progress: 0,
      createdAt: now,
      updatedAt: now,
    })
    await rawRedis().xadd(JOB_STREAM, '*', { jobId: jobId.toHexString() })
    const retrying = await until(async () => {
      const job = await getJob(owner, jobId.toHexString())
      return job.attempts === 1 && job.error ? job : undefined
    }, 10_000)
    expect(retrying.status).not.toBe('failed')
    expect(retrying.error).toMatch(/could not download the source/)
    // Reclaimed after the lease, the second attempt is the last.
    const failed = await waitForJob(owner, jobId.toHexString(), 'failed', 20_000)
    expect(failed.attempts).toBe(2)
    expect(failed.error).toMatch(/could not download the source .*(NoSuchKey|does not exist)/i)
    const letter = await until(
      async () => (await deadLetters()).find((d) => d.jobId === jobId.toHexString()),
      5000,
    )
    expect(letter.attempts).toBe('2')
  }, 30_000)

  it('exits 0 on SIGTERM when idle, without sleeping out its poll interval', async () => {
    // Polling once a minute: an exit that waited for the next poll would outlast this test's time.
    const idle = startTranscoder('idle', { TRANSCODER_POLL_MS: '60000' })
    await started(idle)
    expect(await idle.kill('SIGTERM')).toBe(0)
    expect(idle.logs.join('\n')).toContain('transcoder stopped')

    expect(pool.proc.exitCode).toBeNull()
    expect(await pool.kill('SIGTERM')).toBe(0)
    expect(pool.logs.join('\n')).toContain('transcoder stopped')
    // Every job's work directory was removed, whatever its outcome.
    expect((await readdir(work)).filter((name) => name.startsWith('transcode-'))).toEqual([])
  })
})

describe('progressive playback', () => {
  let owner: TestUser
  let socket: TestSocket
  let gate: Awaited<ReturnType<typeof gatedFfmpeg>>
  let transcoder: Transcoder
  let video: { mediaId: string; jobId: string }
  let early: { media: any; urls: any }

  beforeAll(async () => {
    gate = await gatedFfmpeg()
    transcoder = startTranscoder('progressive', { FFMPEG_PATH: gate.bin })
    owner = await signUpUser()
    socket = await userSocket(owner)
    await started(transcoder)
    video = await uploadVideo(owner, inputs.short)
    early = await until(
      async () => {
        const res = await api(`/api/media/${video.mediaId}`, { token: owner.accessToken })
        return res.body.media.playableAt ? res.body : undefined
      },
      30_000,
      () => video,
    )
  }, 60_000)

  afterAll(async () => {
    await socket?.close()
    await gate?.open()
    await transcoder?.kill('SIGKILL')
  })

  it('makes the lowest rendition playable while the job is still processing', async () => {
    expect(early.media).toMatchObject({ status: 'processing', renditions: ['240p'] })
    expect(early.urls.hls).toMatch(/\/hls\/master\.m3u8\?token=/)
    expect(early.urls.mp4).toBeUndefined()
    const job = await getJob(owner, video.jobId)
    expect(job).toMatchObject({ status: 'processing', renditions: ['240p'], outputs: null })
    expect(job.playableAt).toBe(early.media.playableAt)
    const pushed = await socket.next(
      (m) => m.type === 'transcoding.playable' && m.jobId === video.jobId,
    )
    expect(pushed).toMatchObject({ mediaId: video.mediaId, renditions: ['240p'] })
  })

  it('serves a master playlist listing only the finished rendition, and it plays', async () => {
    const uris = await masterUris(early.urls.hls)
    expect(uris).toHaveLength(1)
    expect(uris[0]).toContain('/hls/240p/index.m3u8?token=')
    // The whole rendition, through the Worker's playlist and the presigned segments.
    const probed = await ffprobe(uris[0]!)
    expect(probed.streams.find((s) => s.codec_type === 'video')).toMatchObject({
      codec_name: 'h264',
      height: 240,
    })
    expect(probed.streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'video'])
    expect(Number(probed.format.duration)).toBeCloseTo(5, 0)
  })

  it('refuses early playability from anyone but the lease holder, and bad reports', async () => {
    const url = `${workerUrl()}${INTERNAL_JOBS_PATH}/${video.jobId}/playable`
    const playback = {
      hlsMasterKey: 'media/post/x/transcoded/hls/master.m3u8',
      renditions: [{ name: '720p', height: 720, bandwidth: 1000, playlistKey: 'x.m3u8' }],
    }
    const post = async (body: unknown, token?: string) =>
      fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      })
    const anonymous = await post({ leaseId: 'x', playback })
    expect(anonymous.status).toBe(401)
    const userToken = await post({ leaseId: 'x', playback }, owner.accessToken)
    expect(userToken.status).toBe(401)
    const token = await serviceToken()
    const stranger = await post({ leaseId: 'not-the-lease', playback }, token)
    expect(stranger.status).toBe(409)
    expect(await stranger.json()).toMatchObject({ success: false, code: 'CONFLICT' })
    for (const bad of [
      { leaseId: 'x' },
      { leaseId: 'x', playback: { ...playback, renditions: [] } },
      { leaseId: 'x', playback: { hlsMasterKey: 7, renditions: playback.renditions } },
      { leaseId: 'x', playback, extra: true },
    ]) {
      const res = await post(bad, token)
      expect(res.status, JSON.stringify(bad)).toBe(400)
      expect(await res.json()).toMatchObject({ success: false, code: 'VALIDATION_ERROR' })
    }
    // Nothing of it was recorded.
    const media = await api(`/api/media/${video.mediaId}`, { token: owner.accessToken })
    expect(media.body.media).toMatchObject({ status: 'processing', renditions: ['240p'] })
  })

  it('lists every rendition once the job completes, keeping when it first played', async () => {
    await gate.open()
    const job = await waitForJob(owner, video.jobId, 'completed')
    expect(job).toMatchObject({ renditions: ['240p', '360p'], playableAt: early.media.playableAt })
    expect(Date.parse(job.completedAt)).toBeGreaterThan(Date.parse(job.playableAt))
    const res = await api(`/api/media/${video.mediaId}`, { token: owner.accessToken })
    expect(res.body.media).toMatchObject({
      status: 'ready',
      renditions: ['240p', '360p'],
      playableAt: early.media.playableAt,
    })
    const uris = await masterUris(res.body.urls.hls)
    expect(uris.map((u) => /\/hls\/(\w+)\/index\.m3u8/.exec(u)?.[1])).toEqual(['240p', '360p'])
    const top = await ffprobe(uris[1]!)
    expect(top.streams.find((s) => s.codec_type === 'video')).toMatchObject({ height: 360 })
  })
})

describe('crashes and shutdowns', () => {
  const faults = faultRecorder('transcoder-crash')
  afterAll(() => faults.save())
  let owner: TestUser
  let socket: TestSocket

  beforeAll(async () => {
    owner = await signUpUser()
    socket = await userSocket(owner)
  })
  afterAll(() => socket?.close())

  /** Waits until `consumer` is encoding the job (progress past the download share). */
  async function encodingBy(jobId: string, consumer: string) {
    const db = await testDb()
    await until(
      async () => {
        const doc = await db.collection('transcoding_jobs').findOne({ _id: new ObjectId(jobId) })
        return doc?.consumer === consumer && doc.progress > 5 && doc.status === 'processing'
      },
      20_000,
      () => ({ jobId, consumer }),
    )
  }

  it('completes a job exactly once after its transcoder is killed mid-encode', async () => {
    const victim = startTranscoder('victim')
    const rescuer = startTranscoder('rescuer', {}, false)
    try {
      await started(victim)
      const video = await uploadVideo(owner, inputs.long)
      await encodingBy(video.jobId, 'victim')
      await victim.kill('SIGKILL')
      faults.injected()

      rescuer.start()
      const job = await waitForJob(owner, video.jobId, 'completed', 40_000)
      expect(job.attempts).toBe(2)
      expect(job.completedAt).toBeTruthy()
      const completions = () =>
        [victim, rescuer].flatMap((t) =>
          logEntries(t).filter((l) => l.jobId === video.jobId && l.message === 'job completed'),
        )
      // The transcoder logs the completion once the Worker has answered: after the job shows it.
      await until(() => completions().length > 0, 5000)
      expect(completions().map((l) => l.consumer)).toEqual(['rescuer'])

      // Nothing completes it again, shown by the state that decides it rather than by waiting out
      // a lease: no entry of the job is left pending in the group for a transcoder's XAUTOCLAIM
      // to hand out (the rescuer acks it once the Worker took the completion; the victim is
      // dead), and the Worker refuses to lease a finished job to anyone (410) whatever entry
      // brings it, while the completion itself needs the lease.
      const entryIds = await jobEntryIds(video.jobId)
      expect(entryIds.length).toBeGreaterThan(0)
      await expect.poll(() => pendingOf(entryIds), { timeout: 5000, interval: 100 }).toEqual([])
      const claim = await fetch(`${workerUrl()}${INTERNAL_JOBS_PATH}/${video.jobId}/claim`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${await serviceToken()}`,
        },
        body: JSON.stringify({ consumer: 'victim' }),
      })
      expect(claim.status).toBe(410)
      const later = await getJob(owner, video.jobId)
      // The accepted upload is the acknowledged write: its job must still complete.
      faults.checkedWrites(1, later.status === 'completed' ? 0 : 1)
      expect(later).toMatchObject({
        status: 'completed',
        attempts: 2,
        completedAt: job.completedAt,
      })
      expect(eventsOf(socket, video.jobId, 'transcoding.completed').length).toBeLessThanOrEqual(1)
      const pending = (await rawRedis().xpending(JOB_STREAM, JOB_GROUP, '-', '+', 100)) as [
        string,
        string,
      ][]
      expect(pending.filter(([, consumer]) => ['victim', 'rescuer'].includes(consumer))).toEqual([])
      expect(await rescuer.kill('SIGTERM')).toBe(0)
    } finally {
      await Promise.all([victim.kill('SIGKILL'), rescuer.kill('SIGKILL')])
    }
  }, 60_000)

  it('gives a job back on SIGTERM past the grace period, without using up an attempt', async () => {
    const leaving = startTranscoder('leaving', { TRANSCODER_SHUTDOWN_GRACE_SECONDS: '0' })
    const next = startTranscoder('next', {}, false)
    try {
      await started(leaving)
      const video = await uploadVideo(owner, inputs.long)
      await encodingBy(video.jobId, 'leaving')
      // It does not wait for the job: the job is given back unfinished (queued, no attempt used).
      expect(await leaving.kill('SIGTERM')).toBe(0)
      expect(logEntries(leaving).map((l) => l.message)).toContain('job released on shutdown')
      expect(await getJob(owner, video.jobId)).toMatchObject({ status: 'queued', attempts: 0 })

      next.start()
      await started(next)
      const job = await waitForJob(owner, video.jobId, 'completed', 30_000)
      expect(job.attempts).toBe(1)
      // Released entries are due at once, not a lease later.
      const [startedAt, claimedAt] = ['transcoder started', 'job claimed'].map((message) =>
        Date.parse(logEntries(next).find((l) => l.message === message)!.time),
      )
      expect(claimedAt! - startedAt!).toBeLessThan(LEASE_SECONDS * 1000)
      expect(await next.kill('SIGTERM')).toBe(0)
    } finally {
      await Promise.all([leaving.kill('SIGKILL'), next.kill('SIGKILL')])
    }
  }, 60_000)
})
