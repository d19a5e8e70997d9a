// Google sign-in (/api/auth): the web authorization-code flow with PKCE (redirect to Google and
// back), and the mobile apps' exchange of a Google ID token for a session.
import { createRoute, z } from '@hono/zod-openapi'
import {
  CodeChallengeMethod,
  OAuth2Client,
  OAuth2RequestError,
  generateCodeVerifier,
  generateState,
} from 'arctic'
import type { Context } from 'hono'
import { deleteCookie, getSignedCookie, setSignedCookie } from 'hono/cookie'
import type { AppEnv } from '../../env'
import {
  findOrCreateGoogleUser,
  googleAudiences,
  googleNotConfigured,
  googleUnavailable,
  verifyGoogleIdToken,
} from '../google'
import { LIMITS } from '../limits'
import { signIn, startDeviceSession } from '../login'
import { TokenPairSchema } from '../schemas'
import { AppError } from '../../errors'
import { clientIp, enforceRateLimit } from '../../middleware/rate-limit'
import { createRouter, errorResponses, jsonBody, jsonResponse } from '../../openapi'

const FLOW_COOKIE = 'google_oauth'
const FLOW_COOKIE_PATH = '/api/auth/google'
const FLOW_TTL_SECONDS = 10 * 60
const SCOPES = ['openid', 'email', 'profile']

/** What the browser carries from the redirect to Google back to the callback, signed. */
const FlowSchema = z.object({
  state: z.string().min(1),
  verifier: z.string().min(1),
  redirect: z.string().optional(),
  expiresAt: z.number(),
})
type Flow = z.infer<typeof FlowSchema>

export const googleAuth = createRouter()

function webClient(c: Context<AppEnv>) {
  const config = c.get('config')
  if (!config.GOOGLE_CLIENT_ID || !config.GOOGLE_CLIENT_SECRET) throw googleNotConfigured()
  // Google only redirects to registered URIs; unset, it is this API's own callback.
  const redirectUri =
    config.GOOGLE_CALLBACK_URL ?? `${new URL(c.req.url).origin}${FLOW_COOKIE_PATH}/callback`
  return new OAuth2Client(config.GOOGLE_CLIENT_ID, config.GOOGLE_CLIENT_SECRET, redirectUri)
}

function flowCookieOptions(c: Context<AppEnv>) {
  const production = c.get('config').APP_ENV === 'production'
  // Lax, not Strict: the callback is a top-level navigation from Google, which Lax lets through.
  return { path: FLOW_COOKIE_PATH, httpOnly: true, secure: production, sameSite: 'Lax' as const }
}

/** Where the browser may be sent after sign-in: only pages on OAUTH_SUCCESS_REDIRECT_URL's origin. */
function allowedRedirect(c: Context<AppEnv>, wanted: string): string {
  const success = c.get('config').OAUTH_SUCCESS_REDIRECT_URL
  const refuse = () =>
    new AppError('VALIDATION_ERROR', 'Invalid request', [
      { path: 'query.redirect', message: 'must be a page of this application' },
    ])
  if (!success) throw refuse()
  let target: URL
  try {
    target = new URL(wanted, success)
  } catch {
    throw refuse()
  }
  if (target.origin !== new URL(success).origin) throw refuse()
  return target.toString()
}

async function readFlow(c: Context<AppEnv>): Promise<Flow | undefined> {
  const raw = await getSignedCookie(c, c.get('config').JWT_SECRET, FLOW_COOKIE)
  if (!raw) return undefined
  try {
    const flow = FlowSchema.parse(JSON.parse(raw))
    return flow.expiresAt > Date.now() ? flow : undefined
  } catch {
    return undefined
  }
}

googleAuth.openapi(
  createRoute({
    method: 'get',
    path: '/google',
    tags: ['Auth'],
    summary: 'Start Google sign-in in a browser (redirects to Google)',
    request: {
      query: z.object({
        redirect: z.string().max(2048).optional().openapi({
          description: "Page to return to; must be on OAUTH_SUCCESS_REDIRECT_URL's origin",
        }),
      }),
    },
    responses: {
      302: { description: "Redirect to Google's consent screen" },
      ...errorResponses(400, 503),
    },
  }),
  async (c) => {
    const client = webClient(c)
    const config = c.get('config')
    const { redirect } = c.req.valid('query')
    const state = generateState()
    const verifier = generateCodeVerifier()
    const url = client.createAuthorizationURLWithPKCE(
      config.GOOGLE_AUTH_URL,
      state,
      CodeChallengeMethod.S256,
      verifier,
      SCOPES,
    )
    const flow: Flow = {
      state,
      verifier,
      redirect: redirect === undefined ? undefined : allowedRedirect(c, redirect),
      expiresAt: Date.now() + FLOW_TTL_SECONDS * 1000,
    }
    await setSignedCookie(c, FLOW_COOKIE, JSON.stringify(flow), config.JWT_SECRET, {
      ...flowCookieOptions(c),
      maxAge: FLOW_TTL_SECONDS,
    })
    c.header('Cache-Control', 'no-store')
    return c.redirect(url.toString(), 302)
  },
)

