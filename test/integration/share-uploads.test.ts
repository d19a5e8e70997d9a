// Share-code uploads end to end: an owner issues a code, a resident proves code + house + postcode
// and sends files (presigned PUTs, inline base64, bulk), the owner is told live and manages the
// upload; wrong proofs are refused, guessing is rate-limited, and other owners see nothing.
import { beforeAll, describe, expect, it } from 'vitest'
import { api } from '../harness/http'
import { storedKeys } from '../harness/storage'
import { freshIp, testDb } from '../harness/users'
import { userChannelSocket } from '../harness/chat'
import { vd, videodeskUser, type VideodeskUser } from '../harness/videodesk'

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
)
const PNG_DATA_URL = `data:image/png;base64,${PNG.toString('base64')}`
const WEBM = Buffer.from(
  '1a45dfa3010000000000001f4286810142f7810142f2810442f381084282847765626d',
  'hex',
)

let owner: VideodeskUser
let stranger: VideodeskUser

beforeAll(async () => {
  await api('/api/health')
  ;[owner, stranger] = await Promise.all([videodeskUser(), videodeskUser()])
})

interface Issued {
  id: string
  accessCode: string
  proof: { accessCode: string; house: string; postcode: string }
}

async function issueCode(by = owner, resident: Record<string, unknown> = {}): Promise<Issued> {
  const res = await vd(by, '/uploads/share-codes', {
    method: 'POST',
    json: { residentName: 'Rita Resident', house: '12B', postcode: 'SW1A 1AA', ...resident },
  })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  const { id, accessCode } = res.body.upload
  return {
    id,
    accessCode,
    proof: {
      accessCode,
      house: String(resident.house ?? '12B'),
      postcode: String(resident.postcode ?? 'SW1A 1AA'),
    },
  }
}

/** A resident's device: one IP for all its calls. */
const resident = () => {
  const ip = freshIp()
  return (path: string, init: { method?: string; json?: unknown } = {}) =>
    vd(undefined, path, { ...init, headers: { 'cf-connecting-ip': ip } })
}

async function startSession(proof: Issued['proof'], call = resident()) {
  const res = await call('/upload/session', { method: 'POST', json: proof })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body.sessionId as string
}

async function presignedFile(sessionId: string, size = PNG.length, contentType = 'image/png') {
  const res = await vd(undefined, `/upload/file/${sessionId}`, {
    method: 'POST',
    json: { contentType, size, fileName: '../../etc/passwd.png' },
  })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body as {
    file: { id: string }
    upload: { url: string; headers: Record<string, string> }
  }
}

const put = (upload: { url: string; headers: Record<string, string> }, body: Buffer) =>
  fetch(upload.url, { method: 'PUT', headers: upload.headers, body: new Uint8Array(body) })

