// Videodesk's outgoing emails in the sender's branding: their logo and colours around a heading,
// labelled fields and an optional button. Every value goes through hono/html, which escapes it.
import type { Context } from 'hono'
import { html } from 'hono/html'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { log } from '../log'
import { settingsOf } from '../account/settings-store'
import { logoUrl } from '../account/logo'
import type { MailMessage } from '../services/mail'

// Long enough for a mail to be read days later; presigned URLs cannot outlive 7 days.
const LOGO_URL_SECONDS = 7 * 24 * 3600

export interface Branding {
  name: string
  logoUrl: string | null
  brandColor: string
  buttonColor: string
  buttonTextColor: string
}

const DEFAULT_BRANDING: Branding = {
  name: 'Videodesk',
  logoUrl: null,
  brandColor: '#0b3d91',
  buttonColor: '#0b6efd',
  buttonTextColor: '#ffffff',
}

/** The signed-in user's branding, or Videodesk's own for anonymous senders. */
async function brandingOf(c: Context<AppEnv>): Promise<Branding> {
  const user = c.get('user')
  if (!user) return DEFAULT_BRANDING
  const settings = settingsOf(user)
  const info = settings.landlordInfo ?? {}
  return {
    name: info.landlordName || user.name,
    logoUrl: (await logoUrl(c, settings.logo ?? undefined, LOGO_URL_SECONDS)) ?? null,
    brandColor: info.brandColor ?? DEFAULT_BRANDING.brandColor,
    buttonColor: info.buttonColor ?? DEFAULT_BRANDING.buttonColor,
    buttonTextColor: info.buttonTextColor ?? DEFAULT_BRANDING.buttonTextColor,
  }
}

export interface BrandedMail {
  to: string
  subject: string
  heading: string
  intro: string
  fields: [label: string, value: string | number | undefined][]
  button?: { label: string; url: string }
  replyTo?: string
}

async function renderBranded(branding: Branding, mail: BrandedMail): Promise<MailMessage> {
  const fields = mail.fields.filter(([, v]) => v !== undefined && v !== '')
  const body = await html`<!doctype html>
    <html>
      <body
        style="margin:0;padding:24px;background:#f4f5f7;font-family:Arial,sans-serif;color:#1d1d1f"
      >
        <table
          role="presentation"
          width="100%"
          style="max-width:600px;margin:0 auto;background:#ffffff;border-radius:8px"
        >
          <tr>
            <td style="padding:20px 24px;border-bottom:4px solid ${branding.brandColor}">
              ${
                branding.logoUrl
                  ? html`<img
                      src="${branding.logoUrl}"
                      alt="${branding.name}"
                      style="max-height:48px"
                    />`
                  : html`<strong style="font-size:20px;color:${branding.brandColor}"
                      >${branding.name}</strong
                    >`
              }
            </td>
          </tr>
          <tr>
            <td style="padding:24px">
              <h1 style="font-size:20px;margin:0 0 12px;color:${branding.brandColor}">
                ${mail.heading}
              </h1>
              <p style="margin:0 0 16px">${mail.intro}</p>
              ${fields.map(
                ([label, value]) =>
                  html`<p style="margin:0 0 8px">
                    <strong>${label}:</strong>
                    <span style="white-space:pre-wrap">${String(value)}</span>
                  </p>`,
              )}
              ${
                mail.button
                  ? html`<p style="margin:24px 0 0">
                      <a
                        href="${mail.button.url}"
                        style="display:inline-block;padding:12px 20px;border-radius:6px;background:${branding.buttonColor};color:${branding.buttonTextColor};text-decoration:none"
                        >${mail.button.label}</a
                      >
                    </p>`
                  : ''
              }
            </td>
          </tr>
        </table>
      </body>
    </html>`
  const text = [
    mail.heading,
    '',
    mail.intro,
    '',
    ...fields.map(([label, value]) => `${label}: ${value}`),
    ...(mail.button ? ['', `${mail.button.label}: ${mail.button.url}`] : []),
  ].join('\n')
  const message: MailMessage = { to: mail.to, subject: mail.subject, text, html: body.toString() }
  if (mail.replyTo) message.replyTo = mail.replyTo
  return message
}

/** Renders in the caller's branding and sends; a mail server failure is a 503, not a 500. */
export async function sendBranded(c: Context<AppEnv>, mail: BrandedMail): Promise<void> {
  const message = await renderBranded(await brandingOf(c), mail)
  try {
    await c.get('services').mail.send(message)
  } catch (error) {
    log('error', 'videodesk mail failed', { requestId: c.get('requestId'), error: `${error}` })
    throw new AppError(
      'SERVICE_UNAVAILABLE',
      'The email could not be sent; try again later',
      undefined,
      {
        cause: error,
      },
    )
  }
}
