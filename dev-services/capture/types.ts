// The records the capture server keeps for each outbound message, as served by its read API.

export interface CapturedMail {
  id: string
  /** ISO 8601 time of capture */
  at: string
  from: string
  /** Envelope recipients (To, Cc and Bcc alike) */
  to: string[]
  subject: string
  text: string | null
  html: string | null
}

export interface CapturedSms {
  id: string
  at: string
  /** Twilio's message sid (SM…), or the verification sid (VE…) for Verify codes */
  sid: string
  kind: 'message' | 'verification'
  from: string
  to: string
  body: string
}

export interface CapturedPush {
  id: string
  at: string
  project: string
  /** The message's token, topic or condition */
  to: string | null
  /** The FCM v1 `message` object exactly as sent */
  message: Record<string, unknown>
}