describe('a resident sends files through a session', () => {
  it('stores presigned and inline files, tells the owner live, and shows them to the owner only', async () => {
    const issued = await issueCode()
    expect(issued.accessCode).toMatch(/^[0-9A-HJKMNP-TV-Z]{10}$/)
    const call = resident()
    // Codes are typed by hand: case, spaces and dashes do not matter, nor does house spacing.
    const valid = await call('/validate-access-code', {
      method: 'POST',
      json: {
        accessCode: `${issued.accessCode.slice(0, 5).toLowerCase()}-${issued.accessCode.slice(5)}`,
        house: ' 12b ',
        postcode: 'sw1a1aa',
      },
    })
    expect(valid.status, JSON.stringify(valid.body)).toBe(200)
    expect(valid.body).toMatchObject({ valid: true, upload: { residentName: 'Rita Resident' } })

    const sessionId = await startSession(issued.proof, call)
    const presigned = await presignedFile(sessionId)
    expect(new URL(presigned.upload.url).pathname).toMatch(
      new RegExp(`/upload_images/${issued.id}/${presigned.file.id}$`),
    )
    expect(presigned.upload.url).not.toContain('passwd')
    const inline = await vd(undefined, `/upload/file/${sessionId}`, {
      method: 'POST',
      json: { data: PNG_DATA_URL, fileName: 'kitchen.png' },
    })
    expect(inline.status, JSON.stringify(inline.body)).toBe(201)
    expect(inline.body.file).toMatchObject({ kind: 'image', status: 'uploaded', size: PNG.length })
    const video = await presignedFile(sessionId, WEBM.length, 'video/webm')

    const before = await vd(undefined, `/upload/progress/${sessionId}`)
    expect(before.body).toMatchObject({ status: 'open', total: 3, uploaded: 1, percent: 33 })
    expect((await put(presigned.upload, PNG)).status).toBe(200)
    expect((await put(video.upload, WEBM)).status).toBe(200)
    const after = await vd(undefined, `/upload/progress/${sessionId}`)
    expect(after.body).toMatchObject({ total: 3, uploaded: 3, percent: 100 })

    const socket = await userChannelSocket(owner)
    try {
      const done = await vd(undefined, `/upload/complete/${sessionId}`, {
        method: 'POST',
        json: { notes: 'Damp in the kitchen' },
      })
      expect(done.status, JSON.stringify(done.body)).toBe(200)
      expect(done.body.upload).toMatchObject({ imageCount: 2, videoCount: 1 })
      const live = await socket.next((m) => m.type === 'notification.new')
      expect(live.notification).toMatchObject({
        type: 'upload.received',
        data: { uploadId: issued.id, accessCode: issued.accessCode, images: 2, videos: 1 },
      })
    } finally {
      await socket.close()
    }
    expect((await vd(undefined, `/upload/progress/${sessionId}`)).body.status).toBe('completed')
    const again = await vd(undefined, `/upload/complete/${sessionId}`, { method: 'POST', json: {} })
    expect(again.status).toBe(409)

    const full = await vd(owner, `/upload/${issued.accessCode}`)
    expect(full.status).toBe(200)
    expect(full.body.upload).toMatchObject({
      status: 'received',
      residentNotes: 'Damp in the kitchen',
      resident: { name: 'Rita Resident', house: '12B' },
    })
    expect(full.body.upload.images).toHaveLength(2)
    const bytes = Buffer.from(await (await fetch(full.body.upload.videos[0].url)).arrayBuffer())
    expect(bytes.equals(WEBM)).toBe(true)

    // The code alone (or another owner) sees a bare status: no resident, no files.
    for (const who of [undefined, stranger]) {
      const bare = await vd(who, `/upload/${issued.accessCode}`)
      expect(bare.status).toBe(200)
      expect(bare.body.upload).toEqual({
        accessCode: issued.accessCode,
        status: 'received',
        imageCount: 2,
        videoCount: 1,
        createdAt: expect.any(String),
      })
    }

    const latest = await vd(owner, '/uploads/my-latest')
    expect(latest.body.upload.id).toBe(issued.id)
    const check = await vd(owner, '/uploads/notification/check')
    expect(check.body.hasNew).toBe(true)
    expect(check.body.uploads.map((u: any) => u.id)).toContain(issued.id)
    const marked = await vd(owner, `/uploads/notification/mark-sent/${issued.accessCode}`, {
      method: 'POST',
    })
    expect(marked.status).toBe(200)
    const checked = await vd(owner, '/uploads/notification/check')
    expect(checked.body.uploads.map((u: any) => u.id)).not.toContain(issued.id)
  })

  it('records a visit made with code, house and postcode, and refuses a wrong house', async () => {
    const issued = await issueCode()
    const call = resident()
    const wrong = await call(`/upload/${issued.accessCode}/access`, {
      method: 'POST',
      json: { house: '14', postcode: 'SW1A 1AA' },
    })
    expect(wrong.status).toBe(403)
    const visit = await call(`/upload/${issued.accessCode}/access`, {
      method: 'POST',
      json: { house: '12B', postcode: 'SW1A 1AA' },
    })
    expect(visit.status).toBe(200)
    expect(visit.body.upload).toMatchObject({ accessCount: 1, resident: { name: 'Rita Resident' } })
    const stored = await (await testDb()).collection('uploads').findOne({
      accessCode: issued.accessCode,
    })
    expect(stored!.accessHistory).toHaveLength(1)
  })
})

