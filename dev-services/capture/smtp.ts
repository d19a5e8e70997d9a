// SMTP capture: accepts every message (no TLS, any or no auth) and hands it on parsed by postal-mime.
import { randomUUID } from 'node:crypto'
import PostalMime from 'postal-mime'
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server'
import { listenWithFallback } from '../ports.js'
import type { CapturedMail } from './types.js'

export interface SmtpCapture {
  port: number
  close(): Promise<void>
}

export async function startSmtpCapture(opts: {
  host: string
  port: number
  fallbackToFreePort: boolean
  onMail: (mail: CapturedMail) => void
  log: (line: string) => void
}): Promise<SmtpCapture> {
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    // Mailers configured with credentials must still be able to log in without TLS.
    allowInsecureAuth: true,
    logger: false,
    size: 25 * 1024 * 1024,
    closeTimeout: 500,
    onAuth: (auth, _session, callback) => callback(null, { user: auth.username ?? 'dev' }),
    onData: (stream, session, callback) => {
      parseMail(stream, session)
        .then((mail) => {
          opts.onMail(mail)
          callback()
        })
        .catch((error: Error) => {
          opts.log(`smtp capture: cannot parse a message: ${error.message}`)
          callback(error)
        })
    },
  })
  // Listen errors (a taken port) surface through listenWithFallback; only later ones are news.
  let listening = false
  server.on('error', (error) => {
    if (listening) opts.log(`smtp capture: ${error.message}`)
  })
  const port = await listenWithFallback(
    server.server,
    opts.host,
    opts.port,
    opts.fallbackToFreePort,
  )
  listening = true
  return {
    port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

async function parseMail(
  stream: SMTPServerDataStream,
  session: SMTPServerSession,
): Promise<CapturedMail> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  const email = await PostalMime.parse(Buffer.concat(chunks))
  const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : ''
  return {
    id: randomUUID(),
    at: new Date().toISOString(),
    from: email.from?.address ?? envelopeFrom,
    to: session.envelope.rcptTo.map((recipient) => recipient.address),
    subject: email.subject ?? '',
    text: email.text ?? null,
    html: email.html ?? null,
  }
}
