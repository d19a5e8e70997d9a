// The live conference room from the browser: one WebSocket that reconnects by itself (a fresh
// ticket each time, `since` = the last event seq seen, so the room replays what was missed or sends
// a snapshot), rid-based requests answered by `ack`/`error`, and a keep-alive ping. Below it, the
// few helpers the three pages share: DOM building, JSON fetch and the results chart. Checked by
// `npm run typecheck` (tsconfig.pages.json) against the room's protocol in shared/conference.ts.

/**
 * @typedef {import('../../shared/conference').ConferenceServerMessage} ConferenceServerMessage
 * @typedef {import('../../shared/conference').ConferenceRoomEvent} ConferenceRoomEvent
 * @typedef {import('../../shared/conference').ConferenceRequest} ConferenceRequest
 */

const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000]
const REQUEST_TIMEOUT_MS = 10_000
const PING_EVERY_MS = 25_000
const PONG_WITHIN_MS = 10_000
/**
 * Close codes the server ends an identity's access with (shared/realtime.ts CLOSE_CODES).
 * @type {Record<number, string>}
 */
const FINAL_CLOSES = {
  4401: 'Your session has ended — sign in again',
  4403: 'Your access to this room was withdrawn',
  4410: 'The conference has ended',
}

class RoomError extends Error {
  constructor(code, message) {
    super(message)
    this.name = 'RoomError'
    this.code = code
  }
}

export class RoomClient {
  /**
   * @param {object} opts
   * @param {string} opts.conferenceId
   * @param {() => Promise<string>} opts.getTicket a fresh socket ticket; throw an error with
   *   `fatal: true` to stop reconnecting (signed out, conference gone)
   * @param {(event: ConferenceRoomEvent) => void} opts.onEvent room events, each once, in seq
   *   order (snapshots and counts too)
   * @param {(state: 'connecting' | 'open' | 'reconnecting' | 'failed', error?: Error) => void} [opts.onState]
   * @param {(error: RoomError) => void} [opts.onError] error frames that answer no request
   */
  constructor({ conferenceId, getTicket, onEvent, onState = () => {}, onError = () => {} }) {
    this.conferenceId = conferenceId
    this.getTicket = getTicket
    this.onEvent = onEvent
    this.onState = onState
    this.onError = onError
    /** @type {WebSocket | null} */
    this.socket = null
    /** The seq of the last room event applied; sent as `since` when reconnecting. */
    this.lastSeq = null
    this.identity = null
    this.pending = new Map()
    this.attempt = 0
    this.nextRid = 0
    this.stopped = false
    this.connecting = false
    this.retryTimer = undefined
    this.pingTimer = undefined
    this.deadTimer = undefined
    this.wake = () => {
      if (!this.socket && !this.stopped && document.visibilityState === 'visible') this.connect()
    }
  }

  start() {
    // Tests (and only tests) set this flag before the page loads, to reach the socket.
    const hooks = /** @type {{ __ROOM_TEST_HOOKS__?: boolean, __room?: RoomClient }} */ (window)
    if (hooks.__ROOM_TEST_HOOKS__) hooks.__room = this
    window.addEventListener('online', this.wake)
    document.addEventListener('visibilitychange', this.wake)
    this.connect()
    return this
  }

  stop() {
    this.stopped = true
    clearTimeout(this.retryTimer)
    this.stopPing()
    window.removeEventListener('online', this.wake)
    document.removeEventListener('visibilitychange', this.wake)
    const ws = this.socket
    this.socket = null
    ws?.close(1000, 'bye')
    this.failPending('The connection was closed')
  }

  async connect() {
    clearTimeout(this.retryTimer)
    if (this.stopped || this.connecting) return
    this.connecting = true
    this.onState(this.attempt === 0 && this.lastSeq === null ? 'connecting' : 'reconnecting')
    let ticket
    try {
      ticket = await this.getTicket()
    } catch (error) {
      if (error?.fatal) {
        this.stop()
        this.onState('failed', error)
      } else this.retry(error)
      return
    } finally {
      this.connecting = false
    }
    if (this.stopped) return
    const url = new URL(
      `/api/realtime/conference/${encodeURIComponent(this.conferenceId)}`,
      location.href,
    )
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
    url.searchParams.set('ticket', ticket)
    if (this.lastSeq !== null) url.searchParams.set('since', String(this.lastSeq))
    const ws = new WebSocket(url)
    this.socket = ws
    ws.onmessage = (e) => this.socket === ws && this.receive(ws, e.data)
    ws.onclose = (event) => {
      if (this.socket !== ws) return
      this.socket = null
      this.stopPing()
      const final = FINAL_CLOSES[event.code]
      if (final) {
        // The server ended this identity's access (signed out, removed, conference over):
        // reconnecting with it would only be refused.
        this.failPending(final)
        this.stop()
        return this.onState('failed', Object.assign(new Error(final), { code: event.code }))
      }
      this.failPending('The connection dropped — try again in a moment')
      this.retry()
    }
  }

