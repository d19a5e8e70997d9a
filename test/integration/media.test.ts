// Media uploads: limits checked before signing, presigned single and multipart PUTs straight to
// storage, verification of the stored object on completion, and owner-only access.
import { describe, expect, it } from 'vitest'
import { api } from '../harness/http'
import { signUpUser } from '../harness/users'

const PNG_1x1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
)

async function startImageUpload(token: string, body: Record<string, unknown> = {}) {
  return api('/api/media/upload', {
    method: 'POST',
    token,
    json: {
      purpose: 'post',
      contentType: 'image/png',
      size: PNG_1x1.length,
      fileName: '../../etc/passwd.png',
      ...body,
    },
  })
}

describe('image upload', () => {
  it('signs a PUT, verifies the stored file on completion, and serves it to its owner', async () => {
    const owner = await signUpUser()
    const start = await startImageUpload(owner.accessToken)
    expect(start.status).toBe(201)
    expect(start.body.media).toMatchObject({
      status: 'pending',
      kind: 'image',
      originalName: '../../etc/passwd.png',
    })
    const { url, headers } = start.body.upload
    // The key is the server's: fixed prefix, purpose, record id — never the client's file name.
    expect(new URL(url).pathname).toMatch(
      new RegExp(`/media/post/${start.body.media.id}/original$`),
    )
    expect(url).not.toContain('passwd')

    const put = await fetch(url, { method: 'PUT', headers, body: PNG_1x1 })
    expect(put.status).toBe(200)
    const done = await api(`/api/media/${start.body.media.id}/complete`, {
      method: 'POST',
      token: owner.accessToken,
      json: {},
    })
    expect(done.status).toBe(200)
    expect(done.body.media).toMatchObject({ status: 'ready', size: PNG_1x1.length })

    const read = await api(`/api/media/${start.body.media.id}`, { token: owner.accessToken })
    expect(read.status).toBe(200)
    const bytes = Buffer.from(await (await fetch(read.body.urls.original)).arrayBuffer())
    expect(bytes.equals(PNG_1x1)).toBe(true)

    const again = await api(`/api/media/${start.body.media.id}/complete`, {
      method: 'POST',
      token: owner.accessToken,
      json: {},
    })
    expect(again.status).toBe(409)
  })

  it('refuses to complete before the file is uploaded, and keeps the upload open', async () => {
    const owner = await signUpUser()
    const start = await startImageUpload(owner.accessToken)
    const early = await api(`/api/media/${start.body.media.id}/complete`, {
      method: 'POST',
      token: owner.accessToken,
      json: {},
    })
    expect(early.status).toBe(400)
    await fetch(start.body.upload.url, {
      method: 'PUT',
      headers: start.body.upload.headers,
      body: PNG_1x1,
    })
    const done = await api(`/api/media/${start.body.media.id}/complete`, {
      method: 'POST',
      token: owner.accessToken,
      json: {},
    })
    expect(done.status).toBe(200)
  })
})

describe('limits before signing', () => {
  it('refuses an oversize declaration with 413 and a wrong type for the purpose with 415', async () => {
    const owner = await signUpUser()
    const big = await startImageUpload(owner.accessToken, { size: 3 * 1024 * 1024 })
    expect(big.status).toBe(413)
    expect(big.body.details[0].path).toBe('size')
    const exe = await startImageUpload(owner.accessToken, {
      contentType: 'application/x-msdownload',
    })
    expect(exe.status).toBe(415)
    const videoAsAvatar = await startImageUpload(owner.accessToken, {
      purpose: 'avatar',
      contentType: 'video/mp4',
    })
    expect(videoAsAvatar.status).toBe(415)
    const badPurpose = await startImageUpload(owner.accessToken, { purpose: 'anything' })
    expect(badPurpose.status).toBe(400)
    const negative = await startImageUpload(owner.accessToken, { size: -1 })
    expect(negative.status).toBe(400)
  })
})

describe('verification after upload', () => {
  it('rejects a file whose size differs from the declaration and deletes it', async () => {
    const owner = await signUpUser()
    const start = await startImageUpload(owner.accessToken, { size: PNG_1x1.length + 10 })
    await fetch(start.body.upload.url, {
      method: 'PUT',
      headers: start.body.upload.headers,
      body: PNG_1x1,
    })
    const done = await api(`/api/media/${start.body.media.id}/complete`, {
      method: 'POST',
      token: owner.accessToken,
      json: {},
    })
    expect(done.status).toBe(422)
    expect(done.body.message).toMatch(/declared/)
    const read = await api(`/api/media/${start.body.media.id}`, { token: owner.accessToken })
    expect(read.body.media.status).toBe('rejected')
    expect(read.body.urls).toBeNull()
  })

  it('never accepts a file stored with another content type than declared', async () => {
    const owner = await signUpUser()
    const start = await startImageUpload(owner.accessToken)
    const put = await fetch(start.body.upload.url, {
      method: 'PUT',
      headers: { 'content-type': 'text/html' },
      body: PNG_1x1,
    })
    const done = await api(`/api/media/${start.body.media.id}/complete`, {
      method: 'POST',
      token: owner.accessToken,
      json: {},
    })
    if (put.ok) {
      // The local emulator does not check signatures, so the file lands: the HEAD check rejects it.
      expect(done.status).toBe(422)
      expect(done.body.message).toMatch(/text\/html/)
    } else {
      // Real S3 and R2 refuse a content type the signature does not cover: nothing was stored.
      expect(done.status).toBe(400)
    }
  })
})

