// Reads what the system "sent" from the local capture server: mail, SMS and push, newest first.
import { inject, vi } from 'vitest'

async function read(kind: 'mail' | 'sms' | 'push', to?: string): Promise<any[]> {
  const url = new URL(`/${kind}`, inject('captureUrl'))
  if (to) url.searchParams.set('to', to)
  const res = await fetch(url)
  if (!res.ok) throw new Error(`capture server answered ${res.status}`)
  return (await res.json()) as any[]
}

export const readMail = (to?: string) => read('mail', to)
export const readSms = (to?: string) => read('sms', to)
export const readPush = () => read('push')

/** Polls until a message to `to` arrives (mail is delivered asynchronously over SMTP). */
export function waitForMail(to: string, timeoutMs = 5000): Promise<any> {
  return vi.waitFor(
    async () => {
      const [latest] = await readMail(to)
      if (!latest) throw new Error(`no mail to ${to} within ${timeoutMs} ms`)
      return latest
    },
    { timeout: timeoutMs, interval: 50 },
  )
}
