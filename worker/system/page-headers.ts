// The Content-Security-Policy (and its X-Frame-Options fallback) of each HTML page in public/ and
// of the API references (/api/docs, /api/asyncapi). The pages load only their own scripts and stylesheets from
// /assets, call the API and open WebSockets on this same host, and have no inline script or style:
// everything else is refused.

export const PAGE_NAMES = ['host', 'join', 'meeting', 'present'] as const
export type PageName = (typeof PAGE_NAMES)[number]
/** A page with a policy: one of public/'s, or an API reference the Worker renders itself. */
export type PolicyName = PageName | 'api-docs' | 'asyncapi-docs'

interface PagePolicy {
  /** Who may frame the page: nobody, or this site plus PRESENTER_FRAME_ANCESTORS. */
  framing: 'none' | 'presenter'
  /** Image sources beyond the page's own origin. */
  images?: string[]
  /** Lets its scripts evaluate strings ('unsafe-eval'); only a page of our own content may. */
  scriptEval?: boolean
}

const PAGES: Record<PolicyName, PagePolicy> = {
  // The host console signs in and runs the room: never inside someone else's frame (clickjacking).
  host: { framing: 'none' },
  join: { framing: 'none' },
  meeting: { framing: 'none' },
  // The presenter view may sit inside a slide tool; its QR code is a blob: URL of the fetched SVG.
  present: { framing: 'presenter', images: ['blob:'] },
  // Swagger UI (served from /assets/swagger-ui) draws its icons from data: URIs in its stylesheet.
  'api-docs': { framing: 'none', images: ['data:'] },
  // The AsyncAPI renderer's bundled parser validates the document with ajv, which compiles its
  // validators with \`new Function\` (the bundle fails to load without it; no build of it avoids
  // it). The page shows only this site's own document: no user content, no session.
  'asyncapi-docs': { framing: 'none', images: ['data:'], scriptEval: true },
}

export interface PageHeaderOptions {
  /** The page request's URL: its host is where the page's WebSockets go. */
  requestUrl: string
  /** Origins allowed to frame the presenter view (config PRESENTER_FRAME_ANCESTORS). */
  presenterFrameAncestors: readonly string[]
}

/** The security headers one page is served with. */
export function pageSecurityHeaders(
  page: PolicyName,
  opts: PageHeaderOptions,
): Record<string, string> {
  const policy = PAGES[page]
  const url = new URL(opts.requestUrl)
  // 'self' covers same-host ws:/wss: in CSP 3; the explicit source serves older engines too.
  const socket = `${url.protocol === 'https:' ? 'wss:' : 'ws:'}//${url.host}`
  const ancestors =
    policy.framing === 'none' ? ["'none'"] : ["'self'", ...opts.presenterFrameAncestors]
  const directives: [string, string[]][] = [
    ['default-src', ["'none'"]],
    ['script-src', ["'self'", ...(policy.scriptEval ? ["'unsafe-eval'"] : [])]],
    ['style-src', ["'self'"]],
    ['img-src', ["'self'", ...(policy.images ?? [])]],
    ['connect-src', ["'self'", socket]],
    ['base-uri', ["'none'"]],
    ['form-action', ["'self'"]],
    ['frame-ancestors', ancestors],
  ]
  const headers: Record<string, string> = {
    'Content-Security-Policy': directives
      .map(([name, values]) => `${name} ${values.join(' ')}`)
      .join('; '),
  }
  // For browsers without frame-ancestors. It cannot name other origins, so a presenter view that
  // others may frame goes without it (browsers with CSP ignore it anyway).
  if (policy.framing === 'none') headers['X-Frame-Options'] = 'DENY'
  else if (opts.presenterFrameAncestors.length === 0) headers['X-Frame-Options'] = 'SAMEORIGIN'
  return headers
}
