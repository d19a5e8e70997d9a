// Sending a guest invite link: the link (room, signed token, sealed inviter id), checked phone
// numbers, and delivery by SMS or email.
import type { Context } from 'hono'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import type { UserDoc } from '../auth/users-store'
import { SmsNotConfiguredError, TwilioError } from '../services/sms'
import { signLinkToken } from './link-token'
import { sealId } from './sealed-id'

export interface InviteRequest {
  roomId: string
  phone?: string
  email?: string
  name?: string
}

/** Strips spaces, dashes, dots and brackets, and turns a leading 00 into +. */
export function normalisePhone(raw: string): string {
  const compact = raw.replace(/[\s\-.()]/g, '')
  return compact.startsWith('00') ? `+${compact.slice(2)}` : compact
}

/** The country calling code list check; numbers are E.164 already. */
export function phoneAllowed(phone: string, countryCodes: readonly string[]): boolean {
  // Calling codes are prefix-free, so at most one can match.
  return countryCodes.some((code) => phone.startsWith(`+${code}`))
}

export async function sendInvite(c: Context<AppEnv>, owner: UserDoc, invite: InviteRequest) {
  const config = c.get('config')
  const { token, expiresAt } = await signLinkToken(
    config.JWT_SECRET,
    {
      roomId: invite.roomId,
      ownerId: owner._id.toHexString(),
      ...(invite.name ? { guestName: invite.name } : {}),
    },
    config.MEETING_LINK_TTL_HOURS,
  )
  const base = config.MEETING_LINK_URL ?? `${new URL(c.req.url).origin}/meeting.html`
  const link = new URL(base)
  link.searchParams.set('room', invite.roomId)
  link.searchParams.set('token', token)
  link.searchParams.set('userId', await sealId(config.JWT_SECRET, owner._id.toHexString()))
  const greeting = invite.name ? `Hi ${invite.name}, ` : ''
  const text = `${greeting}${owner.name} has invited you to a video call. Open this link to join: ${link}`
  if (invite.phone) {
    try {
      await c.get('services').sms.send(invite.phone, text)
    } catch (error) {
      if (error instanceof SmsNotConfiguredError)
        throw new AppError('SERVICE_UNAVAILABLE', 'Text messages are not available right now')
      if (error instanceof TwilioError && error.status < 500)
        throw new AppError('UNPROCESSABLE', `The text message was refused: ${error.message}`, [
          { path: 'phone', message: error.message },
        ])
      throw error
    }
  } else if (invite.email) {
    await c.get('services').mail.send({
      to: invite.email,
      subject: `${owner.name} has invited you to a video call`,
      text,
      html: `<p>${escapeHtml(greeting)}${escapeHtml(owner.name)} has invited you to a video call.</p><p><a href="${escapeHtml(link.toString())}">Join the call</a></p><p>The link expires on ${expiresAt.toUTCString()}.</p>`,
    })
  }
  return { link: link.toString(), token, expiresAt }
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)
