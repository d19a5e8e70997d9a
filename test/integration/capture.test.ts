// Outbound mail and SMS leave the Worker through the real clients (nodemailer over SMTP from
// inside workerd, Twilio's REST API over fetch) and are readable from the capture, newest first.
import { describe, expect, it, vi } from 'vitest'
import { api } from '../harness/http'
import { readMail, readSms, waitForMail } from '../harness/capture'

describe('mail capture', () => {
  it('delivers mail sent by the Worker over SMTP and lists it at /__dev/mail, newest first', async () => {
    const to = `capture-${Date.now()}@example.test`
    const first = await api('/__dev/mail', {
      method: 'POST',
      json: { to, subject: 'First', text: 'one' },
    })
    expect(first.status).toBe(202)
    await waitForMail(to)
    const second = await api('/__dev/mail', {
      method: 'POST',
      json: { to, subject: 'Second', text: 'two' },
    })
    expect(second.status).toBe(202)
    const latest = await waitForMailWithSubject(to, 'Second')
    expect(latest.text).toContain('two')

    const listed = await api(`/__dev/mail?to=${encodeURIComponent(to)}`)
    expect(listed.status).toBe(200)
    expect(listed.body.map((m: { subject: string }) => m.subject)).toEqual(['Second', 'First'])
  })
})

describe('SMS capture', () => {
  it('sends through the Twilio API boundary and lists the message at /__dev/sms', async () => {
    const to = `+1555${String(Date.now()).slice(-7)}`
    const sent = await api('/__dev/sms', {
      method: 'POST',
      json: { to, body: 'Your code is 123456' },
    })
    expect(sent.status).toBe(202)
    expect(sent.body.sid).toMatch(/^SM/)
    const [captured] = await readSms(to)
    expect(captured.body).toBe('Your code is 123456')
    const listed = await api(`/__dev/sms?to=${encodeURIComponent(to)}`)
    expect(listed.body[0]).toMatchObject({ to, body: 'Your code is 123456' })
  })
})

/** The newest mail to `to`, once it is the one with `subject`. */
function waitForMailWithSubject(to: string, subject: string) {
  return vi.waitFor(
    async () => {
      const [latest] = await readMail(to)
      if (latest?.subject !== subject) throw new Error(`no mail '${subject}' to ${to}`)
      return latest
    },
    { timeout: 5000, interval: 50 },
  )
}
