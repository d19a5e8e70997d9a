// Sanora sign-up and sign-in (/api/auth): email OTP then sign-up, password login, refresh-token
// rotation, logout, profile, and phone sign-up through Twilio Verify.
import { createRoute, z } from '@hono/zod-openapi'
import { LIMITS } from '../limits'
import { checkPassword, signIn } from '../login'
import { issueOtp, verifyOtp } from '../otp'
import { hashPassword } from '../passwords'
import {
  EmailSchema,
  MessageSchema,
  NameSchema,
  OtpCodeSchema,
  PasswordSchema,
  PhoneSchema,
  TokenPairSchema,
} from '../schemas'
import { closeSessionSockets, revokeAllSessions } from '../revoke'
import { exchangeLegacyRefreshToken } from '../legacy-exchange'
import { endLegacyAccessOfFamily, revokeLegacyRefreshToken } from '../legacy-sessions'
import { RefreshTokenError, endSession, rotateSession, type IssuedTokens } from '../sessions'
import { AppError } from '../../errors'
import { clientIp, enforceRateLimit } from '../../middleware/rate-limit'
import {
  createRouter,
  errorResponses,
  jsonBody,
  jsonResponse,
  optionalJsonBody,
} from '../../openapi'
import { createUser, findUserById, publicUser, users, type UserDoc } from '../users-store'
import { proveIdentifier, provenFields } from '../identity'
import { sendOtpMail } from '../otp-mail'
import { phoneVerification } from '../phone'
import { authedRoute } from '../../authed-route'

const VERIFIED_EMAIL_TTL_SECONDS = 30 * 60
const verifiedEmailKey = (email: string) => `verified-email:${email}`

export const auth = createRouter()

auth.openapi(
  createRoute({
    method: 'post',
    path: '/send-otp-signup',
    tags: ['Auth'],
    summary: 'Email a 6-digit sign-up code',
    request: jsonBody(z.strictObject({ email: EmailSchema })),
    responses: { 200: jsonResponse('Code sent', MessageSchema), ...errorResponses(400, 429) },
  }),
  async (c) => {
    const { email } = c.req.valid('json')
    await enforceRateLimit(c, LIMITS.otpSend, [`ip:${clientIp(c)}`, `email:${email}`])
    const code = await issueOtp(c.get('services').redis, c.get('config'), 'signup', email)
    await sendOtpMail(c, email, code, 'Your Sanora sign-up code')
    return c.json({ success: true, message: 'Verification code sent' }, 200)
  },
)

auth.openapi(
  createRoute({
    method: 'post',
    path: '/verify-otp-signup',
    tags: ['Auth'],
    summary: 'Check the sign-up code; the email may then sign up for 30 minutes',
    request: jsonBody(z.strictObject({ email: EmailSchema, otp: OtpCodeSchema })),
    responses: { 200: jsonResponse('Email verified', MessageSchema), ...errorResponses(400, 429) },
  }),
  async (c) => {
    const { email, otp } = c.req.valid('json')
    await enforceRateLimit(c, LIMITS.otpVerify, [`ip:${clientIp(c)}`, `email:${email}`])
    const { redis } = c.get('services')
    await verifyOtp(redis, c.get('config'), 'signup', email, otp)
    await redis.set(verifiedEmailKey(email), '1', { ex: VERIFIED_EMAIL_TTL_SECONDS })
    return c.json({ success: true, message: 'Email verified' }, 200)
  },
)

