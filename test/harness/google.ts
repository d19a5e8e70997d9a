// Google at its HTTP boundary, for tests: ID tokens minted by the capture server's fake (signed
// with the keys it serves), the mobile exchange, and the web flow walked through the fake consent.
import { expect, inject } from 'vitest'
import { api } from './http'
import { freshIp } from './users'

const captureUrl = () => inject('captureUrl')

/** An ID token from the fake, signed with the key it serves; `null` drops a default claim. */
export async function mint(claims: Record<string, unknown> = {}): Promise<string> {
  const res = await fetch(`${captureUrl()}/google/id-token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(claims),
  })
  if (res.status !== 200) throw new Error(`id-token helper: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { idToken: string }).idToken
}

export const verifyGoogle = (body: unknown, ip = freshIp()) =>
  api('/api/auth/verify-google-token', {
    method: 'POST',
    json: body,
    headers: { 'cf-connecting-ip': ip },
  })

/** A browser's cookie jar for one flow: the name=value part of each Set-Cookie. */
export const cookieOf = (res: { headers: Headers }, name: string) =>
  res.headers
    .getSetCookie()
    .find((c) => c.startsWith(`${name}=`))
    ?.split(';')[0]

/** Starts the web flow, walks the fake consent screen, and answers where Google sends us back. */
export async function webFlow(opts: { email?: string; ip?: string } = {}) {
  const headers = { 'cf-connecting-ip': opts.ip ?? freshIp() }
  const start = await api('/api/auth/google', { headers })
  expect(start.status).toBe(302)
  const consent = new URL(start.headers.get('location')!)
  if (opts.email) consent.searchParams.set('login_hint', opts.email)
  const google = await fetch(consent, { redirect: 'manual' })
  expect(google.status).toBe(302)
  const back = new URL(google.headers.get('location')!)
  return {
    start,
    consent,
    back,
    cookie: cookieOf(start, 'google_oauth')!,
    callbackPath: back.pathname + back.search,
    headers,
  }
}
