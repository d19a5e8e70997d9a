// Videodesk accounts for tests: registered and verified through /api/v1 (code read from the
// captured mail), then called the way the web client does, with the httpOnly `token` cookie.
import { api, type ApiResponse } from './http'
import { freshIp, otpFromMail, uniqueEmail } from './users'

export interface VideodeskUser {
  id: string
  email: string
  name: string
  /** The `token=…; refresh_token=…` cookie header of the signed-in browser. */
  cookie: string
  accessToken: string
  ip: string
  /** Calls the API (full path) with this account's cookies. */
  call<T = any>(path: string, init?: RequestInit & { json?: unknown }): Promise<ApiResponse<T>>
}

/**
 * register → mailed code → verify; answers the account with its session cookies. Without `name`
 * the account keeps the name the server gives it.
 */
export async function videodeskUser(name?: string): Promise<VideodeskUser> {
  const email = uniqueEmail('vd')
  const ip = freshIp()
  const headers = { 'cf-connecting-ip': ip }
  const reg = await api('/api/v1/register', {
    method: 'POST',
    json: { email, password: 'correct horse battery', ...(name === undefined ? {} : { name }) },
    headers,
  })
  if (reg.status !== 201) throw new Error(`register: ${reg.status} ${JSON.stringify(reg.body)}`)
  const verified = await api('/api/v1/verify', {
    method: 'POST',
    // The challenge binds the code to this registration (a browser carries it as a cookie).
    json: { email, otp: await otpFromMail(email), challenge: reg.body.challenge },
    headers,
  })
  if (verified.status !== 200)
    throw new Error(`verify: ${verified.status} ${JSON.stringify(verified.body)}`)
  const cookie = verified.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ')
  return {
    id: verified.body.user.id,
    email,
    name: verified.body.user.name,
    cookie,
    accessToken: verified.body.accessToken,
    ip,
    call: (path, init = {}) =>
      api(path, { ...init, headers: { ...headers, cookie, ...(init.headers ?? {}) } }),
  }
}

/** Calls the API as `user` (cookie auth), or anonymously when `user` is undefined. */
export function vd<T = any>(
  user: VideodeskUser | undefined,
  path: string,
  init: { method?: string; json?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { 'cf-connecting-ip': user?.ip ?? freshIp() }
  if (user) headers.cookie = `token=${user.accessToken}`
  return api<T>(`/api/v1${path}`, { ...init, headers: { ...headers, ...init.headers } })
}
