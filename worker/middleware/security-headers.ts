// Security headers on every response of the app (JSON, errors, 404s, redirects, refused upgrades)
// through Hono's secureHeaders: nosniff, a Referrer-Policy, no X-Powered-By, and HSTS in
// production only (a development or test host on plain HTTP must not be pinned to HTTPS).
import type { MiddlewareHandler } from 'hono'
import { secureHeaders } from 'hono/secure-headers'
import type { AppEnv } from '../env'

const HSTS = 'max-age=31536000' // A year; not includeSubDomains: sibling hosts are not ours to pin.

const common = {
  referrerPolicy: 'strict-origin-when-cross-origin',
  // A handler's own choice stands (Google sign-in's redirect sends no-referrer; pages set
  // X-Frame-Options to match their frame-ancestors).
  overwrite: false,
  // Per page (worker/system/page-headers.ts): the presenter view may be framed by configured origins.
  xFrameOptions: false,
  // QR images and HLS playlists are embedded by other origins' pages and native players, which
  // fetch without CORS; same-origin resource policy would block them.
  crossOriginResourcePolicy: false,
  // Clients open Google sign-in in popups from their own origins and keep the opener.
  crossOriginOpenerPolicy: false,
} as const

const inProduction = secureHeaders({ ...common, strictTransportSecurity: HSTS })
const elsewhere = secureHeaders({ ...common, strictTransportSecurity: false })

export const securityHeaders = (): MiddlewareHandler<AppEnv> => {
  return async function securityHeaders(c, next) {
    await next()
    // A WebSocket upgrade's 101 has no content to protect, and its headers cannot be changed.
    if (c.res.status === 101) return
    // Configuration that failed to load still answers (an error): its APP_ENV defaults alike.
    const env = c.var.config?.APP_ENV ?? c.env?.APP_ENV ?? 'production'
    await (env === 'production' ? inProduction : elsewhere)(c, async () => {})
  }
}
