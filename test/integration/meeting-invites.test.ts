// Guest invite links (/api/v1/send-token, /resend-token) texted through Twilio (its fake captures
// them) or emailed, checked phone numbers and regions, and /room-user-info with the sealed
// inviter id a link carries: a tampered or forged value is refused.
import { beforeAll, describe, expect, it } from 'vitest'
import { readMail, readSms, waitForMail } from '../harness/capture'
import { api } from '../harness/http'
import { newRoomId } from '../harness/meetings'
import { videodeskUser, type VideodeskUser } from '../harness/videodesk'
import { uniqueEmail } from '../harness/users'

let owner: VideodeskUser
let stranger: VideodeskUser

beforeAll(async () => {
  await api('/api/health')
  ;[owner, stranger] = await Promise.all([videodeskUser('Olive Owner'), videodeskUser()])
})

const ukPhone = () => `+447700${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`
const send = (user: VideodeskUser, path: string, query: Record<string, string>) =>
  user.call(`/api/v1/${path}?${new URLSearchParams(query)}`)

async function smsTo(phone: string) {
  await expect.poll(async () => (await readSms(phone)).length, { interval: 50 }).toBeGreaterThan(0)
  return (await readSms(phone))[0]
}

const linkIn = (text: string) => new URL(/https?:\/\/\S+/.exec(text)![0])

describe('send-token', () => {
  it('texts the resident a link that admits them as the guest and names the inviter', async () => {
    const roomId = newRoomId()
    const phone = ukPhone()
    // Spaces and dashes are fine: the number is normalised before it is checked.
    const res = await send(owner, 'send-token', {
      roomId,
      phone: `${phone.slice(0, 3)} ${phone.slice(3, 7)}-${phone.slice(7)}`,
      name: 'Rita',
    })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body).toMatchObject({ success: true, roomId, sentTo: 'sms' })
    const sms = await smsTo(phone)
    expect(sms.body).toContain('Hi Rita, Olive Owner has invited you to a video call')
    const link = linkIn(sms.body)
    expect(link.toString()).toBe(res.body.link)
    expect(link.pathname).toBe('/meeting.html')
    expect(link.searchParams.get('room')).toBe(roomId)

    const ticket = await api(`/api/v1/meeting-rooms/${roomId}/guest-ticket`, {
      method: 'POST',
      json: { token: link.searchParams.get('token') },
    })
    expect(ticket.status).toBe(200)
    expect(ticket.body.role).toBe('guest')

    const info = await api(
      `/api/v1/room-user-info?${new URLSearchParams({ userId: link.searchParams.get('userId')! })}`,
    )
    expect(info.status).toBe(200)
    expect(info.body).toEqual({
      success: true,
      user: { name: 'Olive Owner', profileImage: null, logo: null, landlordInfo: null },
    })
  })

  it('emails the link, and makes a room id (claimed for the sender) when none is given', async () => {
    const email = uniqueEmail('resident')
    const res = await send(owner, 'send-token', { email })
    expect(res.status).toBe(200)
    expect(res.body.sentTo).toBe('email')
    const roomId = res.body.roomId
    expect(roomId).toMatch(/^[0-9a-f-]{36}$/)
    const mail = await waitForMail(email)
    expect(mail.subject).toBe('Olive Owner has invited you to a video call')
    expect(linkIn(mail.text).searchParams.get('token')).toBe(res.body.token)
    expect(
      (await owner.call(`/api/v1/meeting-rooms/${roomId}/ticket`, { method: 'POST' })).status,
    ).toBe(200)
    expect(
      (await stranger.call(`/api/v1/meeting-rooms/${roomId}/ticket`, { method: 'POST' })).status,
    ).toBe(403)
    // Nobody else can send invites into it either.
    expect((await send(stranger, 'send-token', { roomId, email })).status).toBe(403)
  })

  it('refuses numbers outside the allowed countries and malformed requests, sending nothing', async () => {
    const french = '+33612345678'
    const refused = await send(owner, 'send-token', { roomId: newRoomId(), phone: french })
    expect(refused.status).toBe(422)
    expect(refused.body).toMatchObject({ success: false, code: 'UNPROCESSABLE' })
    expect(refused.body.message).toContain('+44')
    expect(await readSms(french)).toEqual([])

    const bad: Record<string, string>[] = [
      {},
      { phone: 'call me maybe' },
      { phone: '07700900123' },
      { phone: ukPhone(), email: uniqueEmail() },
      { email: 'not-an-email' },
      { email: uniqueEmail(), roomId: 'bad room' },
      { email: uniqueEmail(), extra: 'x' },
    ]
    for (const query of bad) {
      const res = await send(owner, 'send-token', query)
      expect(res.status, JSON.stringify(query)).toBe(400)
      expect(res.body.code).toBe('VALIDATION_ERROR')
    }
    expect((await api(`/api/v1/send-token?email=${uniqueEmail()}`)).status).toBe(401)
  })
})

describe('resend-token', () => {
  it('sends a fresh link into your own room only', async () => {
    const roomId = newRoomId()
    const email = uniqueEmail('resident')
    const first = await send(owner, 'send-token', { roomId, email })
    const again = await send(owner, 'resend-token', { roomId, email })
    expect(again.status).toBe(200)
    expect(again.body.token).not.toBe(first.body.token)
    await expect.poll(async () => (await readMail(email)).length, { interval: 50 }).toBe(2)

    expect((await send(stranger, 'resend-token', { roomId, email })).status).toBe(404)
    expect((await send(owner, 'resend-token', { roomId: newRoomId(), email })).status).toBe(404)
    expect((await send(owner, 'resend-token', { email })).status).toBe(400)
    expect((await api(`/api/v1/resend-token?roomId=${roomId}&email=${email}`)).status).toBe(401)
  })
})

describe('room-user-info', () => {
  it('refuses a tampered, forged or malformed sealed id', async () => {
    const res = await send(owner, 'send-token', { roomId: newRoomId(), email: uniqueEmail() })
    const sealed = new URL(res.body.link).searchParams.get('userId')!
    const flip = (s: string, i: number) =>
      s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1)
    const refused = [
      flip(sealed, 5),
      flip(sealed, sealed.length - 3),
      sealed.slice(0, -4),
      Buffer.from(`${'0'.repeat(12)}${owner.id}${'0'.repeat(16)}`).toString('base64url'),
    ]
    for (const userId of refused) {
      const info = await api(`/api/v1/room-user-info?${new URLSearchParams({ userId })}`)
      expect(info.status, userId).toBe(400)
      expect(info.body).toMatchObject({ success: false, code: 'BAD_REQUEST' })
    }
    // Text that is not base64url at all is refused by the parameter's schema, before any crypto.
    for (const userId of ['!!!!not-base64-at-all!!!!', `${sealed.slice(0, 20)}+/==`]) {
      const info = await api(`/api/v1/room-user-info?${new URLSearchParams({ userId })}`)
      expect(info.status, userId).toBe(400)
      expect(info.body).toMatchObject({
        code: 'VALIDATION_ERROR',
        details: [{ path: 'query.userId', message: 'must be the userId of an invite link' }],
      })
    }
    expect((await api('/api/v1/room-user-info')).status).toBe(400)
    expect((await api(`/api/v1/room-user-info?userId=${owner.id}`)).status).toBe(400)
  })
})
