// `npm run soak`: mixed REST and socket traffic for a fixed time against the Worker (wrangler dev)
// and a transcoder, then reports per-action error rate and p99, memory growth of workerd and of
// the transcoder, and leaks: sockets workerd still holds and temp files the transcoder left.
//   npm run soak [-- --duration 60 --users 10]    smoke: --duration 10 --users 4
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { parseArgs, promisify } from 'node:util'
import { MongoClient, type Db } from 'mongodb'
import WebSocket from 'ws'
import { startStack } from '../../dev-services/stack'
import { parseConfig } from '../../shared/config'
import { startSession } from '../../worker/auth/sessions'
import { ensureIndexes } from '../../worker/db/indexes'
import { createUser } from '../../worker/auth/users-store'
import { testWorkerVars } from '../harness/global-setup'
import { api, RoomSocket, roomUrl, setUpConference } from './conference-client'
import { summarize } from './load'
import { sampleProcesses, startBenchWorker } from './workers'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const OUT = path.join(ROOT, 'test-artifacts/soak.json')
const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    users: { type: 'string', default: '10' },
  },
})
const durationMs = Number(args.duration) * 1000
const userCount = Number(args.users)
if (!(durationMs > 0) || !Number.isInteger(userCount) || userCount < 2) {
  console.error('--duration: seconds > 0; --users: an integer ≥ 2')
  process.exit(2)
}

const log = (line: string) =>
  console.error(`[soak ${(performance.now() / 1000).toFixed(1).padStart(6)}s] ${line}`)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const rnd = () => Math.floor(Math.random() * 254) + 1
const freshIp = () => `10.${rnd()}.${rnd()}.${rnd()}`

interface VirtualUser {
  id: string
  token: string
  ip: string
  chat?: WebSocket
  pendingAcks: Map<string, (m: any) => void>
}

class Tally {
  readonly latencies = new Map<string, number[]>()
  readonly errors = new Map<string, string[]>()
  async time<T>(action: string, run: () => Promise<T>): Promise<T | undefined> {
    const started = performance.now()
    try {
      const result = await run()
      const list = this.latencies.get(action) ?? []
      list.push(performance.now() - started)
      this.latencies.set(action, list)
      return result
    } catch (error) {
      const list = this.errors.get(action) ?? []
      list.push(error instanceof Error ? error.message : String(error))
      this.errors.set(action, list)
      return undefined
    }
  }
}

async function createUsers(db: Db, vars: Record<string, string>): Promise<VirtualUser[]> {
  const config = parseConfig(vars)
  return Promise.all(
    Array.from({ length: userCount }, async (_, i) => {
      const user = await createUser(
        db,
        { name: `Soak ${i}`, role: 'USER', email: `soak-${i}-${Date.now()}@example.test` },
        new Date(),
      )
      const { accessToken } = await startSession(db, config, user, { name: 'soak' }, new Date())
      return {
        id: user._id.toHexString(),
        token: accessToken,
        ip: freshIp(),
        pendingAcks: new Map(),
      }
    }),
  )
}

