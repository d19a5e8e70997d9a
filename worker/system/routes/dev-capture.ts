// Development only (404 in production): the mail and SMS the system "sent", newest first, read
// from the local capture server so a person can finish an OTP login by hand; and a way to send a
// test message through the configured mail and SMS services to check their settings.
import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import type { AppEnv } from '../../env'
import { AppError } from '../../errors'
import { createRouter, errorResponses } from '../../openapi'

const KINDS = ['mail', 'sms'] as const

function requireDevelopment(c: Context<AppEnv>): string {
  const { APP_ENV, DEV_CAPTURE_URL } = c.get('config')
  if (APP_ENV === 'production' || !DEV_CAPTURE_URL) {
    throw new AppError('NOT_FOUND', `Route ${c.req.method} ${c.req.path} not found`)
  }
  return DEV_CAPTURE_URL
}

const TestMailSchema = z.strictObject({
  to: z.email().max(320),
  subject: z.string().min(1).max(200).default('Test message'),
  text: z.string().min(1).max(10_000).default('This is a test message.'),
})

const TestSmsSchema = z.strictObject({
  to: z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 phone number'),
  body: z.string().min(1).max(1600).default('This is a test message.'),
})

export const devCapture = createRouter()

for (const kind of KINDS) {
  devCapture.openapi(
    createRoute({
      method: 'get',
      path: `/${kind}`,
      tags: ['Development'],
      summary: `Captured ${kind === 'mail' ? 'email' : 'SMS'}, newest first (development only)`,
      request: { query: z.object({ to: z.string().max(320).optional() }) },
      responses: { 200: { description: 'Captured messages' }, ...errorResponses(404, 503) },
    }),
    async (c) => {
      const url = new URL(`/${kind}`, requireDevelopment(c))
      const { to } = c.req.valid('query')
      if (to) url.searchParams.set('to', to)
      const res = await fetch(url).catch(() => undefined)
      if (!res?.ok) throw new AppError('SERVICE_UNAVAILABLE', 'The capture server did not answer')
      return c.json(await res.json())
    },
  )
}

devCapture.openapi(
  createRoute({
    method: 'post',
    path: '/mail',
    tags: ['Development'],
    summary: 'Send a test email through the configured SMTP server (development only)',
    request: { body: { content: { 'application/json': { schema: TestMailSchema } } } },
    responses: { 202: { description: 'Sent' }, ...errorResponses(400, 404, 503) },
  }),
  async (c) => {
    requireDevelopment(c)
    const { to, subject, text } = c.req.valid('json')
    const { messageId } = await c.get('services').mail.send({ to, subject, text })
    return c.json({ success: true, messageId }, 202)
  },
)

devCapture.openapi(
  createRoute({
    method: 'post',
    path: '/sms',
    tags: ['Development'],
    summary: 'Send a test SMS through the configured Twilio account (development only)',
    request: { body: { content: { 'application/json': { schema: TestSmsSchema } } } },
    responses: { 202: { description: 'Sent' }, ...errorResponses(400, 404, 503) },
  }),
  async (c) => {
    requireDevelopment(c)
    const { to, body } = c.req.valid('json')
    const { sid } = await c.get('services').sms.send(to, body)
    return c.json({ success: true, sid }, 202)
  },
)
