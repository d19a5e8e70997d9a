// Reads what the system "sent" from the local capture server: mail, SMS and push, newest first.
import { inject } from 'vitest'

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
export async function waitForMail(to: string, timeoutMs = 5000): Promise<any> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const [latest] = await readMail(to)
    if (latest) return latest
    if (Date.now() > deadline) throw new Error(`no mail to ${to} within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
