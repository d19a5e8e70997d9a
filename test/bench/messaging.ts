// Messaging benchmark: send→receive latency in a direct chat and a big group, and how many
// messages a second one conversation acknowledges. Starts its own stack and Worker (test profile).
//   npm run bench:messaging            full run
//   npm run bench:messaging -- --smoke quick check (< ~20 s)
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { MongoClient } from 'mongodb'
import WebSocket from 'ws'
import { startStack, type Stack } from '../../dev-services/stack'
import { ensureIndexes } from '../../worker/db/indexes'
import { testWorkerVars } from '../harness/global-setup'
import { openSocket, type TestSocket } from '../harness/ws'
import { createUsers, warmUp, type BenchUser } from './bench-setup'
import { api as benchApi } from './conference-client'
import { summarize } from './load'
import { sampleProcesses, startBenchWorker, type BenchWorker, type Via } from './workers'

const SMOKE = process.argv.includes('--smoke')
// --via miniflare: the bundle in Miniflare with no wrangler proxy in front (default: wrangler dev).
const VIA: Via = process.argv.includes('miniflare') ? 'miniflare' : 'wrangler'
const P = SMOKE
  ? { directMessages: 20, directRate: 9, groupSize: 20, groupMessages: 10, throughputMs: 2000 }
  : { directMessages: 200, directRate: 9, groupSize: 200, groupMessages: 50, throughputMs: 5000 }
// The room allows each sender a burst of 20, then 5 messages a second: a direct chat (2 senders)
// can sustain at most 10/s, so it is paced just under that instead of ~50/s.
const GROUP_RATE = 20 // per second, each message from a different member

type User = BenchUser

let baseUrl = ''
const OUT = path.join(import.meta.dirname, '../../test-artifacts/bench-messaging.json')
/** What the run measured, written as JSON for the benchmark report. */
const results: Record<string, unknown> = {}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const log = (line: string) => console.log(line)

const api = async (path: string, token: string, json?: unknown, expect = 200) =>
  (await benchApi(baseUrl, path, { method: 'POST', token, json }, expect)).body

/** A member socket, ready (sync.complete), with the harness's buffering listener removed. */
async function memberSocket(conversationId: string, user: User): Promise<WebSocket> {
  const { url } = await api(`/api/chat/conversations/${conversationId}/ticket`, user.token)
  const socket: TestSocket = await openSocket(`${baseUrl.replace('http', 'ws')}${url}`)
  await socket.next((m) => m.type === 'sync.complete', 10_000)
  socket.ws.removeAllListeners('message')
  return socket.ws
}

async function memberSockets(conversationId: string, members: User[]): Promise<WebSocket[]> {
  const sockets: WebSocket[] = new Array(members.length)
  let next = 0
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      while (next < members.length) {
        const i = next++
        sockets[i] = await memberSocket(conversationId, members[i]!)
      }
    }),
  )
  return sockets
}

const fmt = (ms: number) => `${ms.toFixed(1)} ms`
function summary(label: string, samples: number[], expected: number, key: string) {
  const s = summarize(samples)
  results[key] = { ...s, expected }
  log(
    `  ${label.padEnd(34)} p50 ${fmt(s.p50)}  p99 ${fmt(s.p99)}  max ${fmt(s.max)}  ` +
      `(${s.count}/${expected} samples)`,
  )
}

/**
 * Sends `count` messages paced at `rate`/s, message i from senders[i % senders.length], and
 * records send→message.new latency at every other member's socket.
 */
