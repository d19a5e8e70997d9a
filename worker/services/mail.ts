// Outbound email over SMTP with nodemailer. Production points at any SMTP relay; development and
// tests point at the local capture server, whose messages are readable as JSON.
import { createTransport } from 'nodemailer'

export interface MailMessage {
  to: string | string[]
  subject: string
  text: string
  html?: string
  replyTo?: string
}

export interface Mailer {
  send(message: MailMessage): Promise<{ messageId: string }>
}

export interface MailerOptions {
  host: string
  port: number
  secure: boolean
  user?: string
  password?: string
  from: string
}

export function createMailer(opts: MailerOptions): Mailer {
  return {
    async send(message) {
      // A transport per send: inside a Worker its socket must not outlive the request anyway.
      const transport = createTransport({
        host: opts.host,
        port: opts.port,
        secure: opts.secure,
        auth: opts.user ? { user: opts.user, pass: opts.password ?? '' } : undefined,
        connectionTimeout: 5000,
        greetingTimeout: 5000,
        socketTimeout: 10000,
      })
      try {
        const info = await transport.sendMail({ from: opts.from, ...message })
        return { messageId: String(info.messageId) }
      } finally {
        transport.close()
      }
    },
  }
}
