// Cross-site request forgery: a state change a browser authenticates with the Videodesk session
// cookie must come from the API's own origin or one listed in CORS_ORIGINS, or it is refused with
// 403 CSRF_REJECTED. Bearer requests are never checked: a page cannot attach someone's token.
//
// Not `hono/csrf`: it checks only form-encodable content types (a JSON write passes unchecked),
// never a GET (the seed's logout and invite sends are GETs), and answers a plain-text 403 outside
// the error envelope. Its rules are kept where they apply: unsafe = not GET/HEAD/OPTIONS, the own
// origin is the request URL's, origins match exactly, only the four Sec-Fetch-Site values exist.
// One difference: a sent Origin decides alone (hono/csrf passes either header), since no browser
// pairs a foreign Origin with `Sec-Fetch-Site: same-origin`.
import type { MiddlewareHandler } from 'hono'
import { getCookie } from 'hono/cookie'
import type { Config } from '../../shared/config'
import { ACCESS_COOKIE, REFRESH_COOKIE } from '../auth/cookies'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { BEARER_HEADER } from './auth'

/**
 * The seed's GET routes that change something (HEAD reaches them too: Hono answers HEAD with the
 * GET handler). They are checked with or without a cookie: logout reads the cookies itself, and
 * no page on another site has a reason to send invites in someone's name.
 */
export const STATE_CHANGING_GETS: ReadonlySet<string> = new Set([
  '/api/v1/logout',
  '/api/v1/send-token',
  '/api/v1/resend-token',
])

const SAFE_METHOD = /^(GET|HEAD|OPTIONS)$/

/** Whether a request to `path` with `method` can change anything. */
export function isStateChanging(method: string, path: string): boolean {
  if (!SAFE_METHOD.test(method)) return true
  return method !== 'OPTIONS' && STATE_CHANGING_GETS.has(path)
}

/** What the decision reads from a request. */
export interface CsrfRequest {
  method: string
  path: string
  origin: string | undefined
  secFetchSite: string | undefined
  /** `Authorization: Bearer <token>` is present. */
  bearer: boolean
  /** The `token` or `refresh_token` cookie is present. */
  sessionCookie: boolean
}

/**
 * Whether the request comes from a page of a trusted origin (`trustedOrigins`: the API's own and
 * CORS_ORIGINS). The Origin header decides when there is one; without it, Sec-Fetch-Site:
 * `same-origin` and `none` (typed into the address bar) pass. With neither header the caller is not
 * a browser, and only a browser attaches cookies on its own.
 */
export function isTrustedSource(
  origin: string | undefined,
  secFetchSite: string | undefined,
  trustedOrigins: readonly string[],
): boolean {
  // `null` is an opaque origin (sandboxed frame, data: URL): never one of ours.
  if (origin !== undefined) return origin !== 'null' && trustedOrigins.includes(origin)
  if (secFetchSite === undefined) return true
  return secFetchSite === 'same-origin' || secFetchSite === 'none'
}

/** Whether the request is to be refused as a possible forgery. */
export function refusedAsForgery(req: CsrfRequest, trustedOrigins: readonly string[]): boolean {
  if (!isStateChanging(req.method, req.path) || req.bearer) return false
  // A write without a session cookie carries no ambient authority to abuse. Past isStateChanging a
  // safe method is one of STATE_CHANGING_GETS, checked with or without one.
  if (!SAFE_METHOD.test(req.method) && !req.sessionCookie) return false
  return !isTrustedSource(req.origin, req.secFetchSite, trustedOrigins)
}

/** The API's own origin (the request URL's, and PUBLIC_BASE_URL's) and the named CORS origins. */
export function trustedOrigins(requestUrl: string, config: Config): string[] {
  const own = [new URL(requestUrl).origin]
  if (config.PUBLIC_BASE_URL) own.push(new URL(config.PUBLIC_BASE_URL).origin)
  // '*' grants CORS without credentials, so it trusts no origin with a cookie.
  return [...own, ...config.CORS_ORIGINS.filter((origin) => origin !== '*')]
}

export const csrf = (): MiddlewareHandler<AppEnv> => {
  return async function csrf(c, next) {
    if (isStateChanging(c.req.method, c.req.path)) {
      const request: CsrfRequest = {
        method: c.req.method,
        path: c.req.path,
        origin: c.req.header('origin'),
        secFetchSite: c.req.header('sec-fetch-site'),
        bearer: BEARER_HEADER.test(c.req.header('authorization') ?? ''),
        sessionCookie: Boolean(getCookie(c, ACCESS_COOKIE) || getCookie(c, REFRESH_COOKIE)),
      }
      if (refusedAsForgery(request, trustedOrigins(c.req.url, c.get('config')))) {
        throw new AppError(
          'CSRF_REJECTED',
          'Cross-site request refused: a signed-in change must come from this site or an allowed origin',
        )
      }
    }
    await next()
  }
}
