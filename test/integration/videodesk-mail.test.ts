// Videodesk's contact emails, read back from the SMTP capture: each goes to its configured address
// in the sender's logo and colours with every user value escaped; bad input, anonymous callers of
// account-only routes and senders over the limit are refused.
import { randomBytes } from 'node:crypto'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { readMail } from '../harness/capture'
import { api } from '../harness/http'
import { uniqueEmail } from '../harness/users'
import { vd, videodeskUser, type VideodeskUser } from '../harness/videodesk'

const marker = () => `m-${randomBytes(6).toString('hex')}`

/** The newest mail to `to` whose text contains `mark` (shared team inboxes get many). */
function mailWith(to: string, mark: string): Promise<any> {
  return vi.waitFor(
    async () => {
      const found = (await readMail(to)).find((m) => (m.text ?? '').includes(mark))
      if (!found) throw new Error(`no mail to ${to} containing ${mark}`)
      return found
    },
    { timeout: 5000, interval: 50 },
  )
}

let branded: VideodeskUser

beforeAll(async () => {
  await api('/api/health')
  branded = await videodeskUser()
  await vd(branded, '/user/update-logo', {
    method: 'PUT',
    json: { logoUrl: 'https://cdn.example.com/acme.png' },
  })
  await vd(branded, '/user/update-landlord-info', {
    method: 'PUT',
    json: { landlordName: 'Acme Homes', brandColor: '#112233', buttonColor: '#445566' },
  })
})

describe('emails from a signed-in user', () => {
  it("sends feedback in the user's branding with every value escaped", async () => {
    const mark = marker()
    const res = await vd(branded, '/send-feedback', {
      method: 'POST',
      json: { message: `<script>alert("x")</script> ${mark}`, rating: 4, category: 'a&b' },
    })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const mail = await mailWith('feedback@videodesk.test', mark)
    expect(mail.subject).toContain('Feedback from')
    expect(mail.html).toContain('src="https://cdn.example.com/acme.png"')
    expect(mail.html).toContain('alt="Acme Homes"')
    expect(mail.html).toContain('#112233')
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;')
    expect(mail.html).not.toContain('<script>')
    expect(mail.html).toContain('a&amp;b')
    expect(mail.text).toContain('Rating: 4')
  })

  it('invites a friend with a referral link and a branded button', async () => {
    const friend = uniqueEmail('friend')
    const mark = marker()
    const res = await vd(branded, '/send-friend-link', {
      method: 'POST',
      json: { email: friend, name: 'Fran <b>', message: mark },
    })
    expect(res.status).toBe(200)
    const mail = await mailWith(friend, mark)
    expect(mail.text).toContain(`/register?ref=${branded.id}`)
    expect(mail.html).toContain('Hello Fran &lt;b&gt;')
    expect(mail.html).toContain('background:#445566')
  })

  it('raises a support ticket and answers its reference', async () => {
    const user = await videodeskUser()
    const mark = marker()
    const res = await vd(user, '/raise-support-ticket', {
      method: 'POST',
      json: { subject: 'Camera will not start', description: mark, priority: 'high' },
    })
    expect(res.status).toBe(200)
    expect(res.body.ticketReference).toMatch(/^VD-[2-9A-HJ-NP-TV-Z]{8}$/)
    const mail = await mailWith('support@videodesk.test', mark)
    expect(mail.subject).toBe(`[${res.body.ticketReference}] [high] Camera will not start`)
    // No logo set: the user's name stands in for it, in the default colours.
    expect(mail.html).not.toContain('<img')
    expect(mail.html).toContain('#0b3d91')
  })

  it('refuses anonymous callers and bad input', async () => {
    const user = await videodeskUser()
    for (const path of ['/send-feedback', '/send-friend-link', '/raise-support-ticket']) {
      const res = await vd(undefined, path, { method: 'POST', json: { message: 'x' } })
      expect(res.status, path).toBe(401)
    }
    for (const [path, json] of [
      ['/send-feedback', { message: '' }],
      ['/send-feedback', { message: 'x', rating: 6 }],
      ['/send-friend-link', { email: 'not-an-email' }],
      ['/raise-support-ticket', { subject: 'Line\nBcc: victim@example.com', description: 'x' }],
      ['/raise-support-ticket', { subject: 'x', description: 'y', priority: 'urgent' }],
    ] as const) {
      const res = await vd(user, path, { method: 'POST', json })
      expect(res.status, `${path} ${JSON.stringify(json)}`).toBe(400)
      expect(res.body).toMatchObject({ success: false, code: 'VALIDATION_ERROR' })
    }
  })

  it('rate-limits a sender', async () => {
    const user = await videodeskUser()
    const statuses = []
    for (let i = 0; i < 6; i++) {
      const res = await vd(user, '/send-feedback', { method: 'POST', json: { message: `n${i}` } })
      statuses.push(res.status)
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429])
  })
})

describe('emails from prospects without an account', () => {
  it('requests a callback and a demo in the default branding', async () => {
    const mark = marker()
    const callback = await vd(undefined, '/request-callback', {
      method: 'POST',
      json: { name: 'Pat Prospect', phone: '+44 7700 900123', message: mark },
    })
    expect(callback.status, JSON.stringify(callback.body)).toBe(200)
    const mail = await mailWith('callback@videodesk.test', mark)
    expect(mail.text).toContain('Phone: +44 7700 900123')
    expect(mail.html).toContain('>Videodesk<')

    const demoMark = marker()
    const demo = await vd(undefined, '/request-demo', {
      method: 'POST',
      json: { name: 'Dee', email: uniqueEmail('prospect'), company: demoMark },
    })
    expect(demo.status).toBe(200)
    expect((await mailWith('demo@videodesk.test', demoMark)).subject).toBe('Demo request from Dee')
  })

  it('books a demo meeting on a future date only', async () => {
    const mark = marker()
    const next = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10)
    const booked = await vd(undefined, '/book-demo-meeting', {
      method: 'POST',
      json: {
        name: 'Bo',
        email: uniqueEmail('prospect'),
        date: next,
        time: '14:30',
        message: mark,
      },
    })
    expect(booked.status, JSON.stringify(booked.body)).toBe(200)
    const mail = await mailWith('demo@videodesk.test', mark)
    expect(mail.text).toContain(`When: ${next} 14:30 (Europe/London)`)

    const base = { name: 'Bo', email: uniqueEmail('prospect'), time: '14:30' }
    for (const json of [
      { ...base, date: '2000-01-01' },
      { ...base, date: next, time: '25:00' },
      { ...base, date: 'tomorrow' },
      { ...base, date: next, timezone: 'Europe/London"><script>' },
    ]) {
      const res = await vd(undefined, '/book-demo-meeting', { method: 'POST', json })
      expect(res.status, JSON.stringify(json)).toBe(400)
    }
    expect(
      (
        await vd(undefined, '/request-callback', {
          method: 'POST',
          json: { name: 'x', phone: 'call me' },
        })
      ).status,
    ).toBe(400)
    expect(
      (await vd(undefined, '/request-demo', { method: 'POST', json: { name: 'x' } })).status,
    ).toBe(400)
  })
})
