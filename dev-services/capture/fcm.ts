// Fake of FCM HTTP v1 and of Google's OAuth token endpoint, so the real FCM client (service-account
// JWT → access token → messages:send) can run against the capture server and its pushes be read.
import { createPublicKey, randomBytes, randomUUID, verify, type KeyObject } from 'node:crypto'
import { bearerToken, type Route, type RouteContext, type RouteResult } from './http.js'
import type { CaptureList } from './store.js'
import type { CapturedPush } from './types.js'

const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer'

export interface FcmFakeOptions {
  /** When given, /token checks the assertion's RS256 signature against it (PEM, SPKI). */
  publicKeyPem?: string
}

export function fcmRoutes(push: CaptureList<CapturedPush>, opts: FcmFakeOptions = {}): Route[] {
  const publicKey = opts.publicKeyPem ? createPublicKey(opts.publicKeyPem) : undefined
  let sent = 0

  const send = (ctx: RouteContext): RouteResult => {
    if (!bearerToken(ctx.req)) {
      return googleError(
        401,
        'UNAUTHENTICATED',
        'Request is missing required authentication credential. Expected OAuth 2 access token.',
      )
    }
    const project = ctx.params[0]!
    let payload: { message?: unknown; validate_only?: unknown }
    try {
      payload = ctx.json() as typeof payload
    } catch {
      return googleError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.')
    }
    const message = payload?.message
    if (!message || typeof message !== 'object' || Array.isArray(message)) {
      return googleError(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.')
    }
    const fields = message as Record<string, unknown>
    const targets = ['token', 'topic', 'condition'].filter((key) => typeof fields[key] === 'string')
    if (targets.length !== 1) {
      return googleError(
        400,
        'INVALID_ARGUMENT',
        'Exactly one of token, topic or condition is required.',
      )
    }
    const to = fields[targets[0]!] as string
    // Lets tests exercise the "drop stale device tokens" path without a real device.
    if (targets[0] === 'token' && to.startsWith('unregistered')) {
      return googleError(404, 'NOT_FOUND', 'Requested entity was not found.', 'UNREGISTERED')
    }
    sent += 1
    const name = `projects/${project}/messages/${Date.now()}${String(sent).padStart(4, '0')}`
    if (payload.validate_only !== true) {
      push.add({ id: randomUUID(), at: new Date().toISOString(), project, to, message: fields })
    }
    return { status: 200, body: { name } }
  }

  const token = (ctx: RouteContext): RouteResult => {
    const { grant_type: grantType, assertion } = ctx.form()
    if (grantType !== JWT_BEARER_GRANT) {
      return oauthError('unsupported_grant_type', `Invalid grant_type: ${grantType ?? ''}`)
    }
    const problem = assertion
      ? checkAssertion(assertion, publicKey)
      : 'Missing required parameter: assertion'
    if (problem) return oauthError('invalid_grant', problem)
    return {
      status: 200,
      body: {
        access_token: `ya29.dev-${randomBytes(24).toString('base64url')}`,
        expires_in: 3599,
        token_type: 'Bearer',
      },
    }
  }

  return [
    { method: 'POST', path: /^\/v1\/projects\/([^/]+)\/messages:send$/, handle: send },
    { method: 'POST', path: /^\/token$/, handle: token },
  ]
}

/** Why Google would refuse this service-account assertion, or null when it would accept it. */
function checkAssertion(assertion: string, publicKey: KeyObject | undefined): string | null {
  const parts = assertion.split('.')
  if (parts.length !== 3) return 'Invalid JWT: not a compact JWS'
  let header: { alg?: unknown }
  let claims: { iss?: unknown; exp?: unknown; iat?: unknown }
  try {
    header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as typeof header
    claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as typeof claims
  } catch {
    return 'Invalid JWT: cannot decode header or claims'
  }
  if (header.alg !== 'RS256') return 'Invalid JWT: alg must be RS256'
  if (typeof claims.iss !== 'string') return 'Invalid JWT: iss is required'
  const now = Date.now() / 1000
  if (typeof claims.exp !== 'number' || typeof claims.iat !== 'number' || claims.exp < now) {
    return 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.'
  }
  if (publicKey) {
    const signed = Buffer.from(`${parts[0]}.${parts[1]}`)
    const signature = Buffer.from(parts[2]!, 'base64url')
    if (!verify('RSA-SHA256', signed, publicKey, signature)) return 'Invalid JWT Signature.'
  }
  return null
}

function googleError(
  code: number,
  status: string,
  message: string,
  fcmErrorCode?: string,
): RouteResult {
  const details = fcmErrorCode
    ? [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: fcmErrorCode }]
    : undefined
  return { status: code, body: { error: { code, message, status, details } } }
}

function oauthError(error: string, description: string): RouteResult {
  return { status: 400, body: { error, error_description: description } }
}
