// The live conference pages in a real browser (Chromium driven by playwright-core) against
// the Worker under test: the host signs in and pushes a question from the console, two phones vote
// by tapping, the host's chart and audience count follow; a phone reloaded mid-question keeps its
// vote, and a dropped socket reconnects by itself and catches up on what it missed.
import { mkdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../harness/chromium'
import { createConference } from '../harness/conference'
import { api, workerUrl } from '../harness/http'
import { freshIp } from '../harness/users'

declare global {
  interface Window {
    __ROOM_TEST_HOOKS__?: boolean
    __room?: { socket: WebSocket | null; lastSeq: number | null }
  }
}

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url))
const PHONE = {
  viewport: { width: 375, height: 667 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
}

let browser: Browser
const contexts: BrowserContext[] = []
const pageErrors: string[] = []

beforeAll(async () => {
  browser = await launchChromium()
  await mkdir(ARTIFACTS, { recursive: true })
})

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close()))
  await browser?.close()
})

/** A fresh browser profile whose pages expose the room client to the test (window.__room). */
async function newContext(options: Parameters<Browser['newContext']>[0] = {}) {
  const context = await browser.newContext(options)
  contexts.push(context)
  await context.addInitScript(() => {
    window.__ROOM_TEST_HOOKS__ = true
  })
  context.on('page', (page) => {
    page.on('pageerror', (e) => pageErrors.push(e.message))
    // Anything the pages' Content-Security-Policy refuses counts as an error too.
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) pageErrors.push(m.text())
    })
  })
  return context
}

async function joinOnPhone(code: string, name: string, screenshot?: string): Promise<Page> {
  const page = await (await newContext(PHONE)).newPage()
  await page.goto(`${workerUrl()}/join?code=${code}`)
  await page.getByLabel('Your name').fill(name)
  if (screenshot) await page.screenshot({ path: `${ARTIFACTS}${screenshot}` })
  await page.getByRole('button', { name: 'Join' }).click()
  await page.locator('#room-view').waitFor()
  return page
}

const pushLive = (conf: { id: string; host: { accessToken: string } }, questionId: string) =>
  api(`/api/conference/${conf.id}/questions/${questionId}/live`, {
    method: 'POST',
    token: conf.host.accessToken,
  })

