// Videodesk accounts for tests: registered and verified through /api/v1 (code read from the
// captured mail), then called the way the web client does, with the httpOnly `token` cookie.
import { api, workerUrl, type ApiResponse } from './http'
import { freshIp, otpFromMail, uniqueEmail } from './users'
import { openSocket, type TestSocket } from './ws'

export interface VideodeskUser {
  id: string
  email: string
  accessToken: string
  ip: string
}

export async function videodeskUser(): Promise<VideodeskUser> {
  const email = uniqueEmail('vd')
  const ip = freshIp()
  const headers = { 'cf-connecting-ip': ip }
  const reg = await api('/api/v1/register', {
    method: 'POST',
    json: { email, password: 'correct horse battery' },
    headers,
  })
  if (reg.status !== 201) throw new Error(`register: ${reg.status} ${JSON.stringify(reg.body)}`)
  const verified = await api('/api/v1/verify', {
    method: 'POST',
    json: { email, otp: await otpFromMail(email) },
    headers,
  })
  if (verified.status !== 200)
    throw new Error(`verify: ${verified.status} ${JSON.stringify(verified.body)}`)
  return { id: verified.body.user.id, email, accessToken: verified.body.accessToken, ip }
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

/** Opens the user's UserChannel socket (all their live events) and waits for its welcome. */
export async function userChannelSocket(user: VideodeskUser): Promise<TestSocket> {
  const res = await api('/api/realtime/user-ticket', { method: 'POST', token: user.accessToken })
  if (res.status !== 200) throw new Error(`user ticket: ${res.status} ${JSON.stringify(res.body)}`)
  const socket = await openSocket(`${workerUrl().replace('http', 'ws')}${res.body.url}`)
  await socket.next((m) => m.type === 'welcome')
  return socket
}