async function latencyRun(
  label: string,
  sockets: WebSocket[],
  members: User[],
  senderIndexes: number[],
  count: number,
  rate: number,
) {
  const tag = `${label}-${Date.now().toString(36)}`
  const sentAt = new Map<string, { at: number; from: string; got: number; last: number }>()
  const samples: number[] = []
  const errors: string[] = []
  let acks = 0
  sockets.forEach((ws, i) => {
    const me = members[i]!.id
    ws.on('message', (data) => {
      const now = performance.now()
      const m = JSON.parse(String(data))
      if (m.type === 'message.new') {
        const sent = sentAt.get(m.message.clientId)
        if (!sent || m.message.senderId === me) return
        samples.push(now - sent.at)
        sent.got++
        sent.last = now - sent.at
      } else if (m.type === 'ack' && m.rid?.startsWith('r')) acks++
      else if (m.type === 'error') errors.push(m.code)
    })
  })
  const start = performance.now()
  for (let i = 0; i < count; i++) {
    const wait = start + (i * 1000) / rate - performance.now()
    if (wait > 0) await sleep(wait)
    const s = senderIndexes[i % senderIndexes.length]!
    const clientId = `${tag}-${i}`
    sentAt.set(clientId, { at: performance.now(), from: members[s]!.id, got: 0, last: NaN })
    sockets[s]!.send(
      JSON.stringify({ type: 'message.send', rid: `r${i}`, text: `m ${i}`, clientId }),
    )
  }
  const expected = count * (sockets.length - 1)
  const deadline = performance.now() + 10_000
  while (samples.length < expected && performance.now() < deadline) await sleep(20)
  for (const ws of sockets) ws.removeAllListeners('message')
  log(
    `${label}: ${count} messages at ~${rate}/s from ${Math.min(senderIndexes.length, count)} ` +
      `sender(s), ${sockets.length - 1} receiver(s) each; ${acks} acked`,
  )
  summary('send → message.new (every receiver)', samples, expected, `${label}: every receiver`)
  if (sockets.length > 2)
    summary(
      'send → last receiver has it',
      [...sentAt.values()].filter((s) => s.got === sockets.length - 1).map((s) => s.last),
      count,
      `${label}: last receiver`,
    )
  if (errors.length) log(`  errors: ${countBy(errors)}`)
}

const countBy = (xs: string[]) =>
  Object.entries(xs.reduce<Record<string, number>>((a, x) => ((a[x] = (a[x] ?? 0) + 1), a), {}))
    .map(([k, n]) => `${k}×${n}`)
    .join(', ')

/**
 * Every member sends with `window` messages in flight (closed loop) for `durationMs`; acks are
 * counted per second. A RATE_LIMITED answer backs that sender off for 200 ms (one token at 5/s).
 */
async function throughputRun(sockets: WebSocket[], durationMs: number, window = 2) {
  const perSecond: number[] = []
  const errors: string[] = []
  let acked = 0
  let sent = 0
  const start = performance.now()
  let running = true
  const senders = sockets.map((ws, s) => {
    let n = 0
    const send = () => {
      if (!running) return
      sent++
      ws.send(JSON.stringify({ type: 'message.send', rid: `t${s}-${n}`, text: `t ${s} ${n++}` }))
    }
    ws.on('message', (data) => {
      const text = String(data)
      // Broadcasts to this member dominate the traffic: skip parsing them.
      if (text.startsWith('{"type":"message.new"')) return
      const m = JSON.parse(text)
      if (m.type === 'ack' && m.rid?.startsWith('t')) {
        acked++
        const second = Math.floor((performance.now() - start) / 1000)
        perSecond[second] = (perSecond[second] ?? 0) + 1
        send()
      } else if (m.type === 'error') {
        errors.push(m.code)
        if (m.code === 'RATE_LIMITED') setTimeout(send, 200)
        else send()
      }
    })
    return () => {
      for (let k = 0; k < window; k++) send()
    }
  })
  const cpu = await cpuTimes()
  senders.forEach((go) => go())
  await sleep(durationMs)
  const cpuUse = await cpuTimes(cpu, durationMs)
  running = false
  const elapsed = (performance.now() - start) / 1000
  await sleep(500)
  for (const ws of sockets) ws.removeAllListeners('message')
  const seconds = perSecond.slice(0, Math.floor(durationMs / 1000)).map((n) => n ?? 0)
  const steady = seconds.length > 2 ? seconds.slice(1) : seconds
  log(
    `throughput: ${sockets.length} senders in one ${sockets.length}-member group, ${window} in ` +
      `flight each, ${(durationMs / 1000).toFixed(0)} s`,
  )
  log(`  acks per second: ${seconds.join(', ')}`)
  log(
    `  sustained ${(steady.reduce((a, b) => a + b, 0) / steady.length).toFixed(0)} msg/s` +
      `${steady !== seconds ? ' (seconds 2+, past warm-up and the senders’ bursts of 20)' : ''}; ` +
      `overall ${(acked / elapsed).toFixed(0)} msg/s; ${sent} sends, ${acked} acked`,
  )
  results.throughput = {
    members: sockets.length,
    sustainedPerSecond: steady.reduce((a, b) => a + b, 0) / steady.length,
    overallPerSecond: acked / elapsed,
    sent,
    acked,
    perSenderCeiling: sockets.length * 5,
  }
  log(`  rejected: ${errors.length ? countBy(errors) : 'none'}`)
  log(`  CPU during the run (1 core = 100%): ${cpuUse}`)
  log(
    `  ceiling from the per-sender limit alone: ${sockets.length} × 5/s = ${sockets.length * 5}/s`,
  )
}

