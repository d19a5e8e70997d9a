// Videodesk sign-in (/api/v1), compatible with the old Express clients: password then emailed
// code, an httpOnly `token` cookie, profile and password changes, and password reset by email.
import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { getCookie } from 'hono/cookie'
import { ObjectId } from 'mongodb'
import { ACCESS_COOKIE, REFRESH_COOKIE, clearSessionCookies, setSessionCookies } from '../cookies'
import { LIMITS } from '../limits'
import { checkPassword, passwordMatches, startDeviceSession } from '../login'
import { issueOtp, verifyOtp } from '../otp'
import { sendOtpMail } from '../otp-mail'
import { hashPassword } from '../passwords'
import {
  consumePasswordReset,
  createPasswordReset,
  resetLink,
  sendPasswordResetMail,
} from '../password-reset'
import { isOwned, proveIdentifier } from '../identity'
import { bindProof, boundAccount, dropProofBinding } from '../proof-binding'
import { registerUnproven } from '../registration'
import {
  ChallengeSchema,
  EmailSchema,
  MessageSchema,
  NameSchema,
  OtpCodeSchema,
  PasswordSchema,
  ProfileUpdateSchema,
} from '../schemas'
import { acceptLegacyAccessToken } from '../legacy-exchange'
import { closeSessionSockets, revokeAllSessions } from '../revoke'
import { endSession, refreshTokenOwner } from '../sessions'
import { InvalidAccessTokenError, verifyAccessToken } from '../tokens'
import type { AppEnv } from '../../env'
import { AppError } from '../../errors'
import { log } from '../../log'
import { clientIp, enforceRateLimit } from '../../middleware/rate-limit'
import { createRouter, errorResponses, jsonBody, jsonResponse } from '../../openapi'
import { identifierHolders, publicUser, updateProfile, users } from '../users-store'
import { authedRoute } from '../../authed-route'

const TAG = 'Videodesk auth'
const OTP_SUBJECT = 'Your Videodesk sign-in code'

const UserSchema = z.record(z.string(), z.unknown())
const UserResponseSchema = z
  .object({ success: z.literal(true), message: z.string().optional(), user: UserSchema })
  .openapi('VideodeskUser')
const VerifiedSchema = z
  .object({
    success: z.literal(true),
    message: z.string(),
    user: UserSchema,
    accessToken: z.string(),
    expiresIn: z.number(),
  })
  .openapi('VideodeskSignedIn')

export const videodeskAuth = createRouter()

videodeskAuth.openapi(
  createRoute({
    method: 'post',
    path: '/register',
    tags: [TAG],
    summary: 'Create an account; a sign-in code is emailed to verify it',
    request: jsonBody(
      z.strictObject({ email: EmailSchema, password: PasswordSchema, name: NameSchema.optional() }),
    ),
    responses: {
      201: jsonResponse('Registered, code sent', MessageSchema),
      ...errorResponses(400, 409, 429),
    },
  }),
  async (c) => {
    const { email, password, name } = c.req.valid('json')
    const user = await registerUnproven(c, {
      // The old client never asked for a name; the mailbox name is a better label than nothing.
      name: name ?? email.split('@')[0]!,
      role: 'USER',
      email,
      password,
    })
    const challenge = await bindProof(c, 'videodesk', user._id)
    const code = await issueOtp(c.get('services').redis, c.get('config'), 'login', email)
    await sendOtpMail(c, email, code, OTP_SUBJECT)
    return c.json(
      { success: true, message: 'Account created; enter the code we emailed you', challenge },
      201,
    )
  },
)

videodeskAuth.openapi(
  createRoute({
    method: 'post',
    path: '/login',
    tags: [TAG],
    summary: 'Check email and password, then email a sign-in code',
    request: jsonBody(z.strictObject({ email: EmailSchema, password: z.string().min(1).max(128) })),
    responses: {
      200: jsonResponse('Code sent', MessageSchema),
      ...errorResponses(400, 401, 403, 429),
    },
  }),
  async (c) => {
    const user = await checkPassword(c, c.req.valid('json'))
    // An account that proved its email needs no binding: the mailbox's owner is the account's.
    const challenge = user.emailVerified ? undefined : await bindProof(c, 'videodesk', user._id)
    const code = await issueOtp(c.get('services').redis, c.get('config'), 'login', user.email!)
    await sendOtpMail(c, user.email!, code, OTP_SUBJECT)
    return c.json({ success: true, message: 'Enter the code we emailed you', challenge }, 200)
  },
)

