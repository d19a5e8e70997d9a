// The HTML pages of public/ (host console, audience, meeting, presenter view) come through the
// Worker so each carries its Content-Security-Policy: wrangler.toml's run_worker_first sends their
// paths here, and the assets binding still serves the file (with its redirects and caching).
import type { Context } from 'hono'
import type { AppEnv } from '../../env'
import { AppError } from '../../errors'
import { createRouter } from '../../openapi'
import { PAGE_NAMES, pageSecurityHeaders, type PageName } from '../page-headers'

async function servePage(c: Context<AppEnv>, page: PageName) {
  const assets = c.env?.ASSETS
  // The REST app under Node or Deno has no assets binding, so no pages: the usual JSON 404.
  if (!assets) throw new AppError('NOT_FOUND', `Route ${c.req.method} ${c.req.path} not found`)
  const fetched = await assets.fetch(c.req.raw)
  // A fetched response's headers are immutable.
  const res = new Response(fetched.body, fetched)
  const headers = pageSecurityHeaders(page, {
    requestUrl: c.req.url,
    presenterFrameAncestors: c.get('config').PRESENTER_FRAME_ANCESTORS,
  })
  for (const [name, value] of Object.entries(headers)) res.headers.set(name, value)
  return res
}

export const pages = createRouter()

for (const page of PAGE_NAMES) {
  // `/present` is the page; the binding answers `/present.html` with a redirect to it.
  pages.get(`/${page}`, (c) => servePage(c, page))
  pages.get(`/${page}.html`, (c) => servePage(c, page))
}
