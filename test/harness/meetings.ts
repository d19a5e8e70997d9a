// Videodesk meeting helpers: invite links, and signaling sockets into a meeting room as the admin
// (a signed-in Videodesk account from ./videodesk) or the guest.
import { randomBytes } from 'node:crypto'
import { expect } from 'vitest'
import { api, workerUrl } from './http'
import { uniqueEmail } from './users'
import type { VideodeskUser } from './videodesk'
import { openSocket, type TestSocket } from './ws'

export const newRoomId = () => `room-${randomBytes(8).toString('hex')}`

/** Invites a guest into `roomId` by email and answers the link token. */
export async function inviteGuest(owner: VideodeskUser, roomId: string, name = 'Rita Resident') {
  const email = uniqueEmail('resident')
  const res = await owner.call(`/api/v1/send-token?${new URLSearchParams({ roomId, email, name })}`)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return { token: res.body.token as string, link: res.body.link as string, email }
}

const wsUrl = (path: string) => workerUrl().replace(/^http/, 'ws') + path

export async function adminSocket(owner: VideodeskUser, roomId: string): Promise<TestSocket> {
  const res = await owner.call(`/api/v1/meeting-rooms/${roomId}/ticket`, { method: 'POST' })
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  const socket = await openSocket(wsUrl(res.body.url))
  await socket.next((m) => m.type === 'welcome')
  return socket
}

export async function guestSocket(roomId: string, token: string): Promise<TestSocket> {
  const res = await api(`/api/v1/meeting-rooms/${roomId}/guest-ticket`, {
    method: 'POST',
    json: { token },
  })
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  const socket = await openSocket(wsUrl(res.body.url))
  await socket.next((m) => m.type === 'welcome' || m.type === 'error')
  return socket
}

/** Sends `join-room` and waits for its ack. */
export async function join(socket: TestSocket, rid = 'join') {
  socket.send({ type: 'join-room', rid })
  return socket.next((m) => m.rid === rid)
}

const PNG_1x1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
)
const WEBM_BYTES = Buffer.from('1a45dfa39f4286810142f7810142f2810442f381084282847765626d', 'hex')

/**
 * Uploads one file through the media API (presigned PUT, then complete) and answers its media id
 * and storage key. `complete: false` leaves the upload pending.
 */
export async function uploadMeetingMedia(
  user: VideodeskUser,
  kind: 'recording' | 'screenshot',
  opts: { complete?: boolean } = {},
): Promise<{ id: string; key: string }> {
  const body = kind === 'recording' ? WEBM_BYTES : PNG_1x1
  const start = await user.call('/api/media/upload', {
    method: 'POST',
    json: {
      purpose: kind === 'recording' ? 'meeting-recording' : 'meeting-screenshot',
      contentType: kind === 'recording' ? 'video/webm' : 'image/png',
      size: body.length,
    },
  })
  expect(start.status, JSON.stringify(start.body)).toBe(201)
  const put = await fetch(start.body.upload.url, {
    method: 'PUT',
    headers: start.body.upload.headers,
    body,
  })
  expect(put.status).toBe(200)
  if (opts.complete !== false) {
    const done = await user.call(start.body.completeUrl, { method: 'POST', json: {} })
    expect(done.status, JSON.stringify(done.body)).toBe(200)
  }
  const purpose = kind === 'recording' ? 'meeting-recording' : 'meeting-screenshot'
  return { id: start.body.media.id, key: `media/${purpose}/${start.body.media.id}/original` }
}
