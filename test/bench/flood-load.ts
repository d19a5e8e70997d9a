// The two loads of the flood benchmark, each on a thread of its own: another user's REST requests,
// timestamped (the main thread also serves the dev stand-ins, whose garbage collections would pause
// the timestamps), and one socket flooding a room at a fixed rate. A thread has its own V8 heap and
// event loop, so neither load's work lands in the other's measurements.
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import WebSocket from 'ws'

/** Another user's reads: GET `path` every `intervalMs` for `durationMs` (open loop). */
export interface RestLoad {
  kind: 'rest'
  url: string
  path: string
  token: string
  intervalMs: number
  durationMs: number
}

/**
 * One socket at a time sending `frame` at `perSecond` for `durationMs`. When the room closes it,
 * the next of `socketUrls` (tickets minted beforehand) takes over at once, after `joinFrame` when the
 * room needs one, as a client that reconnects would. `peerUrl`: a second member, joined with
 * `joinFrame`, that counts the frames relayed to it.
 */
export interface FloodLoad {
  kind: 'flood'
  socketUrls: string[]
  frame: Record<string, unknown>
  joinFrame?: Record<string, unknown>
  peerUrl?: string
  relayedType?: string
  perSecond: number
  durationMs: number
}

export interface RestResult {
  /** Each request's latency, ms, in the order sent. */
  latenciesMs: number[]
  failures: number
}

export interface FloodResult {
  sent: number
  /** Frames the room answered (ack or an error of its own). */
  answered: number
  /** The budget's RATE_LIMITED warnings. */
  warnings: number
  /** Sockets the room closed while they were flooding. */
  closedByRoom: number
  connections: number
  /** Frames due while no socket was open (reconnecting, or out of tickets). */
  skipped: number
  /** Upgrades refused while reconnecting (a ticket the Worker would not take). */
  refusedUpgrades: number
  /** Frames the peer received of `relayedType`. */
  relayed: number
}

export type Load = RestLoad | FloodLoad

/** A load on its thread: `ready` once it booted and connected, `run` to start it. */
export interface ThreadedLoad<Result> {
  ready: Promise<void>
  run(): Promise<Result>
}

type FromThread = { ready: true } | { result: RestResult | FloodResult } | { failure: string }

/**
 * Starts `load` on a new thread. Booting it (tsx compiles this file again there) and opening its
 * sockets happen before `run`, outside the window the loads are measured in.
 */
