// Social fixtures: friendships made through the real request/accept API, posts, finished image
// uploads (real presigned PUTs), transcoded videos (media records marked ready, as the transcoder
// would), blocks, and a user's live notification channel.
import { ObjectId } from 'mongodb'
import { api, workerUrl } from './http'
import { signUpUser, testDb, type TestUser } from './users'
import { openSocket, type TestSocket } from './ws'

const PNG_1x1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
)

function expectStatus(res: { status: number; body: unknown }, status: number, what: string) {
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`)
}

/** `count` fresh users (typed for destructuring the first few). */
export async function users(
  count: number,
  name?: (i: number) => string,
): Promise<[TestUser, TestUser, TestUser, ...TestUser[]]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) => signUpUser({ name: name?.(i) ?? `Social ${i}` })),
  ) as Promise<[TestUser, TestUser, TestUser, ...TestUser[]]>
}

export async function befriend(a: TestUser, b: TestUser) {
  const sent = await api('/api/friend/request', {
    method: 'POST',
    token: a.accessToken,
    json: { userId: b.id },
  })
  expectStatus(sent, 201, 'friend request')
  const accepted = await api(`/api/friend/request/${sent.body.request.id}/accept`, {
    method: 'POST',
    token: b.accessToken,
  })
  expectStatus(accepted, 200, 'accept')
}

export async function block(blocker: TestUser, blocked: TestUser) {
  const res = await api('/api/friend/block', {
    method: 'POST',
    token: blocker.accessToken,
    json: { userId: blocked.id },
  })
  expectStatus(res, 200, 'block')
}

export async function createPost(author: TestUser, fields: Record<string, unknown> = {}) {
  const res = await api('/api/posts', {
    method: 'POST',
    token: author.accessToken,
    json: { text: 'Hello world', ...fields },
  })
  expectStatus(res, 201, 'create post')
  return res.body.post as { id: string; [k: string]: any }
}

/** A finished image upload of `purpose` through the real presigned flow. */
export async function uploadImage(owner: TestUser, purpose = 'post'): Promise<string> {
  const start = await api('/api/media/upload', {
    method: 'POST',
    token: owner.accessToken,
    json: { purpose, contentType: 'image/png', size: PNG_1x1.length },
  })
  expectStatus(start, 201, 'upload')
  const put = await fetch(start.body.upload.url, {
    method: 'PUT',
    headers: start.body.upload.headers,
    body: PNG_1x1,
  })
  if (!put.ok) throw new Error(`PUT: ${put.status}`)
  const done = await api(`/api/media/${start.body.media.id}/complete`, {
    method: 'POST',
    token: owner.accessToken,
    json: {},
  })
  expectStatus(done, 200, 'complete')
  return start.body.media.id
}

/** A video media record of `purpose` in `status`, as the transcoder leaves it. */
export async function insertVideo(ownerId: string, purpose: string, status = 'ready') {
  const _id = new ObjectId()
  await (await testDb()).collection('media').insertOne({
    _id,
    ownerId: new ObjectId(ownerId),
    purpose,
    kind: 'video',
    contentType: 'video/mp4',
    declaredSize: 1000,
    key: `media/${purpose}/${_id.toHexString()}/original`,
    status,
    upload: { mode: 'single' },
    createdAt: new Date(),
    updatedAt: new Date(),
  })
  return _id.toHexString()
}

/** The user's UserChannel socket, past its welcome. */
export async function userChannel(user: TestUser): Promise<TestSocket> {
  const res = await api('/api/realtime/user-ticket', { method: 'POST', token: user.accessToken })
  expectStatus(res, 200, 'user ticket')
  const socket = await openSocket(`${workerUrl().replace('http', 'ws')}${res.body.url}`)
  await socket.next((m) => m.type === 'welcome')
  return socket
}

/** Every page of a cursor listing, following nextCursor. */
export async function allPages(path: string, token: string, key: string, limit = 50) {
  const items: any[] = []
  let cursor: string | null = null
  do {
    const sep = path.includes('?') ? '&' : '?'
    const res: { status: number; body: any } = await api(
      `${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
      {
        token,
      },
    )
    expectStatus(res, 200, path)
    items.push(...res.body[key])
    cursor = res.body.nextCursor
  } while (cursor)
  return items
}
