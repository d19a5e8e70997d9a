// The email that carries a one-time code.
import type { Context } from 'hono'
import type { AppEnv } from '../env'

export async function sendOtpMail(c: Context<AppEnv>, to: string, code: string, subject: string) {
  const minutes = c.get('config').OTP_EXPIRY_MINUTES
  await c.get('services').mail.send({
    to,
    subject,
    text: `Your verification code is ${code}. It expires in ${minutes} minutes. If you did not ask for it, ignore this email.`,
    html: `<p>Your verification code is</p><p style="font-size:28px;font-weight:bold;letter-spacing:4px">${code}</p><p>It expires in ${minutes} minutes. If you did not ask for it, ignore this email.</p>`,
  })
}
