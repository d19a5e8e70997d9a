// Chat fixtures: conversations between test users and member sockets into them.
import { api, workerUrl } from './http'
import type { TestUser } from './users'
import { openSocket, type TestSocket } from './ws'

export async function directChat(a: TestUser, b: TestUser): Promise<string> {
  const res = await api('/api/chat/conversations/direct', {
    method: 'POST',
    token: a.accessToken,
    json: { userId: b.id },
  })
  if (res.status !== 200) throw new Error(`direct: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.conversation.id
}

export async function chatSocket(
  conversationId: string,
  user: TestUser,
  since?: number,
): Promise<TestSocket> {
  const res = await api(`/api/chat/conversations/${conversationId}/ticket`, {
    method: 'POST',
    token: user.accessToken,
  })
  if (res.status !== 200) throw new Error(`chat ticket: ${res.status} ${JSON.stringify(res.body)}`)
  const query = since === undefined ? '' : `&since=${since}`
  const socket = await openSocket(`${workerUrl().replace('http', 'ws')}${res.body.url}${query}`)
  await socket.next((m) => m.type === 'sync.complete')
  return socket
}

/**
 * A socket into the user's own channel (notifications, chat unread, presence), welcomed. Serves
 * Sanora and Videodesk users alike: the ticket takes either one's access token.
 */
export async function userChannelSocket(user: Pick<TestUser, 'accessToken'>): Promise<TestSocket> {
  const res = await api('/api/realtime/user-ticket', { method: 'POST', token: user.accessToken })
  if (res.status !== 200) throw new Error(`user ticket: ${res.status} ${JSON.stringify(res.body)}`)
  const socket = await openSocket(`${workerUrl().replace('http', 'ws')}${res.body.url}`)
  await socket.next((m) => m.type === 'welcome')
  return socket
}
