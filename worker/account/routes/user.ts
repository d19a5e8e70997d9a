// Sanora account settings (/api/user): profile edits and changing the phone number with a code.
import { z } from '@hono/zod-openapi'
import { LIMITS } from '../../auth/limits'
import { issueOtp, verifyOtp } from '../../auth/otp'
import { sendOtpMail } from '../../auth/otp-mail'
import { phoneVerification } from '../../auth/phone'
import { clientIp, enforceRateLimit } from '../../middleware/rate-limit'
import { MessageSchema, OtpCodeSchema, PhoneSchema, ProfileUpdateSchema } from '../../auth/schemas'
import { AppError } from '../../errors'
import { createRouter, errorResponses, jsonBody, jsonResponse } from '../../openapi'
import { proveIdentifier } from '../../auth/identity'
import { findUserByProvenPhone, publicUser, updateProfile } from '../../auth/users-store'
import { authedRoute } from '../../authed-route'

export const user = createRouter()

user.openapi(
  authedRoute({
    method: 'put',
    path: '/profile',
    tags: ['User'],
    summary: 'Edit your profile',
    request: jsonBody(ProfileUpdateSchema),
    responses: { 200: { description: 'The updated user' } },
  }),
  async (c) => {
    const db = await c.get('services').database.db()
    const updated = await updateProfile(
      db,
      c.get('user')._id,
      c.req.valid('json'),
      c.get('services').now(),
    )
    if (!updated) throw new AppError('UNAUTHORIZED', 'Session is no longer valid')
    return c.json({ success: true, message: 'Profile updated', user: publicUser(updated) }, 200)
  },
)

user.openapi(
  authedRoute({
    method: 'post',
    path: '/phone/send-otp',
    tags: ['User'],
    summary: 'Text a code to a new phone number',
    request: jsonBody(z.strictObject({ phone: PhoneSchema })),
    responses: {
      200: jsonResponse('Code sent', MessageSchema),
      ...errorResponses(409, 429, 503),
    },
  }),
  async (c) => {
    const { phone } = c.req.valid('json')
    const owner = await findUserByProvenPhone(await c.get('services').database.db(), phone)
    if (owner && !owner._id.equals(c.get('user')._id)) {
      throw new AppError('CONFLICT', 'This phone number belongs to another account')
    }
    await phoneVerification(c).send(phone)
    return c.json({ success: true, message: 'Verification code sent' }, 200)
  },
)

user.openapi(
  authedRoute({
    method: 'post',
    path: '/phone/verify-otp',
    tags: ['User'],
    summary: 'Check the code and make the number your phone',
    request: jsonBody(z.strictObject({ phone: PhoneSchema, otp: OtpCodeSchema })),
    responses: {
      200: { description: 'The updated user' },
      ...errorResponses(409, 429, 503),
    },
  }),
  async (c) => {
    const { phone, otp } = c.req.valid('json')
    await phoneVerification(c).check(phone, otp)
    // Proven for this account; another account's unproven claim on the number is released.
    const { user: updated } = await proveIdentifier(c, 'phone', phone, 'phone-otp', {
      into: c.get('user')._id,
    })
    return c.json(
      { success: true, message: 'Phone number updated', user: publicUser(updated!) },
      200,
    )
  },
)

/** The signed-in account's email, which it must hold to prove it. */
function ownEmail(user: { email?: string; emailVerified: boolean }): string {
  if (!user.email) throw new AppError('BAD_REQUEST', 'This account has no email address')
  if (user.emailVerified) throw new AppError('CONFLICT', 'This email is already verified')
  return user.email
}

user.openapi(
  authedRoute({
    method: 'post',
    path: '/email/send-otp',
    tags: ['User'],
    summary:
      "Email a code to your account's unverified address (accounts registered without a code prove their email here)",
    responses: {
      200: jsonResponse('Code sent', MessageSchema),
      ...errorResponses(400, 409, 429),
    },
  }),
  async (c) => {
    const me = c.get('user')
    const email = ownEmail(me)
    await enforceRateLimit(c, LIMITS.otpSend, [`ip:${clientIp(c)}`, `email:${email}`])
    const subject = `${me._id.toHexString()}:${email}`
    const code = await issueOtp(c.get('services').redis, c.get('config'), 'email-proof', subject)
    await sendOtpMail(c, email, code, 'Verify your email address')
    return c.json({ success: true, message: 'Verification code sent' }, 200)
  },
)

user.openapi(
  authedRoute({
    method: 'post',
    path: '/email/verify-otp',
    tags: ['User'],
    summary:
      'Check the code: your email is verified, and roles waiting on it (speaker invitations) attach',
    request: jsonBody(z.strictObject({ otp: OtpCodeSchema })),
    responses: {
      200: { description: 'The updated user' },
      ...errorResponses(409, 429),
    },
  }),
  async (c) => {
    const me = c.get('user')
    const email = ownEmail(me)
    await enforceRateLimit(c, LIMITS.otpVerify, [`ip:${clientIp(c)}`, `email:${email}`])
    const subject = `${me._id.toHexString()}:${email}`
    await verifyOtp(
      c.get('services').redis,
      c.get('config'),
      'email-proof',
      subject,
      c.req.valid('json').otp,
    )
    // Proven for this account (the code went to its address, asked for by its session); other
    // accounts' unproven claims on the address are released.
    const { user: updated } = await proveIdentifier(c, 'email', email, 'email-otp', {
      into: me._id,
    })
    return c.json({ success: true, message: 'Email verified', user: publicUser(updated!) }, 200)
  },
)