auth.openapi(
  createRoute({
    method: 'post',
    path: '/signup',
    tags: ['Auth'],
    summary: 'Create an account for an email verified with /verify-otp-signup',
    request: jsonBody(
      z.strictObject({
        email: EmailSchema,
        password: PasswordSchema,
        name: NameSchema,
        phone: PhoneSchema.optional(),
        gender: z.enum(['male', 'female', 'other', 'prefer-not-to-say']).optional(),
      }),
    ),
    responses: {
      201: jsonResponse('Signed up', TokenPairSchema),
      ...errorResponses(400, 403, 409),
    },
  }),
  async (c) => {
    const body = c.req.valid('json')
    const { redis, database, now } = c.get('services')
    if (!(await redis.get(verifiedEmailKey(body.email)))) {
      throw new AppError('FORBIDDEN', 'Verify your email with the code we sent before signing up')
    }
    const db = await database.db()
    const passwordHash = await hashPassword(body.password)
    // The code proved the email: an account that merely claimed it is taken over (its planted
    // password and phone wiped, its sessions ended) and becomes this sign-up's account.
    const proven = await proveIdentifier(c, 'email', body.email, 'email-otp')
    if (proven.user && !proven.takenOver)
      throw new AppError('CONFLICT', 'An account with this email already exists; sign in')
    let user: UserDoc
    if (proven.user) {
      const $set: Record<string, unknown> = { name: body.name, passwordHash, updatedAt: now() }
      if (body.phone) Object.assign($set, { phone: body.phone, phoneVerified: false })
      if (body.gender) $set['profile.gender'] = body.gender
      user = (await users(db).findOneAndUpdate(
        { _id: proven.user._id },
        { $set },
        { returnDocument: 'after' },
      ))!
    } else {
      user = await createUser(
        db,
        {
          name: body.name,
          role: 'USER',
          ...provenFields('email', body.email, 'email-otp', now()),
          // Given here, not proven: a claim that reserves nothing until a texted code proves it.
          phone: body.phone,
          passwordHash,
          profile: body.gender ? { gender: body.gender } : {},
        },
        now(),
      )
    }
    await redis.del(verifiedEmailKey(body.email))
    return signIn(c, user, 'Account created', 201)
  },
)

auth.openapi(
  createRoute({
    method: 'post',
    path: '/login',
    tags: ['Auth'],
    summary: 'Sign in with email (or phone) and password',
    request: jsonBody(
      z.strictObject({
        email: EmailSchema.optional(),
        phone: PhoneSchema.optional(),
        password: z.string().min(1).max(128),
      }),
    ),
    responses: {
      200: jsonResponse('Signed in', TokenPairSchema),
      ...errorResponses(400, 401, 403, 429),
    },
  }),
  async (c) => {
    const user = await checkPassword(c, c.req.valid('json'))
    if (!user.emailVerified && !user.phoneVerified) {
      throw new AppError('FORBIDDEN', 'Verify your email before signing in')
    }
    return signIn(c, user, 'Signed in')
  },
)

auth.openapi(
  createRoute({
    method: 'post',
    path: '/refresh-token',
    tags: ['Auth'],
    summary: 'Exchange a refresh token for a new pair (the old one stops working)',
    request: jsonBody(z.strictObject({ refreshToken: z.string().min(20).max(200) })),
    responses: {
      200: jsonResponse('New tokens', TokenPairSchema),
      ...errorResponses(400, 401, 429),
    },
  }),
  async (c) => {
    const { refreshToken } = c.req.valid('json')
    await enforceRateLimit(c, LIMITS.refresh, [`ip:${clientIp(c)}`])
    const db = await c.get('services').database.db()
    let user: UserDoc | null = null
    try {
      let tokens: IssuedTokens
      try {
        tokens = await rotateSession(
          db,
          c.get('config'),
          refreshToken,
          async (id) => (user = await findUserById(db, id)),
          c.get('services').now(),
        )
      } catch (error) {
        // Not one of ours: perhaps an old system's, imported to be exchanged once.
        if (!(error instanceof RefreshTokenError) || error.reason !== 'invalid') throw error
        const legacy = await exchangeLegacyRefreshToken(c, refreshToken)
        if (!legacy) throw error
        ;({ tokens, user } = legacy)
      }
      const { accessToken, refreshToken: next, expiresIn } = tokens
      return c.json(
        {
          success: true as const,
          message: 'Tokens refreshed',
          accessToken,
          refreshToken: next,
          expiresIn,
          user: publicUser(user!),
        },
        200,
      )
    } catch (error) {
      if (!(error instanceof RefreshTokenError)) throw error
      if (error.revoked)
        await closeSessionSockets(c, error.revoked.userId, [error.revoked.familyId], 'reuse')
      throw new AppError('UNAUTHORIZED', error.message)
    }
  },
)

