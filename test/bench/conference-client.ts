// Plain fetch + ws clients for the conference benchmark (no vitest): REST calls for the host's setup
// and the audience's join, and room sockets that track only what the benchmark measures.
import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import WebSocket from 'ws'

export interface ApiResponse {
  status: number
  body: any
}

/** JSON over HTTP to the Worker; throws unless the status is the expected one. */
export async function api(
  base: string,
  path: string,
  init: { method?: string; json?: unknown; token?: string; headers?: Record<string, string> } = {},
  expect = 200,
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...init.headers }
  if (init.json !== undefined) headers['content-type'] = 'application/json'
  if (init.token) headers.authorization = `Bearer ${init.token}`
  const res = await fetch(`${base}${path}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
    signal: AbortSignal.timeout(30_000),
  }).catch((error: Error & { cause?: { code?: string; message?: string } }) => {
    const cause = error.cause ? ` (${error.cause.code ?? error.cause.message})` : ''
    throw new Error(`${init.method ?? 'GET'} ${path}: ${error.message}${cause}`)
  })
  const text = await res.text()
  let body: unknown = text
  try {
    body = text ? JSON.parse(text) : undefined
  } catch {
    // Not JSON: keep the text for the error message.
  }
  if (res.status !== expect)
    throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${text.slice(0, 300)}`)
  return { status: res.status, body }
}

export interface BenchConference {
  hostToken: string
  id: string
  code: string
  questionId: string
  optionIds: string[]
}

/**
 * Registers a host, creates a conference with one single-choice question and starts it. With
 * `expectedAudience`, the conference says how many it expects, which sizes its audience shards.
 */
export async function setUpConference(
  base: string,
  options: string[],
  expectedAudience?: number,
): Promise<BenchConference> {
  const ip = `10.${rnd()}.${rnd()}.${rnd()}`
  const host = await api(
    base,
    '/api/host/auth/register',
    {
      method: 'POST',
      json: {
        email: `bench-${randomBytes(6).toString('hex')}@example.test`,
        password: 'correct horse battery',
        name: 'Bench Host',
      },
      headers: { 'cf-connecting-ip': ip },
    },
    201,
  )
  const hostToken: string = host.body.accessToken
  const created = await api(
    base,
    '/api/conference',
    {
      method: 'POST',
      token: hostToken,
      json: { title: 'Benchmark', speakers: [], ...(expectedAudience ? { expectedAudience } : {}) },
    },
    201,
  )
  const id: string = created.body.conference.id
  const question = await api(
    base,
    `/api/conference/${id}/questions`,
    { method: 'POST', token: hostToken, json: { text: 'Which one?', options } },
    201,
  )
  await api(base, `/api/conference/${id}`, {
    method: 'PUT',
    token: hostToken,
    json: { status: 'ACTIVE' },
  })
  return {
    hostToken,
    id,
    code: created.body.conference.publicCode,
    questionId: question.body.question.id,
    optionIds: question.body.question.options.map((o: { id: string }) => o.id),
  }
}

export const roomUrl = (base: string, id: string, ticket: string) =>
  `${base.replace(/^http/, 'ws')}/api/realtime/conference/${id}?ticket=${encodeURIComponent(ticket)}`

export interface Received {
  at: number
  message: any
}

/**
 * A room socket. Audience sockets parse only what the benchmark needs (the snapshot, question.live,
 * acks and errors) and merely count the rest (room.stats every tick); `keepAll` parses and keeps
 * everything with its arrival time (the host).
 */
export class RoomSocket {
  readonly ws: WebSocket
  received = 0
  /** performance.now() when question.live arrived. */
  liveAt: number | undefined
  /** performance.now() of each room.stats frame (the audience's count ticks). */
  readonly statsAt: number[] = []
  /** Set when the socket closed or failed while the benchmark still needed it. */
  failure: string | undefined
  readonly kept: Received[] = []
  private readonly pending = new Map<
    string,
    { resolve: (m: any) => void; reject: (e: Error) => void }
  >()
  private readonly waiters: { predicate: (m: any) => boolean; resolve: (r: Received) => void }[] =
    []
  private closing = false

