// Videodesk's contact emails (/api/v1): invite a friend, feedback, support tickets, callback and
// demo requests — each to its configured address, in the sender's branding, rate-limited.
import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import type { Config } from '../../shared/config'
import { EmailSchema } from '../auth/schemas'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { clientIp, enforceRateLimit, type RateLimitRule } from '../middleware/rate-limit'
import { createRouter, errorResponses, jsonBody } from '../openapi'
import { assertNoBlockWith } from '../social/blocks'
import { sendBranded } from './branded'
import { authedRoute, optionalAuthRoute } from '../authed-route'

const TAG = 'Videodesk emails'
// Each send is an email to someone: few per sender, whatever the route.
export const MAIL_LIMIT: RateLimitRule = { name: 'videodesk-mail', limit: 5, window: '10 m' }

// Names and subjects end up in mail headers: one line, no control characters.
const OneLine = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    // eslint-disable-next-line no-control-regex -- rejecting control characters is the point
    .regex(/^[^\x00-\x1f\x7f]*$/, 'must be a single line')
const Name = OneLine(100)
const Message = z.string().trim().min(1).max(5000)
const Optional = (max: number) => z.string().trim().max(max).optional()
const Phone = z.string().regex(/^\+?[0-9 ()-]{7,20}$/, 'must be a phone number')

type Recipient =
  'FEEDBACK_EMAIL' | 'SUPPORT_TICKET_EMAIL' | 'DEMO_MEETING_EMAIL' | 'CALLBACK_REQUEST_EMAIL'

/** Counts one send against the client IP and, when signed in, the account. */
async function limitSend(c: Context<AppEnv>) {
  const user = c.get('user')
  await enforceRateLimit(c, MAIL_LIMIT, [
    `ip:${clientIp(c)}`,
    ...(user ? [`user:${user._id.toHexString()}`] : []),
  ])
}

function recipient(config: Config, variable: Recipient): string {
  const address = config[variable]
  if (!address) throw new AppError('SERVICE_UNAVAILABLE', `${variable} is not configured`)
  return address
}

/** Who sent it, for the team's reply; absent for anonymous senders. */
function sender(c: Context<AppEnv>) {
  const user = c.get('user')
  return user ? { name: user.name, email: user.email ?? undefined } : undefined
}

const sent = (c: Context<AppEnv>, message: string, extra: Record<string, unknown> = {}) =>
  c.json({ success: true, message, ...extra }, 200)

export const videodeskMail = createRouter()

videodeskMail.openapi(
  authedRoute({
    method: 'post',
    path: '/send-friend-link',
    tags: [TAG],
    summary: 'Email a friend an invitation link to Videodesk',
    request: jsonBody(
      z.strictObject({ email: EmailSchema, name: Name.optional(), message: Optional(1000) }),
    ),
    responses: { 200: { description: 'Sent' }, ...errorResponses(403, 429, 503) },
  }),
  async (c) => {
    const { email, name, message } = c.req.valid('json')
    await limitSend(c)
    const config = c.get('config')
    const me = c.get('user')
    // The address may already hold an account: one in a block with the sender gets no mail.
    await assertNoBlockWith(await c.get('services').database.db(), me._id, { emails: [email] })
    const base = config.FRONTEND_URL ?? config.PUBLIC_BASE_URL ?? new URL(c.req.url).origin
    const link = new URL('/register', base)
    link.searchParams.set('ref', me._id.toHexString())
    await sendBranded(c, {
      to: email,
      subject: `${me.name} invited you to Videodesk`,
      heading: name ? `Hello ${name}` : 'Hello',
      intro: `${me.name} thinks you would like Videodesk, the simple way to see a problem by video.`,
      fields: [['Message', message]],
      button: { label: 'Join Videodesk', url: link.toString() },
      replyTo: me.email,
    })
    return sent(c, 'Invitation sent')
  },
)

videodeskMail.openapi(
  authedRoute({
    method: 'post',
    path: '/send-feedback',
    tags: [TAG],
    summary: 'Send feedback to the Videodesk team',
    request: jsonBody(
      z.strictObject({
        message: Message,
        rating: z.number().int().min(1).max(5).optional(),
        category: Optional(100),
      }),
    ),
    responses: { 200: { description: 'Sent' }, ...errorResponses(429, 503) },
  }),
  async (c) => {
    const { message, rating, category } = c.req.valid('json')
    await limitSend(c)
    const from = sender(c)!
    await sendBranded(c, {
      to: recipient(c.get('config'), 'FEEDBACK_EMAIL'),
      subject: `Feedback from ${from.name}`,
      heading: 'New feedback',
      intro: `${from.name} sent feedback.`,
      fields: [
        ['From', `${from.name} <${from.email ?? 'no email'}>`],
        ['Rating', rating],
        ['Category', category],
        ['Message', message],
      ],
      replyTo: from.email,
    })
    return sent(c, 'Thank you for your feedback')
  },
)

/** A reference the user can quote: 8 unambiguous symbols. */
function ticketReference(): string {
  const alphabet = '23456789ABCDEFGHJKMNPQRSTVWXYZ'
  const bytes = crypto.getRandomValues(new Uint8Array(8))
  return `VD-${Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('')}`
}

