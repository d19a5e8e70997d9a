// The API reference (/api/docs) in a real browser with every host but the Worker's unreachable:
// Swagger UI comes from the Worker's own assets (the pinned swagger-ui-dist), renders the
// operations of /api/openapi.json, asks no other host for anything, and its CSP refuses nothing.
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

describe('API reference in chromium', () => {
  it('renders the operations offline: nothing requested from another host, no CSP violation', async () => {
    const doc = await api('/api/openapi.json')
    expect(doc.body.paths['/api/health'].get.summary).toBe('Dependency health')

    const { context, page, served, elsewhere, errors } = await openOfflinePage(browser)

    try {
      const res = await page.goto(`${workerUrl()}/api/docs`)
      expect(res?.status()).toBe(200)
      // The operation's row: its path and the summary the document gives it.
      const health = page.locator('.opblock-summary', {
        has: page.locator('.opblock-summary-path[data-path="/api/health"]'),
      })
      // Swagger UI renders only the operations near the viewport, and /api/health is listed
      // near the end (app.ts mounts the system routes last): scroll, less than a screen at a time,
      // until its row exists.
      await page.locator('.opblock-summary').first().waitFor({ state: 'visible', timeout: 15_000 })
      await expect
        .poll(
          async () => {
            await page.mouse.wheel(0, 400)
            return health.count()
          },
          { timeout: 20_000, interval: 50 },
        )
        .toBeGreaterThan(0)
      await health.first().scrollIntoViewIfNeeded()
      await expect(health.first().textContent()).resolves.toContain('Dependency health')

      expect(elsewhere).toEqual([])
      expect(errors).toEqual([])
      expect(served).toEqual(
        expect.arrayContaining([
          '/assets/swagger-ui/swagger-ui-bundle.js',
          '/assets/swagger-ui/swagger-ui.css',
          '/assets/api-docs.js',
          '/api/openapi.json',
        ]),
      )
    } finally {
      await context.close()
    }
  })
})
