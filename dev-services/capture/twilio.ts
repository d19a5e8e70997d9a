// Fake of Twilio's HTTP API at its boundary (Programmable Messaging + Verify v2): answers like Twilio
// and captures every SMS, including Verify codes, for developers and tests to read.
import { randomBytes, randomInt, randomUUID } from 'node:crypto'
import { basicAuthUser, type Route, type RouteContext, type RouteResult } from './http.js'
import type { CaptureList } from './store.js'
import type { CapturedSms } from './types.js'

const VERIFICATION_TTL_MS = 10 * 60 * 1000
const MAX_CHECK_ATTEMPTS = 5
const MAX_SEND_ATTEMPTS = 5
const CHANNELS = new Set(['sms', 'call', 'email', 'whatsapp', 'sna', 'auto'])

interface Verification {
  sid: string
  serviceSid: string
  accountSid: string
  to: string
  channel: string
  code: string
  createdAt: Date
  updatedAt: Date
  checkAttempts: number
  sendAttempts: { attempt_sid: string; channel: string; time: string }[]
}

export function twilioRoutes(sms: CaptureList<CapturedSms>, appName = 'Sanora'): Route[] {
  // Only pending verifications live here; approved or expired ones are gone, as Twilio's 404 implies.
  const pending = new Map<string, Verification>()
  const keyOf = (serviceSid: string, to: string) => `${serviceSid}\n${to}`
  const findPending = (serviceSid: string, to?: string, sid?: string) => {
    for (const [key, verification] of pending) {
      if (Date.now() - verification.createdAt.getTime() > VERIFICATION_TTL_MS) pending.delete(key)
    }
    if (to) return pending.get(keyOf(serviceSid, to))
    return [...pending.values()].find((v) => v.sid === sid && v.serviceSid === serviceSid)
  }

  const sendMessage = (ctx: RouteContext, accountSid: string): RouteResult => {
    const { To: to, From: from, MessagingServiceSid: serviceSid, Body: body = '' } = ctx.form()
    if (!to) return twilioError(400, 21604, "A 'To' phone number is required.")
    if (!from && !serviceSid) return twilioError(400, 21603, "A 'From' phone number is required.")
    if (!body && !ctx.form().MediaUrl) return twilioError(400, 21602, 'Message body is required.')
    const sid = twilioSid('SM')
    const now = rfc2822(new Date())
    sms.add({
      id: randomUUID(),
      at: new Date().toISOString(),
      sid,
      kind: 'message',
      from: from ?? serviceSid!,
      to,
      body,
    })
    const uri = `/2010-04-01/Accounts/${accountSid}/Messages/${sid}`
    return {
      status: 201,
      body: {
        account_sid: accountSid,
        api_version: '2010-04-01',
        body,
        date_created: now,
        date_sent: null,
        date_updated: now,
        direction: 'outbound-api',
        error_code: null,
        error_message: null,
        from: from ?? null,
        messaging_service_sid: serviceSid ?? null,
        num_media: '0',
        num_segments: String(Math.max(1, Math.ceil(body.length / 160))),
        price: null,
        price_unit: 'USD',
        sid,
        status: from ? 'queued' : 'accepted',
        subresource_uris: { media: `${uri}/Media.json` },
        to,
        uri: `${uri}.json`,
      },
    }
  }

  const startVerification = (ctx: RouteContext, accountSid: string): RouteResult => {
    const serviceSid = ctx.params[0]!
    const { To: to, Channel: channel } = ctx.form()
    if (!to) return twilioError(400, 60200, 'Invalid parameter `To`: ')
    if (!channel || !CHANNELS.has(channel)) {
      return twilioError(400, 60200, `Invalid parameter \`Channel\`: ${channel ?? ''}`)
    }
    const now = new Date()
    // Twilio resends the same code while a verification for this number is still pending.
    let verification = findPending(serviceSid, to)
    if (verification && verification.sendAttempts.length >= MAX_SEND_ATTEMPTS) {
      return twilioError(429, 60203, 'Max send attempts reached')
    }
    if (!verification) {
      verification = {
        sid: twilioSid('VE'),
        serviceSid,
        accountSid,
        to,
        channel,
        code: String(randomInt(0, 1_000_000)).padStart(6, '0'),
        createdAt: now,
        updatedAt: now,
        checkAttempts: 0,
        sendAttempts: [],
      }
      pending.set(keyOf(serviceSid, to), verification)
    }
    verification.channel = channel
    verification.updatedAt = now
    verification.sendAttempts.push({
      attempt_sid: twilioSid('VL'),
      channel,
      time: isoSeconds(now),
    })
    sms.add({
      id: randomUUID(),
      at: now.toISOString(),
      sid: verification.sid,
      kind: 'verification',
      from: serviceSid,
      to,
      body: `Your ${appName} verification code is: ${verification.code}`,
    })
    return {
      status: 201,
      body: {
        ...verificationResource(verification, 'pending'),
        lookup: { carrier: null },
        send_code_attempts: verification.sendAttempts,
        sna: null,
        url: `https://verify.twilio.com/v2/Services/${serviceSid}/Verifications/${verification.sid}`,
      },
    }
  }

  const checkVerification = (ctx: RouteContext): RouteResult => {
    const serviceSid = ctx.params[0]!
    const { To: to, VerificationSid: sid, Code: code } = ctx.form()
    if (!code) return twilioError(400, 60200, 'Invalid parameter: Code')
    if (!to && !sid)
      return twilioError(400, 60200, 'Either a To or VerificationSid must be specified')
    const verification = findPending(serviceSid, to, sid)
    if (!verification) {
      return twilioError(
        404,
        20404,
        `The requested resource /Services/${serviceSid}/VerificationCheck was not found`,
      )
    }
    if (verification.checkAttempts >= MAX_CHECK_ATTEMPTS) {
      return twilioError(429, 60202, 'Max check attempts reached')
    }
    verification.updatedAt = new Date()
    if (code !== verification.code) {
      verification.checkAttempts += 1
      return { status: 200, body: checkResource(verification, 'pending') }
    }
    pending.delete(keyOf(serviceSid, verification.to))
    return { status: 200, body: checkResource(verification, 'approved') }
  }

  return [
    {
      method: 'POST',
      path: /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/,
      handle: (ctx) => withBasicAuth(ctx, () => sendMessage(ctx, ctx.params[0]!)),
    },
    {
      method: 'POST',
      path: /^\/v2\/Services\/([^/]+)\/Verifications$/,
      handle: (ctx) => withBasicAuth(ctx, (accountSid) => startVerification(ctx, accountSid)),
    },
    {
      method: 'POST',
      path: /^\/v2\/Services\/([^/]+)\/VerificationCheck$/,
      handle: (ctx) => withBasicAuth(ctx, () => checkVerification(ctx)),
    },
  ]
}

