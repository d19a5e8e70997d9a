// The old Sanora's direct Twilio endpoints (/send-otp, /verify-otp): verify that a person holds a
// phone number, without signing in.
import { createRoute, z } from '@hono/zod-openapi'
import { phoneVerification } from '../phone'
import { MessageSchema, OtpCodeSchema, PhoneSchema } from '../schemas'
import { createRouter, errorResponses, jsonBody, jsonResponse } from '../../openapi'

// Chained, so the router's type carries both routes for hono/client (AppType in worker/app.ts).
export const phoneOtp = createRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/send-otp',
      tags: ['Phone'],
      summary: 'Text a verification code to a phone (Twilio Verify)',
      request: jsonBody(z.strictObject({ phone: PhoneSchema })),
      responses: {
        200: jsonResponse('Code sent', MessageSchema),
        ...errorResponses(400, 429, 503),
      },
    }),
    async (c) => {
      await phoneVerification(c).send(c.req.valid('json').phone)
      return c.json({ success: true, message: 'Verification code sent' }, 200)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/verify-otp',
      tags: ['Phone'],
      summary: 'Check a phone verification code',
      request: jsonBody(z.strictObject({ phone: PhoneSchema, otp: OtpCodeSchema })),
      responses: {
        200: jsonResponse(
          'Verified',
          z.object({ success: z.literal(true), message: z.string(), verified: z.literal(true) }),
        ),
        ...errorResponses(400, 429, 503),
      },
    }),
    async (c) => {
      const { phone, otp } = c.req.valid('json')
      await phoneVerification(c).check(phone, otp)
      return c.json(
        { success: true as const, message: 'Phone verified', verified: true as const },
        200,
      )
    },
  )