async function openChat(base: string, user: VirtualUser, partner: VirtualUser) {
  const headers = { 'cf-connecting-ip': user.ip }
  const conv = await api(base, '/api/chat/conversations/direct', {
    method: 'POST',
    token: user.token,
    json: { userId: partner.id },
    headers,
  })
  const ticket = await api(base, `/api/chat/conversations/${conv.body.conversation.id}/ticket`, {
    method: 'POST',
    token: user.token,
    headers,
  })
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}${ticket.body.url}`)
  await new Promise<void>((resolve, reject) => {
    ws.on('message', (data) => {
      const m = JSON.parse(String(data))
      if (m.type === 'sync.complete') resolve()
      if ((m.type === 'ack' || m.type === 'error') && m.rid) user.pendingAcks.get(m.rid)?.(m)
    })
    ws.once('error', reject)
  })
  user.chat = ws
}

function chatSend(user: VirtualUser, n: number): Promise<void> {
  const rid = `s${n}`
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no ack within 10 s')), 10_000)
    user.pendingAcks.set(rid, (m) => {
      clearTimeout(timer)
      user.pendingAcks.delete(rid)
      if (m.type === 'ack') resolve()
      else reject(new Error(`${m.code}: ${m.message}`))
    })
    user.chat!.send(JSON.stringify({ type: 'message.send', rid, text: `soak ${n}` }))
  })
}

async function get(base: string, pathname: string, user?: VirtualUser) {
  const res = await fetch(base + pathname, {
    headers: {
      'cf-connecting-ip': user?.ip ?? freshIp(),
      ...(user ? { authorization: `Bearer ${user.token}` } : {}),
    },
  })
  await res.arrayBuffer()
  if (res.status !== 200) throw new Error(`GET ${pathname}: ${res.status}`)
}

async function makeVideo(dir: string): Promise<Buffer> {
  const file = path.join(dir, 'soak.mp4')
  await promisify(execFile)('ffmpeg', [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25', '-t', '2'],
    ...['-pix_fmt', 'yuv420p', file],
  ])
  return readFile(file)
}

/** Uploads a video and resolves when its transcoding job completed. */
async function transcodeOnce(base: string, user: VirtualUser, video: Buffer) {
  const headers = { 'cf-connecting-ip': user.ip }
  const started = await api(
    base,
    '/api/media/upload',
    {
      method: 'POST',
      token: user.token,
      headers,
      json: { purpose: 'post', contentType: 'video/mp4', size: video.length, fileName: 's.mp4' },
    },
    201,
  )
  const put = await fetch(started.body.upload.url, {
    method: 'PUT',
    headers: started.body.upload.headers,
    body: new Uint8Array(video),
  })
  if (put.status !== 200) throw new Error(`S3 PUT: ${put.status}`)
  const done = await api(base, `/api/media/${started.body.media.id}/complete`, {
    method: 'POST',
    token: user.token,
    headers,
    json: {},
  })
  const jobId = done.body.media.jobId
  for (const deadline = performance.now() + 120_000; performance.now() < deadline;) {
    const job = await api(base, `/api/video-transcoding/job/${jobId}`, {
      token: user.token,
      headers,
    })
    if (job.body.job.status === 'completed') return
    if (job.body.job.status === 'failed') throw new Error('transcoding failed')
    await sleep(500)
  }
  throw new Error('transcoding did not complete within 120 s')
}

const rssMiB = async (pid: number) => {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024)
}

async function main(): Promise<number> {
  const cleanups: (() => Promise<unknown>)[] = []
  let transcoder: ChildProcess | undefined
  try {
    const work = await mkdtemp(path.join(tmpdir(), 'soak-'))
    cleanups.push(() => rm(work, { recursive: true, force: true }))
    const transcodeTmp = path.join(work, 'transcoder')
    await mkdir(transcodeTmp)
    log('starting the stack, the Worker (wrangler dev) and a transcoder')
    const stack = await startStack({ profile: 'test' })
    cleanups.push(() => stack.stop())
    const vars = testWorkerVars(stack.env)
    const client = await new MongoClient(vars.MONGODB_URI!).connect()
    cleanups.push(() => client.close())
    const db = client.db(vars.MONGODB_DB)
    await ensureIndexes(db)
    const worker = await startBenchWorker('wrangler', vars)
    cleanups.push(() => worker.dispose())
    const base = worker.url
    transcoder = spawn(process.execPath, ['--import', 'tsx', 'transcoder/main.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        ...vars,
        WORKER_URL: base,
        LOG_LEVEL: 'warn',
        TRANSCODER_POLL_MS: '200',
        TRANSCODER_TMP_DIR: transcodeTmp,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    })
    const transcoderPid = transcoder.pid!

    const users = await createUsers(db, vars)
    const video = await makeVideo(work)
    const conf = await setUpConference(base, ['Yes', 'No'])
    await api(base, `/api/conference/${conf.id}/questions/${conf.questionId}/live`, {
      method: 'POST',
      token: conf.hostToken,
    })
    await Promise.all(users.map((u, i) => openChat(base, u, users[(i + 1) % users.length]!)))
    await get(base, `/api/conference/by-code/${conf.code}`)

    const tally = new Tally()
    const memory: { at: number; workerdMiB: number; transcoderMiB: number }[] = []
    const sample = async () => {
      const procs = await sampleProcesses(base)
      const workerd = procs.filter((p) => p.role.startsWith('workerd'))
      memory.push({
        at: Math.round(performance.now() / 1000),
        workerdMiB: workerd.reduce((a, p) => a + p.rssMiB, 0),
        transcoderMiB: await rssMiB(transcoderPid),
      })
      return workerd
    }
    const fdsBefore = (await sample()).reduce((a, p) => a + p.fds, 0)
    log(`${userCount} virtual users for ${durationMs / 1000} s`)

    const end = performance.now() + durationMs
    let sends = 0
    let uploading: Promise<unknown> = Promise.resolve()
    let lastUpload = 0
    const sampler = setInterval(() => void sample(), 5000)
    await Promise.all(
      users.map(async (user) => {
        while (performance.now() < end) {
          const pick = Math.random()
          if (pick < 0.2)
            await tally.time('GET conference by code', () =>
              get(base, `/api/conference/by-code/${conf.code}`),
            )
          else if (pick < 0.3) await tally.time('GET courses', () => get(base, '/api/courses'))
          else if (pick < 0.4)
            await tally.time('GET notifications', () => get(base, '/api/notifications', user))
          else if (pick < 0.5)
            await tally.time('GET conversations', () => get(base, '/api/chat/conversations', user))
          else if (pick < 0.8) await tally.time('chat send → ack', () => chatSend(user, sends++))
          else
            await tally.time('join, vote, leave', async () => {
              const joined = await api(base, `/api/conference/by-code/${conf.code}/join`, {
                method: 'POST',
                json: {},
                headers: { 'cf-connecting-ip': freshIp() },
              })
              const socket = await RoomSocket.open(roomUrl(base, conf.id, joined.body.ticket))
              try {
                await socket.request(
                  { type: 'vote', questionId: conf.questionId, optionIds: [conf.optionIds[0]] },
                  'v',
                )
              } finally {
                await socket.close()
              }
            })
          // One transcoding job at a time, every 15 s at most: ffmpeg must not starve the rest.
          if (performance.now() - lastUpload > 15_000) {
            lastUpload = performance.now()
            uploading = tally.time('video upload → transcoded', () =>
              transcodeOnce(base, user, video),
            )
          }
          await sleep(50 + Math.random() * 150)
        }
      }),
    )
    await uploading
    clearInterval(sampler)

    log('closing every socket and checking for leaks')
    for (const u of users) u.chat?.close()
    await sleep(3000)
    const fdsAfter = (await sample()).reduce((a, p) => a + p.fds, 0)
    const tempLeft = await readdir(transcodeTmp)
    const rows = [...new Set([...tally.latencies.keys(), ...tally.errors.keys()])].map((action) => {
      const ok = tally.latencies.get(action) ?? []
      const failed = tally.errors.get(action) ?? []
      const s = summarize(ok.length ? ok : [0])
      return {
        action,
        count: ok.length + failed.length,
        errors: failed.length,
        errorRate: failed.length / (ok.length + failed.length),
        p50: s.p50,
        p99: s.p99,
        firstErrors: [...new Set(failed)].slice(0, 3),
      }
    })
    const first = memory[0]!
    const last = memory.at(-1)!
    const report = {
      durationS: durationMs / 1000,
      users: userCount,
      rows,
      memory,
      workerdGrowthMiB: last.workerdMiB - first.workerdMiB,
      transcoderGrowthMiB: last.transcoderMiB - first.transcoderMiB,
      workerdOpenFiles: { before: fdsBefore, after: fdsAfter },
      transcoderTempFilesLeft: tempLeft.length,
    }
    print(report)
    await mkdir(path.dirname(OUT), { recursive: true })
    await writeFile(OUT, JSON.stringify(report, null, 2) + '\n')
    const totalErrors = rows.reduce((a, r) => a + r.errors, 0)
    // Sockets closed by both sides leave nothing behind; a few descriptors of slack for workerd's
    // own housekeeping (log pipes, keep-alive connections it pools).
    const leaked = fdsAfter - fdsBefore > 20 || tempLeft.length > 0
    return totalErrors > 0 || leaked ? 1 : 0
  } finally {
    transcoder?.kill('SIGTERM')
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined)
  }
}

function print(r: any) {
  console.log(`\nsoak: ${r.users} virtual users, ${r.durationS} s`)
  console.log('action                        count  errors  p50 ms   p99 ms')
  for (const row of r.rows)
    console.log(
      `${row.action.padEnd(28)} ${String(row.count).padStart(6)}  ${String(row.errors).padStart(6)}  ${row.p50.toFixed(1).padStart(7)}  ${row.p99.toFixed(1).padStart(7)}` +
        (row.firstErrors.length ? `  (${row.firstErrors.join('; ')})` : ''),
    )
  console.log(
    `memory: workerd ${r.memory[0].workerdMiB} → ${r.memory.at(-1).workerdMiB} MiB (${r.workerdGrowthMiB >= 0 ? '+' : ''}${r.workerdGrowthMiB}), ` +
      `transcoder ${r.memory[0].transcoderMiB} → ${r.memory.at(-1).transcoderMiB} MiB (${r.transcoderGrowthMiB >= 0 ? '+' : ''}${r.transcoderGrowthMiB})`,
  )
  console.log(
    `leaks: workerd open files ${r.workerdOpenFiles.before} → ${r.workerdOpenFiles.after}; transcoder temp entries left: ${r.transcoderTempFilesLeft}`,
  )
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
