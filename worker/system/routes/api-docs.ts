// The API reference at /api/docs: Swagger UI over /api/openapi.json. Its scripts and stylesheet come
// from this site's /assets (the pinned swagger-ui-dist, copied there by
// dev-services/api-docs-assets.ts; the start-up call in /assets/api-docs.js), so the page needs no
// other host and its CSP allows none, nor anything inline.
import type { Context } from 'hono'
import type { AppEnv } from '../../env'
import { pageSecurityHeaders } from '../page-headers'

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Sanora + Videodesk API</title>
    <link rel="stylesheet" href="/assets/swagger-ui/swagger-ui.css" />
    <script defer src="/assets/swagger-ui/swagger-ui-bundle.js"></script>
    <script defer src="/assets/api-docs.js"></script>
  </head>
  <body>
    <div id="swagger-ui" data-spec-url="/api/openapi.json"></div>
  </body>
</html>
`

export function apiDocsPage(c: Context<AppEnv>) {
  const headers = pageSecurityHeaders('api-docs', {
    requestUrl: c.req.url,
    presenterFrameAncestors: [],
  })
  return c.html(PAGE, 200, headers)
}
