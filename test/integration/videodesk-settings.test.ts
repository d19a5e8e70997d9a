// Videodesk account extras: logo (uploaded media or URL), landlord branding, message settings with
// the live `message-settings-updated` event, pagination settings; bad input and anonymous refused.
import { beforeAll, describe, expect, it } from 'vitest'
import { api } from '../harness/http'
import { testDb } from '../harness/users'
import { userChannelSocket } from '../harness/chat'
import { vd, videodeskUser, type VideodeskUser } from '../harness/videodesk'

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
)

let user: VideodeskUser
let other: VideodeskUser

beforeAll(async () => {
  await api('/api/health')
  ;[user, other] = await Promise.all([videodeskUser(), videodeskUser()])
})

/** An image uploaded through the media pipeline; completed (ready) unless told otherwise. */
async function uploadImage(owner: VideodeskUser, complete = true): Promise<string> {
  const start = await api('/api/media/upload', {
    method: 'POST',
    token: owner.accessToken,
    json: { purpose: 'avatar', contentType: 'image/png', size: PNG.length },
  })
  expect(start.status).toBe(201)
  if (complete) {
    const { url, headers } = start.body.upload
    await fetch(url, { method: 'PUT', headers, body: new Uint8Array(PNG) })
    const done = await api(`/api/media/${start.body.media.id}/complete`, {
      method: 'POST',
      token: owner.accessToken,
      json: {},
    })
    expect(done.status).toBe(200)
  }
  return start.body.media.id
}

describe('logo', () => {
  it('takes a ready image of your own or a URL, and can be removed', async () => {
    const mediaId = await uploadImage(user)
    const set = await vd(user, '/user/update-logo', { method: 'PUT', json: { mediaId } })
    expect(set.status, JSON.stringify(set.body)).toBe(200)
    expect(set.body.logo.mediaId).toBe(mediaId)
    const bytes = Buffer.from(await (await fetch(set.body.logo.url)).arrayBuffer())
    expect(bytes.equals(PNG)).toBe(true)

    const byUrl = await vd(user, '/user/update-logo', {
      method: 'PUT',
      json: { logoUrl: 'https://cdn.example.com/logo.png' },
    })
    expect(byUrl.body.logo).toEqual({ url: 'https://cdn.example.com/logo.png', mediaId: null })
    const removed = await vd(user, '/user/update-logo', { method: 'PUT', json: { logoUrl: null } })
    expect(removed.body.logo).toEqual({ url: null, mediaId: null })
  })

  it("refuses another user's media, unfinished media, bad URLs and anonymous callers", async () => {
    const theirs = await uploadImage(other)
    expect(
      (await vd(user, '/user/update-logo', { method: 'PUT', json: { mediaId: theirs } })).status,
    ).toBe(404)
    const pending = await uploadImage(user, false)
    expect(
      (await vd(user, '/user/update-logo', { method: 'PUT', json: { mediaId: pending } })).status,
    ).toBe(409)
    for (const json of [
      { logoUrl: 'javascript:alert(1)' },
      { logoUrl: 'https://x.test/a.png', mediaId: theirs },
      {},
      { mediaId: 'nope' },
    ]) {
      expect((await vd(user, '/user/update-logo', { method: 'PUT', json })).status).toBe(400)
    }
    const anonymous = await vd(undefined, '/user/update-logo', {
      method: 'PUT',
      json: { logoUrl: 'https://x.test/a.png' },
    })
    expect(anonymous.status).toBe(401)
    const stored = await (
      await testDb()
    )
      .collection('users')
      .findOne({ email: other.email }, { projection: { logo: 1 } })
    expect(stored?.logo).toBeUndefined()
  })
})