async function main() {
  const t0 = performance.now()
  let stack: Stack | undefined
  let worker: BenchWorker | undefined
  let client: MongoClient | undefined
  const opened: WebSocket[] = []
  try {
    const cpu = os.cpus()[0]?.model ?? 'unknown cpu'
    log(`machine: ${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`)
    log(`         node ${process.version}, ${os.platform()} ${os.release()}`)
    log(`mode: ${SMOKE ? 'smoke' : 'full'}, Worker via ${VIA}\n`)

    stack = await startStack({ profile: 'test', env: process.env })
    const vars = testWorkerVars(stack.env)
    client = await new MongoClient(vars.MONGODB_URI!).connect()
    const db = client.db(vars.MONGODB_DB)
    await ensureIndexes(db)
    worker = await startBenchWorker(VIA, vars)
    baseUrl = worker.url
    await warmUp(baseUrl)
    const users = await createUsers(db, vars, P.groupSize)
    log(
      `setup: stack + worker + ${users.length} users in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
    )

    // 1. Direct conversation: both members send in turn.
    const [a, b] = users as [User, User]
    const direct = (await api('/api/chat/conversations/direct', a.token, { userId: b.id }))
      .conversation.id
    const directSockets = await memberSockets(direct, [a, b])
    opened.push(...directSockets)
    await latencyRun(
      'direct (2 members)',
      directSockets,
      [a, b],
      [0, 1],
      P.directMessages,
      P.directRate,
    )
    log('')

    // 2. Group: every message from a different member; latency at all other members.
    const owner = users[0]!
    const group = (
      await api(
        '/api/chat/conversations/group',
        owner.token,
        { name: 'bench', memberIds: users.slice(1).map((u) => u.id) },
        201,
      )
    ).conversation.id
    const tSockets = performance.now()
    const groupSockets = await memberSockets(group, users)
    opened.push(...groupSockets)
    log(
      `group: ${users.length} sockets ready in ${((performance.now() - tSockets) / 1000).toFixed(1)} s`,
    )
    const senders = users.map((_, i) => i)
    await latencyRun(
      `group (${users.length} members)`,
      groupSockets,
      users,
      senders,
      P.groupMessages,
      GROUP_RATE,
    )
    log('')

    // 3. Throughput: every member of the group sends at once.
    await sleep(1000) // let the previous run's flush alarm pass
    await throughputRun(groupSockets, P.throughputMs)
    log(`\ntotal ${((performance.now() - t0) / 1000).toFixed(1)} s`)
    await mkdir(path.dirname(OUT), { recursive: true })
    await writeFile(OUT, JSON.stringify({ smoke: SMOKE, via: VIA, ...results }, null, 2) + '\n')
  } finally {
    for (const ws of opened) ws.terminate()
    await client?.close()
    await worker?.dispose()
    await stack?.stop()
  }
}

/** CPU seconds used so far by this process and the workerd processes it started; with `before`,
 * each one's share of a core over `ms`. */
async function cpuTimes(): Promise<Map<number, { role: string; s: number }>>
async function cpuTimes(
  before: Map<number, { role: string; s: number }>,
  ms: number,
): Promise<string>
async function cpuTimes(before?: Map<number, { role: string; s: number }>, ms = 0): Promise<any> {
  const now = new Map<number, { role: string; s: number }>()
  for (const p of await sampleProcesses(baseUrl)) {
    const stat = await readFile(`/proc/${p.pid}/stat`, 'utf8').catch(() => '')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    now.set(p.pid, { role: p.role, s: (Number(f[11]) + Number(f[12])) / 100 })
  }
  if (!before) return now
  return [...now]
    .map(
      ([pid, { role, s }]) =>
        `${role} ${Math.round(((s - (before.get(pid)?.s ?? 0)) * 1e5) / ms)}%`,
    )
    .join(', ')
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  },
)
