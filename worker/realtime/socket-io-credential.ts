// The credential a Socket.IO handshake carries the way the old clients sent it: the `token` query
// parameter, then `Authorization: Bearer`, then the Videodesk `token` cookie. (`auth.token` comes
// later, in the CONNECT, and is read by the object that hosts the session.)
//
// The cookie counts only when the page that opened the connection is trusted (the API's own origin
// or CORS_ORIGINS, as the CSRF check decides): a WebSocket handshake is not subject to CORS, so a
// page on any site could otherwise open a socket that the browser authenticates with its visitor's
// cookie and read everything the room sends (cross-site WebSocket hijacking).
import type { Context } from 'hono'
import { getCookie } from 'hono/cookie'
import { ACCESS_COOKIE } from '../auth/cookies'
import type { AppEnv } from '../env'
import { isTrustedSource, trustedOrigins } from '../middleware/csrf'

export function handshakeCredential(c: Context<AppEnv>): string | undefined {
  const explicit =
    c.req.query('token') ?? /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1]
  if (explicit) return explicit
  const cookie = getCookie(c, ACCESS_COOKIE)
  if (!cookie) return undefined
  const trusted = isTrustedSource(
    c.req.header('origin'),
    c.req.header('sec-fetch-site'),
    trustedOrigins(c.req.url, c.get('config')),
  )
  return trusted ? cookie : undefined
}