describe('landlord info', () => {
  it('changes only the fields given and refuses unsafe values', async () => {
    const first = await vd(user, '/user/update-landlord-info', {
      method: 'PUT',
      json: { landlordName: 'Acme Homes', buttonColor: '#112233' },
    })
    expect(first.status).toBe(200)
    const second = await vd(user, '/user/update-landlord-info', {
      method: 'PUT',
      json: { redirectUrlDefault: 'https://acme.example/thanks' },
    })
    expect(second.body.landlordInfo).toEqual({
      landlordName: 'Acme Homes',
      buttonColor: '#112233',
      redirectUrlDefault: 'https://acme.example/thanks',
    })
    for (const json of [
      { buttonColor: 'red;background:url(x)' },
      { redirectUrlTailored: 'javascript:alert(1)' },
      { landlordName: 'x'.repeat(201) },
      { unknown: true },
      {},
    ]) {
      const res = await vd(user, '/user/update-landlord-info', { method: 'PUT', json })
      expect(res.status, JSON.stringify(json)).toBe(400)
    }
    expect(
      (
        await vd(undefined, '/user/update-landlord-info', {
          method: 'PUT',
          json: { landlordName: 'x' },
        })
      ).status,
    ).toBe(401)
  })
})

describe('message settings', () => {
  it('answers defaults, stores changes and tells every open socket of the user only', async () => {
    const fresh = await videodeskUser()
    const defaults = await vd(fresh, '/user/message-settings')
    expect(defaults.body.messageSettings).toEqual({
      messageOption: 'default',
      customMessage: '',
      senderName: '',
      includeLogo: true,
    })
    const mine = await userChannelSocket(fresh)
    const theirs = await userChannelSocket(other)
    try {
      const res = await vd(fresh, '/user/message-settings', {
        method: 'PUT',
        json: { messageOption: 'custom', customMessage: 'Hello from Acme' },
      })
      expect(res.status).toBe(200)
      const event = await mine.next((m) => m.type === 'message-settings-updated')
      expect(event.messageSettings).toMatchObject({
        messageOption: 'custom',
        customMessage: 'Hello from Acme',
        includeLogo: true,
      })
      // The other user's socket hears nothing: a ping's pong comes after anything sent before.
      theirs.send({ type: 'ping', rid: 'p1' })
      await theirs.next((m) => m.type === 'pong' && m.rid === 'p1')
      expect(theirs.messages.some((m) => m.type === 'message-settings-updated')).toBe(false)
    } finally {
      await Promise.all([mine.close(), theirs.close()])
    }
    const read = await vd(fresh, '/user/message-settings')
    expect(read.body.messageSettings.customMessage).toBe('Hello from Acme')
    expect((await vd(other, '/user/message-settings')).body.messageSettings.messageOption).toBe(
      'default',
    )
    for (const json of [{ messageOption: 'loud' }, { customMessage: 'x'.repeat(1001) }, {}]) {
      expect((await vd(fresh, '/user/message-settings', { method: 'PUT', json })).status).toBe(400)
    }
    expect((await vd(undefined, '/user/message-settings')).status).toBe(401)
  })
})

describe('pagination settings', () => {
  it('stores page sizes, which lists then use by default', async () => {
    const fresh = await videodeskUser()
    expect((await vd(fresh, '/user/pagination-settings')).body.paginationSettings).toEqual({
      meetingsPerPage: 10,
      uploadsPerPage: 10,
      chatSessionsPerPage: 20,
    })
    const set = await vd(fresh, '/user/pagination-settings', {
      method: 'PUT',
      json: { uploadsPerPage: 2 },
    })
    expect(set.body.paginationSettings).toMatchObject({ uploadsPerPage: 2, meetingsPerPage: 10 })
    for (let i = 0; i < 3; i++) {
      await vd(fresh, '/uploads/share-codes', {
        method: 'POST',
        json: { residentName: `R${i}`, house: '1', postcode: 'E1 6AN' },
      })
    }
    const page = await vd(fresh, '/uploads/my')
    expect(page.body.uploads).toHaveLength(2)
    expect(page.body.pagination).toMatchObject({ limit: 2, total: 3, pages: 2 })
    for (const json of [{ uploadsPerPage: 0 }, { uploadsPerPage: 101 }, { uploadsPerPage: '5' }]) {
      expect((await vd(fresh, '/user/pagination-settings', { method: 'PUT', json })).status).toBe(
        400,
      )
    }
    expect((await vd(undefined, '/user/pagination-settings')).status).toBe(401)
  })
})
