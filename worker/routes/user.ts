// Sanora account settings (/api/user): profile edits and changing the phone number with a code.
import { createRoute, z } from '@hono/zod-openapi'
import { phoneVerification } from '../auth/phone'
import { MessageSchema, OtpCodeSchema, PhoneSchema, ProfileUpdateSchema } from '../auth/schemas'
import { AppError } from '../errors'
import { protect } from '../middleware/auth'
import { createRouter, errorResponses, jsonBody, jsonResponse } from '../openapi'
import { findUserByPhone, publicUser, updateProfile, users } from '../repositories/users'

export const user = createRouter()
user.use('*', protect())

user.openapi(
  createRoute({
    method: 'put',
    path: '/profile',
    tags: ['User'],
    summary: 'Edit your profile',
    security: [{ bearerAuth: [] }],
    request: jsonBody(ProfileUpdateSchema),
    responses: { 200: { description: 'The updated user' }, ...errorResponses(400, 401) },
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
  createRoute({
    method: 'post',
    path: '/phone/send-otp',
    tags: ['User'],
    summary: 'Text a code to a new phone number',
    security: [{ bearerAuth: [] }],
    request: jsonBody(z.strictObject({ phone: PhoneSchema })),
    responses: {
      200: jsonResponse('Code sent', MessageSchema),
      ...errorResponses(400, 401, 409, 429, 503),
    },
  }),
  async (c) => {
    const { phone } = c.req.valid('json')
    const owner = await findUserByPhone(await c.get('services').database.db(), phone)
    if (owner && !owner._id.equals(c.get('user')._id)) {
      throw new AppError('CONFLICT', 'This phone number belongs to another account')
    }
    await phoneVerification(c).send(phone)
    return c.json({ success: true, message: 'Verification code sent' }, 200)
  },
)

user.openapi(
  createRoute({
    method: 'post',
    path: '/phone/verify-otp',
    tags: ['User'],
    summary: 'Check the code and make the number your phone',
    security: [{ bearerAuth: [] }],
    request: jsonBody(z.strictObject({ phone: PhoneSchema, otp: OtpCodeSchema })),
    responses: {
      200: { description: 'The updated user' },
      ...errorResponses(400, 401, 409, 429, 503),
    },
  }),
  async (c) => {
    const { phone, otp } = c.req.valid('json')
    await phoneVerification(c).check(phone, otp)
    const db = await c.get('services').database.db()
    const updated = await users(db).findOneAndUpdate(
      { _id: c.get('user')._id },
      { $set: { phone, phoneVerified: true, updatedAt: c.get('services').now() } },
      { returnDocument: 'after' },
    )
    return c.json(
      { success: true, message: 'Phone number updated', user: publicUser(updated!) },
      200,
    )
  },
)