videodeskAuth.openapi(
  createRoute({
    method: 'post',
    path: '/verify',
    tags: [TAG],
    summary: 'Check the emailed code; signs in and sets the `token` cookie',
    request: jsonBody(
      z.strictObject({
        email: EmailSchema,
        otp: OtpCodeSchema,
        challenge: ChallengeSchema.optional(),
      }),
    ),
    responses: {
      200: jsonResponse('Signed in', VerifiedSchema),
      ...errorResponses(400, 403, 409, 429),
    },
  }),
  async (c) => {
    const { email, otp, challenge } = c.req.valid('json')
    await enforceRateLimit(c, LIMITS.otpVerify, [`ip:${clientIp(c)}`, `email:${email}`])
    await verifyOtp(c.get('services').redis, c.get('config'), 'login', email, otp)
    // The code proved the mailbox. Bound to the register or login that asked for it (cookie or
    // challenge), the account whose password was checked takes the email; unbound, the mailbox's
    // owner takes over an account that merely claimed it, and its planted password is wiped.
    const into = await boundAccount(c, 'videodesk', challenge, email)
    const { user } = await proveIdentifier(c, 'email', email, 'email-otp', { into })
    if (!user) throw new AppError('BAD_REQUEST', 'No account for this email')
    if (!user.isActive) throw new AppError('FORBIDDEN', 'This account has been deactivated')
    await dropProofBinding(c, 'videodesk', challenge)
    const tokens = await startDeviceSession(c, user)
    setSessionCookies(c, tokens)
    return c.json(
      {
        success: true as const,
        message: 'Signed in',
        user: publicUser(user),
        // For clients without a cookie jar; browsers keep using the httpOnly cookies.
        accessToken: tokens.accessToken,
        expiresIn: tokens.expiresIn,
      },
      200,
    )
  },
)

videodeskAuth.openapi(
  authedRoute({
    method: 'get',
    path: '/me',
    tags: [TAG],
    summary: 'The signed-in user (cookie or Bearer)',
    responses: { 200: jsonResponse('The user', UserResponseSchema) },
  }),
  (c) => c.json({ success: true as const, user: publicUser(c.get('user')) }, 200),
)

/** Access-token claims from the Bearer header or the cookie, when they verify. */
async function accessClaims(c: Context<AppEnv>) {
  const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1]
  const token = bearer ?? getCookie(c, ACCESS_COOKIE)
  if (!token) return undefined
  try {
    return await verifyAccessToken(c.get('config').JWT_SECRET, token)
  } catch (error) {
    if (!(error instanceof InvalidAccessTokenError)) throw error
  }
  // An old system's token (cut-over): the session it stands for, so that ending it ends the token.
  try {
    return await acceptLegacyAccessToken(c, token, { setCookies: false })
  } catch (error) {
    if (error instanceof InvalidAccessTokenError) return undefined
    throw error
  }
}

videodeskAuth.openapi(
  createRoute({
    method: 'get',
    path: '/logout',
    tags: [TAG],
    summary: "End this device's session and clear its cookies (also when already signed out)",
    responses: { 200: jsonResponse('Signed out', MessageSchema) },
  }),
  async (c) => {
    // No protect(): an expired access cookie must not stop the refresh token from being revoked.
    const refreshToken = getCookie(c, REFRESH_COOKIE)
    const claims = await accessClaims(c)
    if (refreshToken || claims) {
      const db = await c.get('services').database.db()
      const now = c.get('services').now()
      const owner = refreshToken ? await refreshTokenOwner(db, refreshToken) : undefined
      if (owner) {
        const ended = await endSession(db, owner, { refreshToken }, now)
        if (ended) await closeSessionSockets(c, owner, [ended], 'logout')
      }
      if (claims && ObjectId.isValid(claims.userId)) {
        const userId = new ObjectId(claims.userId)
        const ended = await endSession(db, userId, { sessionId: claims.sessionId }, now)
        if (ended) await closeSessionSockets(c, userId, [ended], 'logout')
      }
    }
    clearSessionCookies(c)
    return c.json({ success: true, message: 'Signed out' }, 200)
  },
)

