// The realtime protocol's reference (/api/asyncapi) in a real browser with every host but the
// Worker's unreachable: the AsyncAPI renderer comes from the Worker's own assets (the pinned
// @asyncapi/react-component), renders the rooms' channels and messages from /api/asyncapi.json, asks
// no other host for anything, and its CSP refuses nothing. /api/docs links to it.
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../harness/chromium'
import { openOfflinePage } from '../harness/offline-page'
import { api, workerUrl } from '../harness/http'

let browser: Browser

beforeAll(async () => {
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
})

describe('realtime protocol reference in chromium', () => {
  it('serves the AsyncAPI document with this host as its server, linked from the OpenAPI one', async () => {
    const doc = await api('/api/asyncapi.json')
    expect(doc.status).toBe(200)
    expect(doc.body.asyncapi).toBe('3.0.0')
    expect(doc.body.servers.worker).toMatchObject({
      host: new URL(workerUrl()).host,
      protocol: 'ws',
    })
    expect(Object.keys(doc.body.channels)).toEqual(['conference', 'chat', 'meeting', 'user'])
    const openapi = await api('/api/openapi.json')
    expect(openapi.body.info.description).toContain('(/api/asyncapi)')
  })

  it('renders the channels and messages offline: nothing requested from another host, no CSP violation', async () => {
    const { context, page, served, elsewhere, errors } = await openOfflinePage(browser)

    try {
      const res = await page.goto(`${workerUrl()}/api/asyncapi`)
      expect(res?.status()).toBe(200)
      const root = page.locator('#asyncapi')
      // A room's address and one of its events, as the document gives them.
      await root
        .getByText('/api/realtime/conference/{id}')
        .first()
        .waitFor({ state: 'visible', timeout: 30_000 })
      await expect(root.getByText('question.live').count()).resolves.toBeGreaterThan(0)
      await expect(
        root.getByText('Sanora + Videodesk realtime API').count(),
      ).resolves.toBeGreaterThan(0)

      expect(elsewhere).toEqual([])
      expect(errors).toEqual([])
      expect(served).toEqual(
        expect.arrayContaining([
          '/assets/asyncapi/index.js',
          '/assets/asyncapi/default.min.css',
          '/assets/asyncapi-docs.js',
          '/api/asyncapi.json',
        ]),
      )
    } finally {
      await context.close()
    }
  })
})