googleAuth.openapi(
  createRoute({
    method: 'get',
    path: '/google/callback',
    tags: ['Auth'],
    summary: 'Where Google sends the browser back; signs in, creating the account on first use',
    description:
      'With OAUTH_SUCCESS_REDIRECT_URL set, redirects there with the tokens in the URL fragment ' +
      '(#accessToken=…&refreshToken=…&expiresIn=…); otherwise answers the tokens as JSON.',
    request: {
      // Not strict: Google adds parameters of its own (scope, authuser, prompt, hd).
      query: z.object({
        code: z.string().max(2048).optional(),
        state: z.string().max(512).optional(),
        error: z.string().max(200).optional(),
      }),
    },
    responses: {
      200: jsonResponse('Signed in', TokenPairSchema),
      201: jsonResponse('Signed up', TokenPairSchema),
      302: { description: 'Redirect to the application with the tokens in the fragment' },
      ...errorResponses(400, 403, 409, 503),
    },
  }),
  async (c) => {
    const client = webClient(c)
    const { code, state, error } = c.req.valid('query')
    const flow = await readFlow(c)
    // One use per flow, whatever the outcome.
    deleteCookie(c, FLOW_COOKIE, flowCookieOptions(c))
    c.header('Cache-Control', 'no-store')
    if (!flow) {
      throw new AppError(
        'BAD_REQUEST',
        'Google sign-in expired or was not started here; start again',
      )
    }
    if (!state || state !== flow.state) {
      throw new AppError('BAD_REQUEST', 'Google sign-in state does not match; start again')
    }
    if (error) {
      const reason = /^[a-z_]{1,64}$/.test(error) ? error : 'unknown_error'
      throw new AppError('BAD_REQUEST', `Google sign-in was not completed: ${reason}`, [
        { path: 'query.error', message: reason },
      ])
    }
    if (!code) throw new AppError('BAD_REQUEST', 'Google sign-in returned no code; start again')

    let idToken: string
    try {
      const tokens = await client.validateAuthorizationCode(
        c.get('config').GOOGLE_TOKEN_URL,
        code,
        flow.verifier,
      )
      idToken = tokens.idToken()
    } catch (failure) {
      if (failure instanceof OAuth2RequestError) {
        throw new AppError(
          'BAD_REQUEST',
          `Google refused the sign-in code (${failure.code}); start again`,
          undefined,
          { cause: failure },
        )
      }
      // Google unreachable, or an answer that is not OAuth at all (e.g. no id_token).
      throw googleUnavailable(failure)
    }

    const config = c.get('config')
    const identity = await verifyGoogleIdToken(config, idToken, googleAudiences(config, 'web'))
    const { user, created } = await findOrCreateGoogleUser(c, identity)

    const destination = flow.redirect ?? config.OAUTH_SUCCESS_REDIRECT_URL
    if (!destination) {
      return signIn(c, user, created ? 'Account created' : 'Signed in', created ? 201 : 200)
    }
    // The same session start as signIn, but the tokens travel in a fragment, which browsers never
    // send to a server, so they stay out of access logs and Referer headers.
    const tokens = await startDeviceSession(c, user)
    const target = new URL(destination)
    target.hash = new URLSearchParams({
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresIn: String(tokens.expiresIn),
    }).toString()
    c.header('Referrer-Policy', 'no-referrer')
    return c.redirect(target.toString(), 302)
  },
)

const GoogleTokenString = z.string().min(1).max(8192)

googleAuth.openapi(
  createRoute({
    method: 'post',
    path: '/verify-google-token',
    tags: ['Auth'],
    summary:
      'Sign in with a Google ID token from the mobile apps; creates the account on first use',
    request: jsonBody(
      z
        .strictObject({
          idToken: GoogleTokenString.optional(),
          token: GoogleTokenString.optional().openapi({
            description: 'The same, under the name older app versions send',
          }),
        })
        .refine((body) => (body.idToken === undefined) !== (body.token === undefined), {
          message: 'exactly one of idToken or token is required',
          path: ['idToken'],
        }),
    ),
    responses: {
      200: jsonResponse('Signed in', TokenPairSchema),
      201: jsonResponse('Signed up', TokenPairSchema),
      ...errorResponses(400, 401, 403, 409, 429, 503),
    },
  }),
  async (c) => {
    const body = c.req.valid('json')
    const config = c.get('config')
    const audiences = googleAudiences(config, 'any')
    if (audiences.length === 0) throw googleNotConfigured()
    await enforceRateLimit(c, LIMITS.google, [`ip:${clientIp(c)}`])
    const identity = await verifyGoogleIdToken(config, (body.idToken ?? body.token)!, audiences)
    const { user, created } = await findOrCreateGoogleUser(c, identity)
    return signIn(c, user, created ? 'Account created' : 'Signed in', created ? 201 : 200)
  },
)
