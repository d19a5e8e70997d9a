// Accounts with a role of their own: conference hosts and speakers (register and sign in with a
// password) and universities (a separate flow whose email is verified with a code first).
import { createRoute, z } from '@hono/zod-openapi'
import type { Role } from '../../../shared/roles'
import { LIMITS } from '../limits'
import { checkPassword, signIn } from '../login'
import { issueOtp, verifyOtp } from '../otp'
import { sendOtpMail } from '../otp-mail'
import {
  ChallengeSchema,
  EmailSchema,
  MessageSchema,
  NameSchema,
  OtpCodeSchema,
  PasswordSchema,
  TokenPairSchema,
} from '../schemas'
import { AppError } from '../../errors'
import { clientIp, enforceRateLimit } from '../../middleware/rate-limit'
import { createRouter, errorResponses, jsonBody, jsonResponse } from '../../openapi'
import { identifierHolders } from '../users-store'
import { proveIdentifier } from '../identity'
import { bindProof, boundAccount, dropProofBinding } from '../proof-binding'
import { registerUnproven } from '../registration'

const RegisterSchema = z.strictObject({
  email: EmailSchema,
  password: PasswordSchema,
  name: NameSchema,
})
const LoginSchema = z.strictObject({ email: EmailSchema, password: z.string().min(1).max(128) })

/** Register + login for a role whose accounts are usable at once (hosts, speakers). */
function passwordPortal(role: Extract<Role, 'HOST' | 'SPEAKER'>, label: string) {
  const router = createRouter()
  router.openapi(
    createRoute({
      method: 'post',
      path: '/register',
      tags: [label],
      summary: `Register a ${label.toLowerCase()} account`,
      request: jsonBody(RegisterSchema),
      responses: {
        201: jsonResponse('Registered', TokenPairSchema),
        ...errorResponses(400, 409, 429),
      },
    }),
    async (c) => {
      const { email, password, name } = c.req.valid('json')
      // The seed's contract: usable at once, no code. The email stays an unproven claim until a
      // code, Google or a reset link proves it (worker/auth/identity.ts).
      const user = await registerUnproven(c, { name, role, email, password })
      return signIn(c, user, 'Account created', 201)
    },
  )
  router.openapi(
    createRoute({
      method: 'post',
      path: '/login',
      tags: [label],
      summary: `Sign in to a ${label.toLowerCase()} account`,
      request: jsonBody(LoginSchema),
      responses: {
        200: jsonResponse('Signed in', TokenPairSchema),
        ...errorResponses(400, 401, 403, 429),
      },
    }),
    async (c) => signIn(c, await checkPassword(c, { ...c.req.valid('json'), role }), 'Signed in'),
  )
  return router
}

export const hostAuth = passwordPortal('HOST', 'Host')
export const speakerAuth = passwordPortal('SPEAKER', 'Speaker')

export const universityAuth = createRouter()

universityAuth.openapi(
  createRoute({
    method: 'post',
    path: '/register',
    tags: ['University'],
    summary: 'Register a university account; a code is emailed to verify it',
    request: jsonBody(RegisterSchema),
    responses: {
      201: jsonResponse('Registered, code sent', MessageSchema),
      ...errorResponses(400, 409, 429),
    },
  }),
  async (c) => {
    const { email, password, name } = c.req.valid('json')
    const user = await registerUnproven(c, { name, role: 'UNIVERSITY', email, password })
    const challenge = await bindProof(c, 'university', user._id)
    const code = await issueOtp(c.get('services').redis, c.get('config'), 'university', email)
    await sendOtpMail(c, email, code, 'Verify your university account')
    return c.json(
      { success: true, message: 'Account created; enter the code we emailed you', challenge },
      201,
    )
  },
)

universityAuth.openapi(
  createRoute({
    method: 'post',
    path: '/resend-otp',
    tags: ['University'],
    summary: 'Email a new verification code',
    request: jsonBody(z.strictObject({ email: EmailSchema })),
    responses: {
      200: jsonResponse('Code sent if the account is pending', MessageSchema),
      ...errorResponses(400, 429),
    },
  }),
  async (c) => {
    const { email } = c.req.valid('json')
    await enforceRateLimit(c, LIMITS.otpSend, [`ip:${clientIp(c)}`, `email:${email}`])
    const holders = await identifierHolders(await c.get('services').database.db(), 'email', email)
    // The same answer whether or not a pending university account exists.
    if (holders.some((u) => u.role === 'UNIVERSITY' && !u.emailVerified)) {
      const code = await issueOtp(c.get('services').redis, c.get('config'), 'university', email)
      await sendOtpMail(c, email, code, 'Verify your university account')
    }
    return c.json(
      { success: true, message: 'If the account is awaiting verification, a code is on its way' },
      200,
    )
  },
)

universityAuth.openapi(
  createRoute({
    method: 'post',
    path: '/verify-otp',
    tags: ['University'],
    summary: 'Verify the university email with its code and sign in',
    request: jsonBody(
      z.strictObject({
        email: EmailSchema,
        otp: OtpCodeSchema,
        challenge: ChallengeSchema.optional(),
      }),
    ),
    responses: {
      200: jsonResponse('Verified and signed in', TokenPairSchema),
      ...errorResponses(400, 409, 429),
    },
  }),
  async (c) => {
    const { email, otp, challenge } = c.req.valid('json')
    await enforceRateLimit(c, LIMITS.otpVerify, [`ip:${clientIp(c)}`, `email:${email}`])
    await verifyOtp(c.get('services').redis, c.get('config'), 'university', email, otp)
    // Bound to the registration that asked for the code: that account takes the email, password
    // kept. Unbound: whoever read the code proved only the mailbox, and takes over an account that
    // merely claimed it (its planted password wiped).
    const into = await boundAccount(c, 'university', challenge, email)
    const { user } = await proveIdentifier(c, 'email', email, 'email-otp', {
      into,
      claimableRole: 'UNIVERSITY',
    })
    if (!user || user.role !== 'UNIVERSITY')
      throw new AppError('BAD_REQUEST', 'No university account for this email')
    await dropProofBinding(c, 'university', challenge)
    return signIn(c, user, 'University verified')
  },
)

universityAuth.openapi(
  createRoute({
    method: 'post',
    path: '/login',
    tags: ['University'],
    summary: 'Sign in to a verified university account',
    request: jsonBody(LoginSchema),
    responses: {
      200: jsonResponse('Signed in', TokenPairSchema),
      ...errorResponses(400, 401, 403, 429),
    },
  }),
  async (c) => {
    const user = await checkPassword(c, { ...c.req.valid('json'), role: 'UNIVERSITY' })
    if (!user.emailVerified)
      throw new AppError('FORBIDDEN', 'Verify the university email before signing in')
    return signIn(c, user, 'Signed in')
  },
)