auth.openapi(
  authedRoute({
    method: 'post',
    path: '/logout',
    tags: ['Auth'],
    summary: "End this device's session (its refresh token stops working)",
    request: optionalJsonBody(z.strictObject({ refreshToken: z.string().max(200).optional() })),
    responses: { 200: jsonResponse('Signed out', MessageSchema) },
  }),
  async (c) => {
    const { refreshToken } = c.req.valid('json')
    const db = await c.get('services').database.db()
    const userId = c.get('user')._id
    const { sessionId } = c.get('auth')
    const now = c.get('services').now()
    let ended = await endSession(db, userId, { refreshToken, sessionId }, now)
    // An old app signing out with its old refresh token: that token dies, and this session too.
    if (!ended && refreshToken && (await revokeLegacyRefreshToken(db, userId, refreshToken, now)))
      ended = await endSession(db, userId, { sessionId }, now)
    if (ended) {
      await endLegacyAccessOfFamily(db, userId, ended, now)
      await closeSessionSockets(c, userId, [ended], 'logout')
    }
    return c.json({ success: true, message: 'Signed out' }, 200)
  },
)

auth.openapi(
  authedRoute({
    method: 'post',
    path: '/logout-all',
    tags: ['Auth'],
    summary: 'End every session of this account, on every device (open sockets close too)',
    responses: {
      200: jsonResponse('Signed out everywhere', MessageSchema),
    },
  }),
  async (c) => {
    await revokeAllSessions(c, c.get('user')._id, 'logout-all')
    return c.json({ success: true, message: 'Signed out on every device' }, 200)
  },
)

auth.openapi(
  authedRoute({
    method: 'get',
    path: '/profile',
    tags: ['Auth'],
    summary: 'The signed-in user',
    responses: { 200: { description: 'The user' } },
  }),
  (c) => c.json({ success: true, user: publicUser(c.get('user')) }, 200),
)

auth.openapi(
  createRoute({
    method: 'post',
    path: '/send-phone-otp-signup',
    tags: ['Auth'],
    summary: 'Text a sign-up code to a phone (Twilio Verify)',
    request: jsonBody(z.strictObject({ phone: PhoneSchema })),
    responses: { 200: jsonResponse('Code sent', MessageSchema), ...errorResponses(400, 429, 503) },
  }),
  async (c) => {
    const { phone } = c.req.valid('json')
    await phoneVerification(c).send(phone)
    return c.json({ success: true, message: 'Verification code sent' }, 200)
  },
)

auth.openapi(
  createRoute({
    method: 'post',
    path: '/verify-phone-otp-signup',
    tags: ['Auth'],
    summary: 'Check the phone code; signs in, creating the account on first use',
    request: jsonBody(
      z.strictObject({ phone: PhoneSchema, otp: OtpCodeSchema, name: NameSchema.optional() }),
    ),
    responses: {
      200: jsonResponse('Signed in', TokenPairSchema),
      201: jsonResponse('Signed up', TokenPairSchema),
      ...errorResponses(400, 403, 429, 503),
    },
  }),
  async (c) => {
    const { phone, otp, name } = c.req.valid('json')
    await phoneVerification(c).check(phone, otp)
    const { database, now } = c.get('services')
    // The owner of the number signs in to the account that holds it proven, or takes over one that
    // only claimed it; an account someone else proved keeps everything but the claim on it.
    const { user: existing } = await proveIdentifier(c, 'phone', phone, 'phone-otp')
    if (existing) {
      if (!existing.isActive) throw new AppError('FORBIDDEN', 'This account has been deactivated')
      return signIn(c, existing, 'Signed in')
    }
    const user = await createUser(
      await database.db(),
      {
        name: name ?? 'Sanora user',
        role: 'USER',
        ...provenFields('phone', phone, 'phone-otp', now()),
      },
      now(),
    )
    return signIn(c, user, 'Account created', 201)
  },
)
