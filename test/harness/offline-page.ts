// A browser page that sees the network as an offline laptop does: the Worker answers, every other
// host fails. It records what the Worker served, what was asked of other hosts, and the page's
// errors and Content-Security-Policy violations, for the docs pages' "works offline" tests.
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { workerUrl } from './http'

export interface OfflinePage {
  context: BrowserContext
  page: Page
  /** Paths the Worker served, in order. */
  served: string[]
  /** URLs of other hosts the page asked for (each refused). */
  elsewhere: string[]
  /** Uncaught page errors and CSP violations reported on the console. */
  errors: string[]
}

export async function openOfflinePage(browser: Browser): Promise<OfflinePage> {
  const context = await browser.newContext()
  const origin = new URL(workerUrl()).origin
  const served: string[] = []
  const elsewhere: string[] = []
  await context.route('**/*', (route) => {
    const url = route.request().url()
    if (new URL(url).origin === origin) {
      served.push(new URL(url).pathname)
      return route.continue()
    }
    elsewhere.push(url)
    return route.abort('internetdisconnected')
  })
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) errors.push(m.text())
  })
  return { context, page, served, elsewhere, errors }
}