  private constructor(
    url: string,
    private readonly keepAll: boolean,
  ) {
    this.ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 30_000 })
    this.ws.on('message', (data, isBinary) => this.onMessage(String(data), isBinary))
    this.ws.on('close', (code, reason) => {
      if (!this.closing) this.fail(`closed ${code} ${String(reason)}`)
    })
    this.ws.on('error', (error) => this.fail(`socket error: ${error.message}`))
  }

  /** Opens a socket and resolves once the room's conference.snapshot arrived. */
  static open(url: string, opts: { keepAll?: boolean; timeoutMs?: number } = {}) {
    const socket = new RoomSocket(url, opts.keepAll ?? false)
    return socket
      .waitFor((m) => m.type === 'conference.snapshot', opts.timeoutMs ?? 30_000)
      .then(
        () => socket,
        (error: Error) => {
          socket.terminate()
          throw error
        },
      )
  }

  private onMessage(text: string, isBinary: boolean) {
    this.received++
    const at = performance.now()
    // room.stats is the bulk of the audience's traffic (every tick); don't parse it unless asked.
    if (!isBinary && text.startsWith('{"type":"room.stats"')) {
      this.statsAt.push(at)
      if (!this.keepAll) return
    }
    let message: any
    try {
      message = JSON.parse(text)
    } catch {
      return this.fail(`unparseable frame: ${text.slice(0, 100)}`)
    }
    if (this.keepAll) this.kept.push({ at, message })
    if (message.type === 'question.live' && this.liveAt === undefined) this.liveAt = at
    if (
      (message.type === 'ack' || message.type === 'pong' || message.type === 'error') &&
      message.rid
    ) {
      const waiting = this.pending.get(message.rid)
      if (waiting) {
        this.pending.delete(message.rid)
        if (message.type !== 'error') waiting.resolve(message)
        else waiting.reject(new Error(`${message.code}: ${message.message}`))
      }
    }
    for (const w of [...this.waiters]) {
      if (w.predicate(message)) {
        this.waiters.splice(this.waiters.indexOf(w), 1)
        w.resolve({ at, message })
      }
    }
  }

  private fail(why: string) {
    this.failure ??= why
    const error = new Error(why)
    for (const p of this.pending.values()) p.reject(error)
    this.pending.clear()
  }

  /** Sends a request with a fresh rid; settles on its ack or error. */
  request(message: Record<string, unknown>, rid: string): Promise<any> {
    if (this.failure) return Promise.reject(new Error(this.failure))
    return new Promise((resolve, reject) => {
      this.pending.set(rid, { resolve, reject })
      this.ws.send(JSON.stringify({ ...message, rid }))
    })
  }

  /** The first message (already kept or future) matching `predicate`, with its arrival time. */
  waitFor(predicate: (m: any) => boolean, timeoutMs: number): Promise<Received> {
    const seen = this.kept.find((r) => predicate(r.message))
    if (seen) return Promise.resolve(seen)
    return new Promise((resolve, reject) => {
      const waiter = {
        predicate,
        resolve: (r: Received) => {
          clearTimeout(timer)
          resolve(r)
        },
      }
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1)
        reject(
          new Error(`timed out after ${timeoutMs} ms${this.failure ? ` (${this.failure})` : ''}`),
        )
      }, timeoutMs)
      this.waiters.push(waiter)
    })
  }

  /** Closes politely, and forcibly when the close handshake takes longer than `graceMs`. */
  close(graceMs = 5000): Promise<void> {
    this.closing = true
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.ws.terminate()
        resolve()
      }, graceMs)
      this.ws.once('close', () => {
        clearTimeout(timer)
        resolve()
      })
      if (this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate()
      else this.ws.close(1000)
    })
  }

  terminate() {
    this.closing = true
    this.ws.terminate()
  }
}

const rnd = () => Math.floor(Math.random() * 254) + 1