  retry(error) {
    if (this.stopped) return
    const base = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)]
    this.attempt += 1
    this.onState('reconnecting', error)
    this.retryTimer = setTimeout(() => this.connect(), base * (0.75 + Math.random() * 0.5))
  }

  /**
   * Sends a client message with a fresh rid; resolves with its `ack`, rejects with its `error`.
   * @template {ConferenceRequest['type']} T
   * @param {ConferenceRequest & { type: T }} message
   * @returns {Promise<import('../../shared/conference').ConferenceAckMessage<T>>}
   */
  request(message) {
    const ws = this.socket
    if (!ws || ws.readyState !== WebSocket.OPEN)
      return Promise.reject(new RoomError('OFFLINE', 'Not connected — reconnecting…'))
    const rid = `r${++this.nextRid}`
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(rid)
        reject(new RoomError('TIMEOUT', 'No answer from the room — try again'))
      }, REQUEST_TIMEOUT_MS)
      this.pending.set(rid, { resolve, reject, timer })
      ws.send(JSON.stringify({ ...message, rid }))
    })
  }

  receive(ws, data) {
    /** @type {ConferenceServerMessage} */
    let msg
    try {
      msg = JSON.parse(data)
    } catch {
      return
    }
    clearTimeout(this.deadTimer)
    if (msg.type === 'ack' || msg.type === 'error') {
      const waiter = msg.rid ? this.pending.get(msg.rid) : undefined
      if (waiter) {
        this.pending.delete(msg.rid)
        clearTimeout(waiter.timer)
        if (msg.type === 'ack') waiter.resolve(msg)
        else waiter.reject(new RoomError(msg.code, msg.message))
      } else if (msg.type === 'error') this.onError(new RoomError(msg.code, msg.message))
      return
    }
    if (msg.type === 'pong') return
    if (msg.type === 'welcome') {
      this.identity = msg.identity
      this.attempt = 0
      this.startPing(ws)
      this.onState('open')
      return
    }
    if ('seq' in msg && typeof msg.seq === 'number') {
      // Replays can overlap what was already applied; a snapshot always replaces the state.
      if (msg.type !== 'conference.snapshot' && this.lastSeq !== null && msg.seq <= this.lastSeq)
        return
      this.lastSeq = msg.seq
    }
    this.onEvent(msg)
  }

  startPing(ws) {
    this.stopPing()
    this.pingTimer = setInterval(() => {
      if (ws.readyState !== WebSocket.OPEN) return
      ws.send(JSON.stringify({ type: 'ping' }))
      // No frame at all within the window: the connection is dead even if not yet closed.
      this.deadTimer = setTimeout(() => ws.close(4000, 'no pong'), PONG_WITHIN_MS)
    }, PING_EVERY_MS)
  }

  stopPing() {
    clearInterval(this.pingTimer)
    clearTimeout(this.deadTimer)
  }

  failPending(message) {
    for (const { reject, timer } of this.pending.values()) {
      clearTimeout(timer)
      reject(new RoomError('OFFLINE', message))
    }
    this.pending.clear()
  }
}

// ---- Page helpers ------------------------------------------------------------------------------

export const $ = (selector, root = document) => root.querySelector(selector)

/** Builds an element; children are nodes or strings (always inserted as text, never as HTML). */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag)
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value)
    else if (key === 'class') node.className = value
    else if (key === 'dataset') Object.assign(node.dataset, value)
    else if (key in node && typeof value !== 'string') node[key] = value
    else node.setAttribute(key, value === true ? '' : String(value))
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false))
  return node
}

class ApiError extends Error {
  constructor(status, code, message) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
  }
}

/**
 * JSON request to the API; failures become an ApiError with the server's message.
 * @param {string} path
 * @param {{ method?: string, json?: unknown, token?: string | null }} [opts]
 */
export async function api(path, { method = 'GET', json, token } = {}) {
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' }
  if (json !== undefined) headers['content-type'] = 'application/json'
  if (token) headers.authorization = `Bearer ${token}`
  let res
  try {
    res = await fetch(path, {
      method,
      headers,
      body: json === undefined ? undefined : JSON.stringify(json),
    })
  } catch {
    throw new ApiError(0, 'NETWORK', 'Cannot reach the server — check your connection')
  }
  const body = await res.json().catch(() => null)
  if (!res.ok) {
    const detail = body?.details?.[0]
    const message =
      (body?.message ?? `Request failed (${res.status})`) +
      (detail ? ` — ${detail.path ? `${detail.path}: ` : ''}${detail.message}` : '')
    throw new ApiError(res.status, body?.code ?? `HTTP_${res.status}`, message)
  }
  return body
}

export const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`

/**
 * Shows horizontal results bars for a question in `container`: one row per option with its count
 * and share of the responses, options in `mine` marked as the viewer's own. A chart already there
 * for the same question is updated in place, so the bars animate and nothing else is rebuilt.
 */
export function showResults(container, question, results, { mine = [] } = {}) {
  let chart = container.firstElementChild
  if (!chart?.classList.contains('chart') || chart.dataset.question !== question.id) {
    chart = el(
      'div',
      { class: 'chart', dataset: { question: question.id } },
      question.options.map((option) =>
        el(
          'div',
          { class: 'bar', dataset: { option: option.id } },
          el(
            'div',
            { class: 'bar-head' },
            el('span', { class: 'bar-label' }, option.text),
            el('span', { class: 'bar-count' }),
          ),
          el('div', { class: 'bar-track' }, el('div', { class: 'bar-fill' })),
        ),
      ),
      el('p', { class: 'chart-total' }),
    )
    container.replaceChildren(chart)
  }
  const total = results?.totalResponses ?? 0
  const counts = results?.counts ?? {}
  const top = Math.max(0, ...question.options.map((o) => counts[o.id] ?? 0))
  for (const bar of chart.querySelectorAll('.bar')) {
    const count = counts[bar.dataset.option] ?? 0
    const share = total ? Math.round((count / total) * 100) : 0
    bar.classList.toggle('mine', mine.includes(bar.dataset.option))
    bar.classList.toggle('top', count > 0 && count === top)
    bar.querySelector('.bar-count').textContent = `${count} · ${share}%`
    bar.querySelector('.bar-fill').style.width = `${share}%`
  }
  chart.querySelector('.chart-total').textContent = plural(total, 'vote')
}