videodeskAuth.openapi(
  authedRoute({
    method: 'put',
    path: '/user/update',
    tags: [TAG],
    summary: 'Edit your profile',
    request: jsonBody(ProfileUpdateSchema),
    responses: {
      200: jsonResponse('The updated user', UserResponseSchema),
    },
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
    return c.json(
      { success: true as const, message: 'Profile updated', user: publicUser(updated) },
      200,
    )
  },
)

videodeskAuth.openapi(
  authedRoute({
    method: 'put',
    path: '/user/change-password',
    tags: [TAG],
    summary: 'Change your password; every other device is signed out',
    request: jsonBody(
      z.strictObject({
        currentPassword: z.string().min(1).max(128),
        newPassword: PasswordSchema,
      }),
    ),
    responses: {
      200: jsonResponse('Password changed', MessageSchema),
      ...errorResponses(429),
    },
  }),
  async (c) => {
    const { currentPassword, newPassword } = c.req.valid('json')
    const user = c.get('user')
    // A stolen session must not become an unlimited oracle for the current password.
    await enforceRateLimit(c, LIMITS.login, [`user:${user._id.toHexString()}`])
    if (!(await passwordMatches(currentPassword, user))) {
      // 400, not 401: the session is fine, and clients sign out on 401.
      throw new AppError('BAD_REQUEST', 'Current password is incorrect', [
        { path: 'currentPassword', message: 'is incorrect' },
      ])
    }
    const { database, now } = c.get('services')
    const db = await database.db()
    const at = now()
    await users(db).updateOne(
      { _id: user._id },
      // One password from now on: a merged account's other one goes too.
      {
        $set: { passwordHash: await hashPassword(newPassword), updatedAt: at },
        $unset: { mergedPasswordHash: '' },
      },
    )
    await revokeAllSessions(c, user._id, 'password-change', { except: c.get('auth').sessionId })
    return c.json(
      { success: true, message: 'Password changed; other devices were signed out' },
      200,
    )
  },
)

const FORGOT_MESSAGE = 'If an account exists for this email, a reset link is on its way'

videodeskAuth.openapi(
  createRoute({
    method: 'post',
    path: '/forgot-password',
    tags: [TAG],
    summary:
      'Email a single-use password reset link (same answer whether or not the account exists)',
    request: jsonBody(z.strictObject({ email: EmailSchema })),
    responses: {
      200: jsonResponse('Link sent if the account exists', MessageSchema),
      ...errorResponses(400, 429),
    },
  }),
  async (c) => {
    const { email } = c.req.valid('json')
    await enforceRateLimit(c, LIMITS.passwordReset, [`ip:${clientIp(c)}`, `email:${email}`])
    const { database, now } = c.get('services')
    const db = await database.db()
    // The link proves the mailbox: it goes to the email's proven owner, else to an account that
    // only claimed it and nobody owns (the reset takes it over); never to an account someone else
    // proved, which the mailbox's owner has no claim to.
    const holders = await identifierHolders(db, 'email', email)
    const user = holders.find((u) => u.emailVerified) ?? holders.find((u) => !isOwned(u))
    if (user?.isActive) {
      const token = await createPasswordReset(db, c.get('config'), user._id, email, now())
      // Sent after the response: an SMTP round trip (or failure) only for real accounts would
      // tell an observer which emails are registered.
      const sending = sendPasswordResetMail(c, email, resetLink(c, token)).catch((error) =>
        log('error', 'password reset mail failed', {
          requestId: c.get('requestId'),
          error: error instanceof Error ? error.message : String(error),
        }),
      )
      try {
        c.executionCtx.waitUntil(sending)
      } catch {
        await sending
      }
    }
    return c.json({ success: true, message: FORGOT_MESSAGE }, 200)
  },
)

videodeskAuth.openapi(
  createRoute({
    method: 'post',
    path: '/reset-password',
    tags: [TAG],
    summary: 'Set a new password with the emailed link; every device is signed out',
    request: jsonBody(
      z.strictObject({ token: z.string().min(20).max(200), password: PasswordSchema }),
    ),
    responses: {
      200: jsonResponse('Password reset', MessageSchema),
      ...errorResponses(400),
    },
  }),
  async (c) => {
    const { token, password } = c.req.valid('json')
    const { database, now } = c.get('services')
    const db = await database.db()
    const at = now()
    const { userId, email } = await consumePasswordReset(db, token, at)
    // Proves the email for this account (releasing other claims on it); a phone it only claimed
    // goes with the rest of what whoever planted the claim set.
    const { user } = email
      ? await proveIdentifier(c, 'email', email, 'password-reset', { into: userId })
      : { user: null }
    await users(db).updateOne(
      { _id: userId },
      {
        $set: { passwordHash: await hashPassword(password), updatedAt: at },
        $unset: {
          mergedPasswordHash: '',
          ...(user && !user.phoneVerified && user.phone ? { phone: '' } : {}),
        },
      },
    )
    await revokeAllSessions(c, userId, 'password-change')
    clearSessionCookies(c)
    return c.json({ success: true, message: 'Password reset; sign in with the new password' }, 200)
  },
)
