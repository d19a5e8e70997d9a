// Two Chromium pages with fake cameras join one meeting room through the signaling socket, the
// owner signed in by cookie and the resident through the invite link, and their
// RTCPeerConnections connect (host candidates on this machine; no STUN server is reachable).
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../harness/chromium'
import { api, workerUrl } from '../harness/http'
import { inviteGuest, newRoomId } from '../harness/meetings'
import { videodeskUser } from '../harness/videodesk'

declare global {
  interface Window {
    __meeting?: { role: string | null; pc: RTCPeerConnection | null }
  }
}

let browser: Browser
const contexts: BrowserContext[] = []
const pageErrors: string[] = []

beforeAll(async () => {
  await api('/api/health')
  browser = await launchChromium([
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    // Host candidates on the loopback interface are enough between two pages of one machine.
    '--allow-loopback-in-peer-connection',
  ])
})

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close()))
  await browser?.close()
})

async function newPage(cookies: { name: string; value: string }[] = []): Promise<Page> {
  const context = await browser.newContext()
  contexts.push(context)
  if (cookies.length > 0) await context.addCookies(cookies.map((c) => ({ ...c, url: workerUrl() })))
  const page = await context.newPage()
  page.on('pageerror', (e) => pageErrors.push(e.message))
  // Anything the page's Content-Security-Policy refuses counts as an error too.
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) pageErrors.push(m.text())
  })
  return page
}

const connectionState = (page: Page) => page.evaluate(() => window.__meeting?.pc?.connectionState)

describe('meeting page in chromium', () => {
  it('the owner and the invited resident reach a connected RTCPeerConnection', async () => {
    const owner = await videodeskUser('Olive Owner')
    const roomId = newRoomId()
    const { link } = await inviteGuest(owner, roomId, 'Rita Resident')
    const cookies = owner.cookie.split('; ').map((pair) => {
      const eq = pair.indexOf('=')
      return { name: pair.slice(0, eq), value: pair.slice(eq + 1) }
    })

    const admin = await newPage(cookies)
    await admin.goto(`${workerUrl()}/meeting.html?room=${roomId}`)
    await admin.getByText('You are the admin').waitFor()
    await admin.getByText('Waiting for the other side…').waitFor()

    // The invite link opens this page on the Worker's own origin by default.
    expect(new URL(link).origin).toBe(workerUrl())
    const guest = await newPage()
    await guest.goto(link)
    await guest.getByText('You are the guest').waitFor()

    for (const page of [admin, guest]) {
      await page.waitForFunction(
        () => window.__meeting?.pc?.connectionState === 'connected',
        undefined,
        {
          polling: 100,
          timeout: 30_000,
        },
      )
      await page.locator('#status', { hasText: 'Call connected' }).waitFor()
    }
    expect(await connectionState(admin)).toBe('connected')
    expect(await connectionState(guest)).toBe('connected')
    // Media flows: the guest page plays the admin's fake camera.
    await guest.waitForFunction(
      () => (document.getElementById('remote') as HTMLVideoElement).videoWidth > 0,
      undefined,
      { polling: 100, timeout: 30_000 },
    )
    expect(pageErrors).toEqual([])
  }, 90_000)
})
