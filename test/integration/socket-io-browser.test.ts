// The official Socket.IO client bundle (socket.io-client's dist/socket.io.min.js) in real Chromium
// against the Worker under test, as an old web app runs it: a page on an app origin of its own
// (http://app.test, one of the harness's CORS_ORIGINS; served by the test, not the Worker) joins a
// conference by code over REST, connects to /socket.io/ with the participant token in auth.token,
// receives `welcome` and the live question, votes with emitWithAck, and the host counts it exactly.
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../harness/chromium'
import { createConference, staffSocket } from '../harness/conference'
import { api, workerUrl } from '../harness/http'

// The client's default transport options: HTTP long-polling first, then the upgrade to WebSocket,
// cross-origin, so the Worker's CORS for CORS_ORIGINS is exercised as a browser does it.
const TRANSPORT_OPTIONS: { transports?: string[] } = {}

/** The app's origin: in the harness's CORS_ORIGINS, and routed by the test (no DNS, no network). */
const APP_ORIGIN = 'http://app.test'
// The package's exports do not name its dist files: read the bundle from the installed package.
const BUNDLE_PATH = fileURLToPath(
  new URL('../../node_modules/socket.io-client/dist/socket.io.min.js', import.meta.url),
)

declare global {
  interface Window {
    /** The UMD bundle's global. */
    io: typeof import('socket.io-client').io
    /** What the page's socket received, in order, with the socket itself. */
    __sio: { socket: import('socket.io-client').Socket; events: [string, unknown][] }
  }
}

let browser: Browser
let context: BrowserContext
const pageErrors: string[] = []

beforeAll(async () => {
  browser = await launchChromium([
    // The app's origin is public to Chromium (routed, no address) and the Worker under test listens
    // on loopback, so Chromium's local network checks (Private Network Access before them) refuse
    // the page's requests; deployed, the app and the API are both public and they do not apply.
    '--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests',
  ])
  context = await browser.newContext()
  const bundle = await readFile(BUNDLE_PATH, 'utf8')
  // The app: an empty page that loads the bundle by a <script> tag, as the old web apps did.
  await context.route(`${APP_ORIGIN}/**`, (route) => {
    const { pathname } = new URL(route.request().url())
    return pathname === '/socket.io.min.js'
      ? route.fulfill({ contentType: 'text/javascript', body: bundle })
      : route.fulfill({
          contentType: 'text/html',
          body: '<!doctype html><title>Old app</title><script src="/socket.io.min.js"></script>',
        })
  })
  context.on('page', (page) => {
    page.on('pageerror', (e) => pageErrors.push(e.message))
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text())
    })
  })
})

afterAll(async () => {
  await context?.close()
  await browser?.close()
})

/** In the page: joins by code over REST (cross-origin), then connects with the participant token. */
async function connectFromPage(page: Page, conf: { id: string; code: string }) {
  return page.evaluate(
    async ({ url, conf, transport }) => {
      const joined = await fetch(`${url}/api/conference/by-code/${conf.code}/join`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Browser' }),
      })
      if (!joined.ok) throw new Error(`join: ${joined.status} ${await joined.text()}`)
      const { participantToken } = (await joined.json()) as { participantToken: string }
      const socket = window.io(url, {
        ...transport,
        query: { room: `conference:${conf.id}` },
        auth: { token: participantToken },
        reconnection: false,
      })
      const events: [string, unknown][] = []
      socket.onAny((event: string, payload: unknown) => events.push([event, payload]))
      window.__sio = { socket, events }
      return new Promise<unknown>((resolve, reject) => {
        socket.once('welcome', resolve)
        socket.once('connect_error', (error) => reject(new Error(error.message)))
      })
    },
    { url: workerUrl(), conf: { id: conf.id, code: conf.code }, transport: TRANSPORT_OPTIONS },
  )
}

const eventsOf = (page: Page, name: string) =>
  page.evaluate(
    (name) => window.__sio.events.filter(([event]) => event === name).map(([, p]) => p),
    name,
  )

describe('the Socket.IO client bundle in chromium', () => {
  it('joins a conference from another origin, votes with an ack, and the host counts it exactly', async () => {
    const conf = await createConference([
      { text: 'Which transport?', options: ['Polling', 'WebSocket', 'Both'] },
    ])
    const q = conf.questions[0]!
    const host = await staffSocket(conf.id, conf.host.accessToken)
    const page = await context.newPage()
    await page.goto(`${APP_ORIGIN}/`)
    expect(await page.evaluate(() => typeof window.io)).toBe('function')

    // What the browser refused (CORS, mixed content) is in the console, not in the error itself.
    const welcome = await connectFromPage(page, conf).catch((error: Error) => {
      throw new Error(`${error.message}; the page said: ${pageErrors.join(' | ') || 'nothing'}`)
    })
    expect(welcome).toMatchObject({
      room: { kind: 'conference', id: conf.id },
      identity: { kind: 'participant', role: 'audience' },
    })
    // With default options the client upgrades from polling: the socket ends up on WebSocket.
    await expect
      .poll(() => page.evaluate(() => window.__sio.socket.io.engine.transport.name))
      .toBe('websocket')
    await expect.poll(() => eventsOf(page, 'conference.snapshot')).toHaveLength(1)
    await host.next((m) => m.type === 'room.stats' && m.audienceCount === 1)

    const pushed = await api(`/api/conference/${conf.id}/questions/${q.id}/live`, {
      method: 'POST',
      token: conf.host.accessToken,
    })
    expect(pushed.status).toBe(200)
    await expect
      .poll(() => eventsOf(page, 'question.live'))
      .toEqual([expect.objectContaining({ question: expect.objectContaining({ id: q.id }) })])

    const vote = (optionId: string) =>
      page.evaluate((ballot) => window.__sio.socket.emitWithAck('vote', ballot), {
        questionId: q.id,
        optionIds: [optionId],
      })
    expect(await vote(q.options[1]!.id)).toEqual({
      questionId: q.id,
      optionIds: [q.options[1]!.id],
      replaced: false,
    })
    // A refusal comes back in the ack, as the old clients read it; the vote above stands.
    expect(await vote('no-such-option')).toMatchObject({ error: { code: expect.any(String) } })

    const stats = await host.next((m) => m.type === 'room.stats' && m.results?.totalResponses === 1)
    expect(stats.results.counts).toEqual({
      [q.options[0]!.id]: 0,
      [q.options[1]!.id]: 1,
      [q.options[2]!.id]: 0,
    })
    const results = await api(`/api/conference/${conf.id}/questions/${q.id}/results`, {
      token: conf.host.accessToken,
    })
    expect(results.body.results).toMatchObject({
      totalResponses: 1,
      counts: { [q.options[1]!.id]: 1 },
    })

    await page.evaluate(() => window.__sio.socket.disconnect())
    await host.next((m) => m.type === 'room.stats' && m.audienceCount === 0)
    await host.close()
    expect(pageErrors).toEqual([])
  })
})