/** Any account sid and token pass, but like Twilio a request without credentials gets 401. */
function withBasicAuth(ctx: RouteContext, next: (accountSid: string) => RouteResult): RouteResult {
  const accountSid = basicAuthUser(ctx.req)
  if (!accountSid) {
    return {
      status: 401,
      headers: { 'www-authenticate': 'Basic realm="Twilio API"' },
      body: {
        code: 20003,
        detail: 'Your AccountSid or AuthToken was incorrect.',
        message: 'Authentication Error - No credentials provided',
        more_info: 'https://www.twilio.com/docs/errors/20003',
        status: 401,
      },
    }
  }
  return next(accountSid)
}

function verificationResource(verification: Verification, status: 'pending' | 'approved') {
  return {
    sid: verification.sid,
    service_sid: verification.serviceSid,
    account_sid: verification.accountSid,
    to: verification.to,
    channel: verification.channel,
    status,
    valid: status === 'approved',
    amount: null,
    payee: null,
    date_created: isoSeconds(verification.createdAt),
    date_updated: isoSeconds(verification.updatedAt),
  }
}

function checkResource(verification: Verification, status: 'pending' | 'approved') {
  return { ...verificationResource(verification, status), sna_attempts_error_codes: [] }
}

function twilioError(status: number, code: number, message: string): RouteResult {
  return {
    status,
    body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
  }
}

function twilioSid(prefix: string): string {
  return prefix + randomBytes(16).toString('hex')
}

/** Twilio's 2010 API dates: `Thu, 24 Aug 2023 05:01:45 +0000`. */
function rfc2822(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000')
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}