export function startOnThread(load: RestLoad): ThreadedLoad<RestResult>
export function startOnThread(load: FloodLoad): ThreadedLoad<FloodResult>
export function startOnThread(load: Load): ThreadedLoad<RestResult | FloodResult> {
  // The thread runs this TypeScript file: it registers tsx's loader first, as the main thread has it.
  const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
    .then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}) })`
  const thread = new Worker(boot, { eval: true, workerData: load })
  let readyNow!: () => void
  let resultNow!: (result: RestResult | FloodResult) => void
  let fail!: (error: Error) => void
  const ready = new Promise<void>((resolve) => (readyNow = resolve))
  const result = new Promise<RestResult | FloodResult>((resolve, reject) => {
    resultNow = resolve
    fail = reject
  })
  thread.on('message', (message: FromThread) => {
    if ('ready' in message) readyNow()
    else if ('result' in message) resultNow(message.result)
    else fail(new Error(message.failure))
  })
  thread.once('error', fail)
  thread.once('exit', (code) => fail(new Error(`the ${load.kind} thread exited (${code})`)))
  return {
    ready: Promise.race([ready, result.then(() => undefined)]),
    run() {
      thread.postMessage('go')
      return result
    },
  }
}

async function rest(load: RestLoad, go: Promise<void>): Promise<RestResult> {
  const get = () =>
    fetch(`${load.url}${load.path}`, { headers: { authorization: `Bearer ${load.token}` } })
  // One read before the window: this thread's connection to the Worker is open when it starts.
  await (await get()).arrayBuffer()
  parentPort!.postMessage({ ready: true })
  await go
  const latenciesMs: number[] = []
  let failures = 0
  const pending: Promise<void>[] = []
  const start = performance.now()
  for (let i = 0; performance.now() - start < load.durationMs; i++) {
    const due = start + i * load.intervalMs
    if (due > performance.now()) await sleep(due - performance.now())
    const sentAt = performance.now()
    pending.push(
      get()
        .then(async (res) => {
          await res.arrayBuffer()
          if (res.status !== 200) failures++
          else latenciesMs[i] = performance.now() - sentAt
        })
        .catch(() => void failures++),
    )
  }
  await Promise.all(pending)
  return { latenciesMs: latenciesMs.filter((ms) => ms !== undefined), failures }
}

const OVER_BUDGET = '"code":"RATE_LIMITED","message":"This connection is sending too fast'

async function flood(load: FloodLoad, go: Promise<void>): Promise<FloodResult> {
  const result: FloodResult = {
    sent: 0,
    answered: 0,
    warnings: 0,
    closedByRoom: 0,
    connections: 0,
    skipped: 0,
    refusedUpgrades: 0,
    relayed: 0,
  }
  const peer = load.peerUrl ? await open(load.peerUrl) : undefined
  if (peer && load.joinFrame) await joined(peer, load.joinFrame)
  const relayedPrefix = `{"type":${JSON.stringify(load.relayedType)}`
  peer?.on('message', (data) => {
    if (String(data).startsWith(relayedPrefix)) result.relayed++
  })
  let tickets = 0
  let socket: WebSocket | undefined
  let connecting: Promise<void> | undefined
  const connect = async () => {
    const url = load.socketUrls[tickets++]
    if (!url) return
    const ws = await open(url)
    if (load.joinFrame) await joined(ws, load.joinFrame)
    result.connections++
    ws.on('message', (data) => {
      const text = String(data)
      if (text.includes(OVER_BUDGET)) result.warnings++
      else if (text.includes('"rid":"f')) result.answered++
    })
    socket = ws
  }
  await connect()
  parentPort!.postMessage({ ready: true })
  await go
  const head = JSON.stringify(load.frame).slice(0, -1)
  const start = performance.now()
  let due = 0
  while (performance.now() - start < load.durationMs) {
    const nowDue = Math.floor(((performance.now() - start) * load.perSecond) / 1000)
    // A socket leaves OPEN when the room's close frame arrives (ws answers it at once).
    if (socket && socket.readyState !== WebSocket.OPEN) {
      result.closedByRoom++
      socket = undefined
    }
    if (socket) {
      for (; due < nowDue; due++) socket.send(`${head},"rid":"f${result.sent++}"}`)
    } else {
      result.skipped += nowDue - due
      due = nowDue
      connecting ??= connect()
        .catch(() => void result.refusedUpgrades++)
        .finally(() => (connecting = undefined))
    }
    // About a millisecond between batches: the thread sleeps instead of spinning a core.
    await sleep(1)
  }
  // Answers to the last frames, then done.
  await sleep(500)
  socket?.terminate()
  peer?.terminate()
  return result
}

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    // Uncompressed, as the conference bench's clients: deflating every frame would make the load
    // generator, on the same two cores, the flood's biggest cost.
    const ws = new WebSocket(url, { perMessageDeflate: false })
    ws.once('open', () => resolve(ws))
    // Before the open: a refused upgrade. After it: a reset, which also leaves OPEN (counted there).
    ws.on('error', reject)
  })
}

/** Sends `joinFrame` and waits for its ack. */
function joined(ws: WebSocket, joinFrame: Record<string, unknown>): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      if (!String(data).includes('"rid":"join"')) return
      ws.off('message', onMessage)
      resolve()
    }
    ws.on('message', onMessage)
    ws.send(JSON.stringify({ ...joinFrame, rid: 'join' }))
  })
}

async function threadMain() {
  const load = workerData as Load
  const go = new Promise<void>((resolve) => parentPort!.once('message', () => resolve()))
  try {
    const result = load.kind === 'rest' ? await rest(load, go) : await flood(load, go)
    parentPort!.postMessage({ result })
  } catch (error) {
    parentPort!.postMessage({ failure: error instanceof Error ? error.message : String(error) })
  }
  // Sockets left open must not keep the thread alive.
  process.exit(0)
}

if (!isMainThread) void threadMain()
