// The realtime protocol's reference: /api/asyncapi.json (the AsyncAPI 3.0 document, built by
// worker/system/asyncapi.ts) and /api/asyncapi, the page that renders it with the pinned
// @asyncapi/react-component, served from this site's /assets like Swagger UI (copied there by
// dev-services/api-docs-assets.ts; the start-up call in /assets/asyncapi-docs.js).
import type { Context } from 'hono'
import type { AppEnv } from '../../env'
import { pageSecurityHeaders } from '../page-headers'
import { asyncApiDocument } from '../asyncapi'

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Sanora + Videodesk realtime API</title>
    <link rel="stylesheet" href="/assets/asyncapi/default.min.css" />
    <script defer src="/assets/asyncapi/index.js"></script>
    <script defer src="/assets/asyncapi-docs.js"></script>
  </head>
  <body>
    <div id="asyncapi" data-document-url="/api/asyncapi.json"></div>
  </body>
</html>
`

/** GET /api/asyncapi.json: the document, its server being the host it was asked from. */
export const asyncApiJson = (version: string) =>
  async function asyncApiJson(c: Context<AppEnv>) {
    const url = new URL(c.req.url)
    return c.json(
      asyncApiDocument({
        host: url.host,
        protocol: url.protocol === 'https:' ? 'wss' : 'ws',
        version,
      }),
    )
  }

/** GET /api/asyncapi: the rendered reference. */
export function asyncApiPage(c: Context<AppEnv>) {
  const headers = pageSecurityHeaders('asyncapi-docs', {
    requestUrl: c.req.url,
    presenterFrameAncestors: [],
  })
  return c.html(PAGE, 200, headers)
}