describe('conference pages in chromium', () => {
  it('host pushes a question, two phones vote by tapping, the host chart shows both votes', async () => {
    const conf = await createConference([
      {
        text: 'Which talk are you most looking forward to?',
        options: ['Edge computing', 'Realtime at scale', 'Typed APIs'],
      },
    ])

    const hostContext = await newContext({
      viewport: { width: 1280, height: 900 },
      extraHTTPHeaders: { 'cf-connecting-ip': freshIp() },
    })
    const host = await hostContext.newPage()
    await host.goto(`${workerUrl()}/host`)
    await host.getByLabel('Email').fill(conf.host.email)
    await host.getByLabel('Password').fill(conf.host.password)
    await host.getByRole('button', { name: 'Sign in' }).click()
    await host.getByRole('button', { name: 'Open' }).click()
    await host.locator('#conf-code', { hasText: conf.code }).waitFor()

    const [alice, bob] = await Promise.all([
      joinOnPhone(conf.code, 'Alice', 'conference-audience-join.png'),
      joinOnPhone(conf.code, 'Bob'),
    ])
    for (const phone of [alice, bob])
      await phone.getByText('Waiting for the next question…').waitFor()
    await host.locator('#audience-count', { hasText: /^2$/ }).waitFor()

    await host.getByRole('button', { name: 'Go live' }).click()
    await host.locator('#live-text', { hasText: 'Which talk' }).waitFor()

    await alice.locator('.option', { hasText: 'Realtime at scale' }).click()
    await bob.locator('.option', { hasText: 'Typed APIs' }).click()
    await alice.locator('.option.voted', { hasText: 'Realtime at scale' }).waitFor()
    await bob.locator('.option.voted', { hasText: 'Typed APIs' }).waitFor()

    await host.locator('#live-chart .chart-total', { hasText: /^2 votes$/ }).waitFor()
    const counts = await host
      .locator('#live-chart .bar')
      .evaluateAll((bars) =>
        bars.map((b) => [
          b.querySelector('.bar-label')?.textContent,
          b.querySelector('.bar-count')?.textContent,
        ]),
      )
    expect(counts).toEqual([
      ['Edge computing', '0 · 0%'],
      ['Realtime at scale', '1 · 50%'],
      ['Typed APIs', '1 · 50%'],
    ])
    expect(await host.locator('#audience-count').textContent()).toBe('2')

    // The phones see the results (this question does not hide them) and their own choice marked.
    await alice.locator('#results .chart-total', { hasText: /^2 votes$/ }).waitFor()
    expect(await alice.locator('#results .bar.mine .bar-label').textContent()).toBe(
      'Realtime at scale',
    )
    expect(await alice.locator('#audience-count').textContent()).toBe('2')

    // The presenter view opens from the console with the host's session and shows the same.
    const [present] = await Promise.all([
      hostContext.waitForEvent('page'),
      host.getByRole('button', { name: 'Presenter view' }).click(),
    ])
    await present.setViewportSize({ width: 1280, height: 720 })
    await present.locator('#chart .chart-total', { hasText: /^2 votes$/ }).waitFor()
    expect(await present.locator('#join-code').textContent()).toBe(conf.code)
    await present.waitForFunction(
      () => {
        const qr = document.querySelector<HTMLImageElement>('#qr')
        return Boolean(qr?.complete && qr.naturalWidth > 0)
      },
      undefined,
      { polling: 50 },
    )

    await present.screenshot({ path: `${ARTIFACTS}conference-presenter.png` })
    // Back to the console tab (a background tab's timers and frames are throttled).
    await present.close()
    await host.bringToFront()
    await host.locator('#live-card').screenshot({ path: `${ARTIFACTS}conference-host-chart.png` })
    await alice.screenshot({ path: `${ARTIFACTS}conference-audience-phone.png` })

    // Q&A: Bob asks under his name, Alice anonymously; Alice upvotes Bob's question once; the
    // host pins it and hides Alice's, which leaves the audience's lists.
    await bob.getByRole('tab', { name: 'Q&A' }).click()
    await bob.getByLabel('Your question').fill('Will the slides be shared afterwards?')
    await bob.getByRole('button', { name: 'Send' }).click()
    await alice.getByRole('tab', { name: 'Q&A' }).click()
    await alice.getByLabel('Your question').fill('How do you test Durable Objects?')
    await alice.getByLabel('Anonymous').check()
    await alice.getByRole('button', { name: 'Send' }).click()
    const slides = (page: Page) => page.locator('.qa-item', { hasText: 'slides be shared' })
    const testing = (page: Page) => page.locator('.qa-item', { hasText: 'Durable Objects' })
    await slides(alice).getByRole('button', { name: 'Upvote (0)' }).click()
    await slides(alice).getByRole('button', { name: 'Upvote (1)' }).waitFor()
    expect(await slides(alice).locator('.upvote').isDisabled()).toBe(true)
    expect(await slides(alice).locator('.qa-meta').textContent()).toContain('Bob')
    expect(await testing(bob).locator('.qa-meta').textContent()).toContain('Anonymous')
    await slides(host).getByText('▲ 1').waitFor()
    await slides(host).getByRole('button', { name: 'Pin' }).click()
    await testing(host).getByRole('button', { name: 'Hide' }).click()
    await slides(bob).getByText('Pinned').waitFor()
    await testing(bob).waitFor({ state: 'detached' })
    await testing(host).locator('.tag.hidden').waitFor()
    await alice.getByLabel('Your question').fill('Is there a recording?')
    await alice.getByRole('button', { name: 'Send' }).click()
    await alice.locator('.qa-item', { hasText: 'recording' }).waitFor()
    await alice.screenshot({ path: `${ARTIFACTS}conference-audience-qa.png` })
    await host.screenshot({ path: `${ARTIFACTS}conference-host-console.png`, fullPage: true })
    expect(pageErrors).toEqual([])
  }, 90_000)

  it('a phone reloaded mid-question keeps its vote, and a dropped socket reconnects and catches up', async () => {
    const conf = await createConference([
      { text: 'Coffee or tea?', options: ['Coffee', 'Tea'] },
      { text: 'Pick your stacks', options: ['Workers', 'Node', 'Deno'], type: 'multiple' },
    ])
    const [first, second] = conf.questions
    const phone = await joinOnPhone(conf.code, 'Carol')
    const sockets: string[] = []
    phone.on('websocket', (ws) => sockets.push(ws.url()))
    await pushLive(conf, first!.id)
    await phone.locator('.option', { hasText: 'Tea' }).click()
    await phone.locator('.option.voted', { hasText: 'Tea' }).waitFor()
    const tokenKey = `conference:${conf.id}:participant`
    const token = await phone.evaluate((key) => localStorage.getItem(key), tokenKey)
    expect(token).toBeTruthy()

    // Reload: the stored participant token brings back the same identity, so the vote is marked.
    await phone.reload()
    await phone.locator('.option.voted', { hasText: 'Tea' }).waitFor()
    expect(await phone.locator('.option.voted').count()).toBe(1)
    expect(await phone.locator('.option', { hasText: 'Coffee' }).isDisabled()).toBe(true)
    expect(await phone.evaluate((key) => localStorage.getItem(key), tokenKey)).toBe(token)
    expect(await phone.locator('#vote-status').textContent()).toBe('Thanks, your vote is in')

    // Drop the socket and hold the ticket request, so the next question goes live while the
    // phone is away: it shows "Reconnecting…", then resumes with `since` and replays the event.
    await phone.waitForFunction(() => window.__room?.socket?.readyState === WebSocket.OPEN)
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    await phone.route('**/ticket', async (route) => {
      await held
      await route.continue()
    })
    const before = sockets.length
    // The seq the client has applied once the socket is closed is what it must resume from.
    const lastSeq = await phone.evaluate(
      () =>
        new Promise<number | null>((resolve) => {
          const socket = window.__room!.socket!
          socket.addEventListener('close', () => resolve(window.__room!.lastSeq))
          socket.close()
        }),
    )
    await phone.getByText('Reconnecting…').waitFor()
    expect((await pushLive(conf, second!.id)).status).toBe(200)
    release()
    await phone.locator('#q-text', { hasText: 'Pick your stacks' }).waitFor()
    await phone.getByText('Reconnecting…').waitFor({ state: 'hidden' })
    expect(sockets.length).toBe(before + 1)
    expect(new URL(sockets.at(-1)!).searchParams.get('since')).toBe(String(lastSeq))

    // The reconnected socket carries requests again: a multiple-choice vote with submit.
    await phone.locator('.option', { hasText: 'Workers' }).click()
    await phone.locator('.option', { hasText: 'Deno' }).click()
    await phone.getByRole('button', { name: 'Submit' }).click()
    await phone.locator('.option.voted').nth(1).waitFor()
    expect(await phone.locator('.option.voted .option-text').allTextContents()).toEqual([
      'Workers',
      'Deno',
    ])
    await phone.locator('#results .chart-total', { hasText: /^1 vote$/ }).waitFor()
    await phone.screenshot({ path: `${ARTIFACTS}conference-audience-multiple.png` })
    const results = await api(`/api/conference/${conf.id}/questions/${second!.id}/results`, {
      token: conf.host.accessToken,
    })
    expect(results.body.results).toMatchObject({
      counts: { o1: 1, o2: 0, o3: 1 },
      totalResponses: 1,
    })
    expect(pageErrors).toEqual([])
  }, 90_000)
})
