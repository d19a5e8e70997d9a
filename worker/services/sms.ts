// SMS and phone verification through Twilio's REST API (Messages and Verify v2). Calls go through
// fetch so the same code runs in workerd and Node; development points the base URL at the local
// capture server, which answers like Twilio at its HTTP boundary.

export interface SmsSender {
  send(to: string, body: string): Promise<{ sid: string }>
  /** Starts a Twilio Verify verification: Twilio generates and texts the code. */
  startVerification(to: string): Promise<void>
  /** True when the code matches the pending verification for this number. */
  checkVerification(to: string, code: string): Promise<boolean>
}

export interface TwilioOptions {
  accountSid: string
  authToken: string
  verifyServiceSid?: string
  fromNumber?: string
  /** Override for both api.twilio.com and verify.twilio.com (the local capture server). */
  baseUrl?: string
}

export class TwilioError extends Error {
  override readonly name = 'TwilioError'
  constructor(
    message: string,
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

export class SmsNotConfiguredError extends Error {
  override readonly name = 'SmsNotConfiguredError'
}

export function createTwilioSms(opts: TwilioOptions): SmsSender {
  const apiBase = opts.baseUrl ?? 'https://api.twilio.com'
  const verifyBase = opts.baseUrl ?? 'https://verify.twilio.com'
  const authorization = 'Basic ' + btoa(`${opts.accountSid}:${opts.authToken}`)

  async function post(url: string, form: Record<string, string>) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form),
    })
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>
    return { status: res.status, body }
  }

  function verifyService() {
    if (!opts.verifyServiceSid)
      throw new SmsNotConfiguredError('TWILIO_VERIFY_SERVICE_SID is not set')
    return `${verifyBase}/v2/Services/${opts.verifyServiceSid}`
  }

  return {
    async send(to, body) {
      if (!opts.fromNumber) throw new SmsNotConfiguredError('TWILIO_PHONE_NUMBER is not set')
      const res = await post(`${apiBase}/2010-04-01/Accounts/${opts.accountSid}/Messages.json`, {
        To: to,
        From: opts.fromNumber,
        Body: body,
      })
      if (res.status >= 300)
        throw new TwilioError(String(res.body.message ?? 'SMS failed'), res.status)
      return { sid: String(res.body.sid) }
    },
    async startVerification(to) {
      const res = await post(`${verifyService()}/Verifications`, { To: to, Channel: 'sms' })
      if (res.status >= 300) {
        throw new TwilioError(String(res.body.message ?? 'Verification failed'), res.status)
      }
    },
    async checkVerification(to, code) {
      const res = await post(`${verifyService()}/VerificationCheck`, { To: to, Code: code })
      // Twilio answers 404 when no verification is pending (expired, approved, or never started).
      if (res.status === 404) return false
      if (res.status >= 300) {
        throw new TwilioError(String(res.body.message ?? 'Verification check failed'), res.status)
      }
      return res.body.status === 'approved'
    },
  }
}

/** Used when Twilio is not configured: every call fails with a clear reason. */
export function createUnconfiguredSms(): SmsSender {
  const fail = async (): Promise<never> => {
    throw new SmsNotConfiguredError(
      'SMS is not configured (set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN)',
    )
  }
  return { send: fail, startVerification: fail, checkVerification: fail }
}