describe('multipart upload', () => {
  it('signs one URL per part and assembles them on completion', async () => {
    const owner = await signUpUser()
    const size = 7 * 1024 * 1024 // over the 6 MiB test threshold: two 5 MiB parts
    const start = await api('/api/media/upload', {
      method: 'POST',
      token: owner.accessToken,
      json: { purpose: 'meeting-recording', contentType: 'video/webm', size },
    })
    expect(start.status).toBe(201)
    const { multipart } = start.body.upload
    expect(multipart.parts).toHaveLength(2)
    const data = Buffer.alloc(size, 7)
    const parts = []
    for (const part of multipart.parts) {
      const chunk = data.subarray(
        (part.partNumber - 1) * multipart.partSize,
        part.partNumber * multipart.partSize,
      )
      const res = await fetch(part.url, { method: 'PUT', body: chunk })
      expect(res.status).toBe(200)
      parts.push({ partNumber: part.partNumber, etag: res.headers.get('etag')! })
    }
    const missing = await api(`/api/media/${start.body.media.id}/complete`, {
      method: 'POST',
      token: owner.accessToken,
      json: { parts: parts.slice(0, 1) },
    })
    expect(missing.status).toBe(400)
    const done = await api(`/api/media/${start.body.media.id}/complete`, {
      method: 'POST',
      token: owner.accessToken,
      json: { parts },
    })
    expect(done.status).toBe(200)
    expect(done.body.media).toMatchObject({ status: 'processing', size })
    expect(done.body.media.jobId).toMatch(/^[0-9a-f]{24}$/)
  })
})

describe('who can see media', () => {
  it('answers 404 to anyone but the owner, and 401 to anonymous callers', async () => {
    const owner = await signUpUser()
    const stranger = await signUpUser()
    const start = await startImageUpload(owner.accessToken)
    const id = start.body.media.id
    expect((await api(`/api/media/${id}`, { token: stranger.accessToken })).status).toBe(404)
    expect(
      (
        await api(`/api/media/${id}/complete`, {
          method: 'POST',
          token: stranger.accessToken,
          json: {},
        })
      ).status,
    ).toBe(404)
    expect(
      (await api(`/api/media/${id}`, { method: 'DELETE', token: stranger.accessToken })).status,
    ).toBe(404)
    expect((await api(`/api/media/${id}`)).status).toBe(401)
    expect((await api('/api/media/not-an-id', { token: owner.accessToken })).status).toBe(400)
    expect((await api(`/api/media/${id}`, { token: owner.accessToken })).status).toBe(200)
  })

  it('lets the owner delete media and its stored file', async () => {
    const owner = await signUpUser()
    const start = await startImageUpload(owner.accessToken)
    await fetch(start.body.upload.url, {
      method: 'PUT',
      headers: start.body.upload.headers,
      body: PNG_1x1,
    })
    const done = await api(`/api/media/${start.body.media.id}/complete`, {
      method: 'POST',
      token: owner.accessToken,
      json: {},
    })
    const url = done.body.urls.original
    expect(
      (
        await api(`/api/media/${start.body.media.id}`, {
          method: 'DELETE',
          token: owner.accessToken,
        })
      ).status,
    ).toBe(200)
    expect((await fetch(url)).status).toBe(404)
    expect(
      (await api(`/api/media/${start.body.media.id}`, { token: owner.accessToken })).status,
    ).toBe(404)
  })
})

describe('stale upload sweep (cron)', () => {
  it('removes uploads never completed after MEDIA_STALE_UPLOAD_HOURS and keeps recent ones', async () => {
    const { ObjectId } = await import('mongodb')
    const { testDb } = await import('../harness/users')
    const owner = await signUpUser()
    const old = await startImageUpload(owner.accessToken)
    const recent = await startImageUpload(owner.accessToken)
    await fetch(old.body.upload.url, {
      method: 'PUT',
      headers: old.body.upload.headers,
      body: PNG_1x1,
    })
    const db = await testDb()
    await db
      .collection('media')
      .updateOne(
        { _id: new ObjectId(old.body.media.id) },
        { $set: { createdAt: new Date(Date.now() - 25 * 3_600_000) } },
      )

    const fired = await api('/__scheduled?cron=*+*+*+*+*')
    expect(fired.status).toBe(200)

    // The cron handler runs its sweeps in waitUntil, after answering.
    await expect
      .poll(
        async () =>
          (await api(`/api/media/${old.body.media.id}`, { token: owner.accessToken })).status,
        { timeout: 5000, interval: 100 },
      )
      .toBe(404)
    expect(
      (await api(`/api/media/${recent.body.media.id}`, { token: owner.accessToken })).status,
    ).toBe(200)
    // The half-finished object is gone from storage too: a late completion finds nothing.
    expect(
      await db.collection('media').countDocuments({ _id: new ObjectId(old.body.media.id) }),
    ).toBe(0)
  })
})