describe('what a session refuses', () => {
  it('keeps a session open until every file is really stored, and drops a file unlike its declaration', async () => {
    const issued = await issueCode()
    const sessionId = await startSession(issued.proof)
    const empty = await vd(undefined, `/upload/complete/${sessionId}`, { method: 'POST' })
    expect(empty.status).toBe(400)

    const liar = await presignedFile(sessionId, PNG.length + 10)
    const early = await vd(undefined, `/upload/complete/${sessionId}`, { method: 'POST', json: {} })
    expect(early.status).toBe(400)
    expect(early.body.details[0].path).toBe(`files.${liar.file.id}`)

    await put(liar.upload, PNG)
    const mismatch = await vd(undefined, `/upload/complete/${sessionId}`, {
      method: 'POST',
      json: {},
    })
    expect(mismatch.status).toBe(422)
    expect(await storedKeys(`upload_images/${issued.id}/`)).toEqual([])
    const progress = await vd(undefined, `/upload/progress/${sessionId}`)
    expect(progress.body).toMatchObject({ status: 'open', total: 0 })

    const good = await presignedFile(sessionId)
    await put(good.upload, PNG)
    const done = await vd(undefined, `/upload/complete/${sessionId}`, { method: 'POST', json: {} })
    expect(done.status).toBe(200)
    const late = await vd(undefined, `/upload/file/${sessionId}`, {
      method: 'POST',
      json: { data: PNG_DATA_URL },
    })
    expect(late.status).toBe(409)
  })

  it('checks type and size before signing or storing anything', async () => {
    const issued = await issueCode()
    const sessionId = await startSession(issued.proof)
    const file = (json: unknown) =>
      vd(undefined, `/upload/file/${sessionId}`, { method: 'POST', json })
    expect((await file({ contentType: 'image/png', size: 3 * 1024 * 1024 })).status).toBe(413)
    expect((await file({ contentType: 'application/x-msdownload', size: 10 })).status).toBe(415)
    expect((await file({ contentType: 'image/png', size: -1 })).status).toBe(400)
    expect((await file({ contentType: 'image/png', size: 10, extra: true })).status).toBe(400)
    const big = Buffer.alloc(600 * 1024).toString('base64')
    const tooBig = await file({ data: `data:image/png;base64,${big}` })
    expect(tooBig.status).toBe(413)
    expect(tooBig.body.code).toBe('PAYLOAD_TOO_LARGE')
    expect((await file({ data: 'not base64 at all!', contentType: 'image/png' })).status).toBe(400)
    expect((await file({ data: PNG.toString('base64') })).status).toBe(400)
    expect((await file({ data: 'data:text/html;base64,PGgxPg==' })).status).toBe(415)
    const progress = await vd(undefined, `/upload/progress/${sessionId}`)
    expect(progress.body.total).toBe(0)

    expect((await vd(undefined, '/upload/progress/AAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404)
    expect((await vd(undefined, '/upload/progress/short')).status).toBe(400)
    const unknown = await vd(undefined, '/upload/file/AAAAAAAAAAAAAAAAAAAAAA', {
      method: 'POST',
      json: { data: PNG_DATA_URL },
    })
    expect(unknown.status).toBe(404)
  })
})

describe('bulk upload of inline files (old clients)', () => {
  it('stores small inline images in one request and refuses oversize, mistyped or empty posts', async () => {
    const issued = await issueCode()
    const call = resident()
    const sent = await call('/upload', {
      method: 'POST',
      json: { ...issued.proof, images: [PNG_DATA_URL, PNG_DATA_URL], notes: 'Two photos' },
    })
    expect(sent.status, JSON.stringify(sent.body)).toBe(201)
    expect(sent.body.upload).toMatchObject({ imageCount: 2, videoCount: 0 })
    const mine = await vd(owner, `/upload/${issued.accessCode}`)
    expect(mine.body.upload.images).toHaveLength(2)
    const bytes = Buffer.from(await (await fetch(mine.body.upload.images[1].url)).arrayBuffer())
    expect(bytes.equals(PNG)).toBe(true)

    const none = await call('/upload', { method: 'POST', json: { ...issued.proof } })
    expect(none.status).toBe(400)
    const mistyped = await call('/upload', {
      method: 'POST',
      json: { ...issued.proof, videos: [PNG_DATA_URL] },
    })
    expect(mistyped.status).toBe(415)
    const huge = Buffer.alloc(1100 * 1024).toString('base64')
    const overBody = await call('/upload', {
      method: 'POST',
      json: { ...issued.proof, images: [`data:image/png;base64,${huge}`] },
    })
    expect(overBody.status).toBe(413)
    expect(overBody.body.success).toBe(false)
    const after = await vd(owner, `/upload/${issued.accessCode}`)
    expect(after.body.upload.images).toHaveLength(2)
    expect(after.body.upload.videos).toHaveLength(0)
  })
})

describe('proving a share code', () => {
  it('refuses a wrong code, house or postcode with one answer, and malformed input with 400', async () => {
    const issued = await issueCode()
    const other = await issueCode(owner, { house: '7', postcode: 'E1 6AN' })
    const call = resident()
    const attempts = [
      { ...issued.proof, house: '12C' },
      { ...issued.proof, postcode: 'SW1A 1AB' },
      { ...issued.proof, accessCode: other.accessCode },
      { ...issued.proof, accessCode: 'ZZZZZZZZZZ' },
    ]
    const answers = []
    for (const json of attempts) {
      const res = await call('/validate-access-code', { method: 'POST', json })
      expect(res.status).toBe(403)
      answers.push(res.body.message)
    }
    expect(new Set(answers).size).toBe(1)
    for (const json of [
      { ...issued.proof, accessCode: 'abc' },
      { ...issued.proof, accessCode: 'ABCD$FGHJK' },
      { ...issued.proof, accessCode: { $ne: null } },
      { ...issued.proof, house: '' },
      { accessCode: issued.accessCode },
    ]) {
      expect((await call('/validate-access-code', { method: 'POST', json })).status).toBe(400)
    }
    const session = await call('/upload/session', {
      method: 'POST',
      json: { ...issued.proof, postcode: 'N1 9GU' },
    })
    expect(session.status).toBe(403)
  })

  it('rate-limits guessing per client IP', async () => {
    const issued = await issueCode()
    const call = resident()
    const statuses = []
    for (let i = 0; i < 11; i++) {
      const res = await call('/validate-access-code', {
        method: 'POST',
        json: { ...issued.proof, house: `guess ${i}` },
      })
      statuses.push(res.status)
    }
    expect(statuses.slice(0, 10).every((s) => s === 403)).toBe(true)
    expect(statuses[10]).toBe(429)
    // Even the right answer waits now, from this IP.
    const right = await call('/validate-access-code', { method: 'POST', json: issued.proof })
    expect(right.status).toBe(429)
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(
      (await resident()('/validate-access-code', { method: 'POST', json: issued.proof })).status,
    ).toBe(200)
  })

  it('rate-limits guessing on one code spread over many IPs', async () => {
    const issued = await issueCode()
    let last = 0
    for (let i = 0; i < 21; i++) {
      last = (
        await resident()('/validate-access-code', {
          method: 'POST',
          json: { ...issued.proof, postcode: `AB${i} 1CD` },
        })
      ).status
    }
    expect(last).toBe(429)
    const right = await resident()('/validate-access-code', { method: 'POST', json: issued.proof })
    expect(right.status).toBe(429)
  })
})

describe('expired sessions', () => {
  it('are swept by the cron with the files they left in storage', async () => {
    const issued = await issueCode()
    const sessionId = await startSession(issued.proof)
    const file = await presignedFile(sessionId)
    await put(file.upload, PNG)
    expect(await storedKeys(`upload_images/${issued.id}/`)).toHaveLength(1)
    const sessions = (await testDb()).collection<{ _id: string }>('upload_sessions')
    await sessions.updateOne(
      { _id: sessionId },
      { $set: { expiresAt: new Date(Date.now() - 1000) } },
    )

    expect((await api('/__scheduled?cron=*+*+*+*+*')).status).toBe(200)
    // The cron handler runs its sweeps in waitUntil, after answering; it deletes the session's
    // files before the session, so once the session is gone the files must be too.
    await expect
      .poll(() => sessions.countDocuments({ _id: sessionId }), { timeout: 5000, interval: 100 })
      .toBe(0)
    expect(await storedKeys(`upload_images/${issued.id}/`)).toEqual([])
    expect((await vd(undefined, `/upload/progress/${sessionId}`)).status).toBe(404)
  })
})

describe("an owner's uploads", () => {
  it('lists, searches, trashes, restores and deletes for good with the stored files', async () => {
    const issued = await issueCode(owner, { residentName: 'Searchable Sam', reference: 'REF-991' })
    await issueCode(owner, { residentName: 'Other Olga' })
    await resident()('/upload', {
      method: 'POST',
      json: { ...issued.proof, images: [PNG_DATA_URL] },
    })

    const mine = await vd(owner, '/uploads/my?limit=100')
    expect(mine.status).toBe(200)
    expect(mine.body.uploads.map((u: any) => u.id)).toContain(issued.id)
    expect(mine.body.uploads.every((u: any) => u.images === undefined)).toBe(true)
    const pageOne = await vd(owner, '/uploads/my?limit=1')
    expect(pageOne.body.uploads).toHaveLength(1)
    expect(pageOne.body.pagination.total).toBeGreaterThan(1)

    const found = await vd(owner, '/uploads/search', { method: 'POST', json: { query: 'ref-99' } })
    expect(found.body.uploads.map((u: any) => u.id)).toEqual([issued.id])
    const regex = await vd(owner, '/uploads/search', { method: 'POST', json: { query: '.*' } })
    expect(regex.body.uploads).toEqual([])
    const byPostcode = await vd(owner, '/uploads/search', {
      method: 'POST',
      json: { postcode: 'sw1a 1aa', status: 'received' },
    })
    expect(byPostcode.body.uploads.map((u: any) => u.id)).toContain(issued.id)
    const badDates = await vd(owner, '/uploads/search', {
      method: 'POST',
      json: { from: '2030-01-01T00:00:00Z', to: '2020-01-01T00:00:00Z' },
    })
    expect(badDates.status).toBe(400)
    expect(
      (await vd(owner, '/uploads/search', { method: 'POST', json: { query: 5 } })).status,
    ).toBe(400)

    expect((await vd(owner, `/uploads/${issued.id}`, { method: 'DELETE' })).status).toBe(200)
    expect((await vd(owner, `/uploads/${issued.id}`, { method: 'DELETE' })).status).toBe(404)
    const trash = await vd(owner, '/uploads/trash')
    expect(trash.body.uploads.map((u: any) => u.id)).toContain(issued.id)
    expect(
      (await vd(owner, '/uploads/my?limit=100')).body.uploads.map((u: any) => u.id),
    ).not.toContain(issued.id)
    // A trashed code stops working for residents.
    expect(
      (await resident()('/upload/session', { method: 'POST', json: issued.proof })).status,
    ).toBe(403)
    expect((await vd(owner, `/uploads/restore/${issued.id}`, { method: 'PUT' })).status).toBe(200)
    expect((await vd(owner, `/uploads/restore/${issued.id}`, { method: 'PUT' })).status).toBe(404)
    const sessionId = await startSession(issued.proof)
    const pending = await presignedFile(sessionId)
    await put(pending.upload, PNG)

    expect(await storedKeys(`upload_images/${issued.id}/`)).toHaveLength(2)
    const stored = await vd(owner, `/upload/${issued.accessCode}`)
    const fileUrl = stored.body.upload.images[0].url
    expect((await fetch(fileUrl)).status).toBe(200)
    const gone = await vd(owner, `/uploads/permanent/${issued.id}`, { method: 'DELETE' })
    expect(gone.status).toBe(200)
    expect(gone.body.deletedFiles).toBe(2)
    expect((await fetch(fileUrl)).status).toBe(404)
    expect(await storedKeys(`upload_images/${issued.id}/`)).toEqual([])
    expect(
      await (
        await testDb()
      )
        .collection('uploads')
        .countDocuments({ accessCode: issued.accessCode }),
    ).toBe(0)
    expect(
      await (
        await testDb()
      )
        .collection('upload_sessions')
        .countDocuments({ _id: sessionId as any }),
    ).toBe(0)
    expect((await vd(owner, `/upload/${issued.accessCode}`)).status).toBe(404)
  })

  it("never lets another owner or an anonymous caller read or change an owner's upload", async () => {
    const issued = await issueCode()
    const paths: [string, string, unknown?][] = [
      ['DELETE', `/uploads/${issued.id}`],
      ['PUT', `/uploads/restore/${issued.id}`],
      ['DELETE', `/uploads/permanent/${issued.id}`],
      ['POST', `/uploads/notification/mark-sent/${issued.accessCode}`],
    ]
    for (const [method, path] of paths) {
      expect((await vd(stranger, path, { method })).status, `${method} ${path}`).toBe(404)
      expect((await vd(undefined, path, { method })).status, `${method} ${path}`).toBe(401)
    }
    for (const path of [
      '/uploads/my',
      '/uploads/trash',
      '/uploads/my-latest',
      '/uploads/notification/check',
    ]) {
      const res = await vd(stranger, path)
      expect(JSON.stringify(res.body)).not.toContain(issued.id)
      expect((await vd(undefined, path)).status).toBe(401)
    }
    const search = await vd(stranger, '/uploads/search', {
      method: 'POST',
      json: { query: 'Rita' },
    })
    expect(search.body.uploads.map((u: any) => u.id)).not.toContain(issued.id)
    expect((await vd(undefined, '/uploads/share-codes', { method: 'POST', json: {} })).status).toBe(
      401,
    )
    const stored = await (
      await testDb()
    )
      .collection('uploads')
      .findOne({ accessCode: issued.accessCode })
    expect(stored).toMatchObject({ deleted: false, notificationSent: false })
    expect((await vd(owner, '/uploads/not-an-id', { method: 'DELETE' })).status).toBe(400)
  })
})