videodeskMail.openapi(
  authedRoute({
    method: 'post',
    path: '/raise-support-ticket',
    tags: [TAG],
    summary: 'Raise a support ticket; answers its reference',
    request: jsonBody(
      z.strictObject({
        subject: OneLine(200),
        description: Message,
        priority: z.enum(['low', 'medium', 'high']).default('medium'),
        category: Optional(100),
      }),
    ),
    responses: { 200: { description: 'Ticket raised' }, ...errorResponses(429, 503) },
  }),
  async (c) => {
    const { subject, description, priority, category } = c.req.valid('json')
    await limitSend(c)
    const from = sender(c)!
    const reference = ticketReference()
    await sendBranded(c, {
      to: recipient(c.get('config'), 'SUPPORT_TICKET_EMAIL'),
      subject: `[${reference}] [${priority}] ${subject}`,
      heading: `Support ticket ${reference}`,
      intro: `${from.name} raised a ${priority} priority ticket.`,
      fields: [
        ['From', `${from.name} <${from.email ?? 'no email'}>`],
        ['Subject', subject],
        ['Category', category],
        ['Description', description],
      ],
      replyTo: from.email,
    })
    return sent(c, 'Support ticket raised', { ticketReference: reference })
  },
)

videodeskMail.openapi(
  optionalAuthRoute({
    method: 'post',
    path: '/request-callback',
    tags: [TAG],
    summary: 'Ask the Videodesk team to call you back (no account needed)',
    request: jsonBody(
      z.strictObject({
        name: Name,
        phone: Phone,
        email: EmailSchema.optional(),
        preferredTime: Optional(100),
        message: Optional(2000),
      }),
    ),
    responses: { 200: { description: 'Requested' }, ...errorResponses(429, 503) },
  }),
  async (c) => {
    const body = c.req.valid('json')
    await limitSend(c)
    await sendBranded(c, {
      to: recipient(c.get('config'), 'CALLBACK_REQUEST_EMAIL'),
      subject: `Callback request from ${body.name}`,
      heading: 'Callback request',
      intro: `${body.name} would like a call back.`,
      fields: [
        ['Name', body.name],
        ['Phone', body.phone],
        ['Email', body.email ?? sender(c)?.email],
        ['Preferred time', body.preferredTime],
        ['Message', body.message],
      ],
      replyTo: body.email ?? sender(c)?.email,
    })
    return sent(c, 'We will call you back soon')
  },
)

const DemoSchema = z.strictObject({
  name: Name,
  email: EmailSchema,
  company: Optional(200),
  phone: Phone.optional(),
  message: Optional(2000),
})

videodeskMail.openapi(
  optionalAuthRoute({
    method: 'post',
    path: '/book-demo-meeting',
    tags: [TAG],
    summary: 'Book a demo meeting at a date and time (no account needed)',
    request: jsonBody(
      DemoSchema.extend({
        date: z.iso.date(),
        time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM'),
        timezone: z
          .string()
          .regex(/^[A-Za-z_+\-/0-9]{1,64}$/)
          .default('Europe/London'),
      }),
    ),
    responses: { 200: { description: 'Booked' }, ...errorResponses(429, 503) },
  }),
  async (c) => {
    const body = c.req.valid('json')
    const today = c.get('services').now().toISOString().slice(0, 10)
    if (body.date < today) {
      throw new AppError('VALIDATION_ERROR', 'The date is in the past', [
        { path: 'date', message: 'must be today or later' },
      ])
    }
    await limitSend(c)
    await sendBranded(c, {
      to: recipient(c.get('config'), 'DEMO_MEETING_EMAIL'),
      subject: `Demo meeting booked by ${body.name} for ${body.date} ${body.time}`,
      heading: 'Demo meeting booked',
      intro: `${body.name} booked a demo meeting.`,
      fields: [
        ['Name', body.name],
        ['Email', body.email],
        ['Company', body.company],
        ['Phone', body.phone],
        ['When', `${body.date} ${body.time} (${body.timezone})`],
        ['Message', body.message],
      ],
      replyTo: body.email,
    })
    return sent(c, 'Demo meeting booked; we will confirm by email')
  },
)

videodeskMail.openapi(
  optionalAuthRoute({
    method: 'post',
    path: '/request-demo',
    tags: [TAG],
    summary: 'Ask for a demo (no account needed)',
    request: jsonBody(DemoSchema),
    responses: { 200: { description: 'Requested' }, ...errorResponses(429, 503) },
  }),
  async (c) => {
    const body = c.req.valid('json')
    await limitSend(c)
    await sendBranded(c, {
      to: recipient(c.get('config'), 'DEMO_MEETING_EMAIL'),
      subject: `Demo request from ${body.name}`,
      heading: 'Demo request',
      intro: `${body.name} would like a demo.`,
      fields: [
        ['Name', body.name],
        ['Email', body.email],
        ['Company', body.company],
        ['Phone', body.phone],
        ['Message', body.message],
      ],
      replyTo: body.email,
    })
    return sent(c, 'Thank you; we will be in touch about a demo')
  },
)
