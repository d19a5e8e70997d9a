// Fake of Google's OAuth 2.0 / OpenID Connect endpoints at their HTTP boundary (consent screen,
// token exchange with PKCE, JWKS), plus a helper that mints ID tokens for tests.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose'
import type { Route, RouteContext, RouteResult } from './http.js'

const GOOGLE_ISSUER = 'https://accounts.google.com'
const DEFAULT_GOOGLE_EMAIL = 'dev.user@example.test'

const CODE_TTL_MS = 10 * 60 * 1000
const ID_TOKEN_TTL_SECONDS = 3600
const JWKS_MAX_AGE_SECONDS = 3600
// Google publishes the current and the previous key, so tokens signed just before a rotation verify.
const KEYS_KEPT = 2
const SCOPE_URLS: Record<string, string> = {
  email: 'https://www.googleapis.com/auth/userinfo.email',
  profile: 'https://www.googleapis.com/auth/userinfo.profile',
}

export interface GoogleClient {
  id: string
  /** Confidential (web) clients have one; installed apps (Android, iOS) do not. */
  secret?: string
}

export interface GoogleFakeOptions {
  /** Registered clients; when absent any client id is accepted and secrets are not checked. */
  clients?: GoogleClient[]
}

interface SigningKey {
  kid: string
  privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey']
  publicJwk: JWK
}

interface PendingCode {
  clientId: string
  redirectUri: string
  challenge?: string
  challengeMethod?: 'S256' | 'plain'
  scopes: string[]
  email: string
  nonce?: string
  expiresAt: number
}

export async function googleRoutes(opts: GoogleFakeOptions = {}): Promise<Route[]> {
  const clients = opts.clients ? new Map(opts.clients.map((c) => [c.id, c])) : undefined
  const defaultAudience = opts.clients?.[0]?.id ?? 'dev-client.apps.googleusercontent.com'
  const keys: SigningKey[] = [await newSigningKey()]
  const codes = new Map<string, PendingCode>()

  const sign = (claims: Record<string, unknown>) => {
    const key = keys[0]!
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
      .sign(key.privateKey)
  }

  const jwks = (): RouteResult => ({
    status: 200,
    headers: { 'cache-control': `public, max-age=${JWKS_MAX_AGE_SECONDS}, must-revalidate` },
    body: { keys: keys.map((k) => k.publicJwk) },
  })

  // The consent screen, already clicked through: the identity is `login_hint` or the default user.
  const authorize = (ctx: RouteContext): RouteResult => {
    const q = Object.fromEntries(ctx.url.searchParams)
    if (!q.client_id || (clients && !clients.has(q.client_id))) {
      return oauthError(400, 'invalid_client', 'The OAuth client was not found.')
    }
    const redirectUri = httpUrl(q.redirect_uri)
    // Without a trustworthy redirect_uri Google shows an error page instead of redirecting.
    if (!redirectUri) {
      return oauthError(400, 'invalid_request', 'Missing or invalid parameter: redirect_uri')
    }
    const back = (params: Record<string, string | undefined>): RouteResult => {
      const target = new URL(redirectUri)
      for (const [name, value] of Object.entries({ ...params, state: q.state })) {
        if (value !== undefined) target.searchParams.set(name, value)
      }
      return { status: 302, headers: { location: target.toString() } }
    }
    if (q.response_type !== 'code') {
      return back({ error: 'unsupported_response_type' })
    }
    const scopes = (q.scope ?? '').split(/\s+/).filter(Boolean)
    if (scopes.length === 0) {
      return back({
        error: 'invalid_request',
        error_description: 'Missing required parameter: scope',
      })
    }
    const method = q.code_challenge ? (q.code_challenge_method ?? 'plain') : undefined
    if (method !== undefined && method !== 'S256' && method !== 'plain') {
      return back({ error: 'invalid_request', error_description: 'Invalid code_challenge_method' })
    }
    if (!q.code_challenge && q.code_challenge_method) {
      return back({ error: 'invalid_request', error_description: 'Missing code_challenge' })
    }
    const code = `4/0${randomBytes(32).toString('base64url')}`
    codes.set(code, {
      clientId: q.client_id,
      redirectUri,
      challenge: q.code_challenge,
      challengeMethod: method,
      scopes,
      email: isEmail(q.login_hint) ? q.login_hint.toLowerCase() : DEFAULT_GOOGLE_EMAIL,
      nonce: q.nonce,
      expiresAt: Date.now() + CODE_TTL_MS,
    })
    return back({
      code,
      scope: grantedScope(scopes),
      authuser: '0',
      prompt: 'consent',
    })
  }

  const token = async (ctx: RouteContext): Promise<RouteResult> => {
    const form = ctx.form()
    const client = clientCredentials(ctx, form)
    if ('error' in client) return client.error
    if (clients) {
      const registered = clients.get(client.id)
      if (!registered) return oauthError(401, 'invalid_client', 'The OAuth client was not found.')
      if (registered.secret !== undefined && !sameSecret(client.secret, registered.secret)) {
        return oauthError(401, 'invalid_client', 'Unauthorized')
      }
    }
    if (form.grant_type !== 'authorization_code') {
      return oauthError(
        400,
        'unsupported_grant_type',
        `Invalid grant_type: ${form.grant_type ?? ''}`,
      )
    }
    if (!form.code) return oauthError(400, 'invalid_request', 'Missing required parameter: code')
    const pending = codes.get(form.code)
    // A code is good for one attempt, successful or not, as with Google.
    codes.delete(form.code)
    if (!pending || pending.expiresAt < Date.now()) {
      return oauthError(400, 'invalid_grant', 'Malformed, expired or already used auth code.')
    }
    if (pending.clientId !== client.id) {
      return oauthError(400, 'invalid_grant', 'The auth code was issued to another client.')
    }
    if (form.redirect_uri !== pending.redirectUri) {
      return oauthError(400, 'redirect_uri_mismatch', 'Bad Request')
    }
    if (pending.challenge) {
      const verifier = form.code_verifier
      if (!verifier) return oauthError(400, 'invalid_grant', 'Missing code verifier.')
      const derived =
        pending.challengeMethod === 'S256'
          ? createHash('sha256').update(verifier).digest('base64url')
          : verifier
      if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier) || derived !== pending.challenge) {
        return oauthError(400, 'invalid_grant', 'Invalid code verifier.')
      }
    }
    const accessToken = `ya29.dev-${randomBytes(32).toString('base64url')}`
    const body: Record<string, unknown> = {
      access_token: accessToken,
      expires_in: 3599,
      token_type: 'Bearer',
      scope: grantedScope(pending.scopes),
    }
    if (pending.scopes.includes('openid')) {
      const identity = identityFor(pending.email)
      const now = Math.floor(Date.now() / 1000)
      body.id_token = await sign({
        iss: GOOGLE_ISSUER,
        azp: client.id,
        aud: client.id,
        sub: identity.sub,
        ...(pending.scopes.includes('email')
          ? { email: identity.email, email_verified: true }
          : {}),
        at_hash: createHash('sha256')
          .update(accessToken)
          .digest()
          .subarray(0, 16)
          .toString('base64url'),
        ...(pending.nonce ? { nonce: pending.nonce } : {}),
        ...(pending.scopes.includes('profile')
          ? {
              name: identity.name,
              picture: identity.picture,
              given_name: identity.givenName,
              family_name: identity.familyName,
            }
          : {}),
        iat: now,
        exp: now + ID_TOKEN_TTL_SECONDS,
      })
    }
    return { status: 200, headers: { 'cache-control': 'no-store', pragma: 'no-cache' }, body }
  }

  // Test helper: `null` removes a default claim (e.g. `{ "exp": null }` for a token without expiry).
  const mintIdToken = async (ctx: RouteContext): Promise<RouteResult> => {
    let overrides: unknown = {}
    try {
      if (ctx.body.length > 0) overrides = ctx.json()
    } catch {
      return { status: 400, body: { error: 'body must be a JSON object of claims' } }
    }
    if (!overrides || typeof overrides !== 'object' || Array.isArray(overrides)) {
      return { status: 400, body: { error: 'body must be a JSON object of claims' } }
    }
    const given = overrides as Record<string, unknown>
    const email = typeof given.email === 'string' ? given.email : DEFAULT_GOOGLE_EMAIL
    const identity = identityFor(email)
    const now = Math.floor(Date.now() / 1000)
    const claims: Record<string, unknown> = {
      iss: GOOGLE_ISSUER,
      azp: defaultAudience,
      aud: defaultAudience,
      sub: identity.sub,
      email: identity.email,
      email_verified: true,
      name: identity.name,
      picture: identity.picture,
      given_name: identity.givenName,
      family_name: identity.familyName,
      iat: now,
      exp: now + ID_TOKEN_TTL_SECONDS,
      ...given,
    }
    for (const [name, value] of Object.entries(claims)) if (value === null) delete claims[name]
    return { status: 200, body: { idToken: await sign(claims), claims, kid: keys[0]!.kid } }
  }

  const rotateKeys = async (): Promise<RouteResult> => {
    keys.unshift(await newSigningKey())
    keys.length = Math.min(keys.length, KEYS_KEPT)
    return { status: 200, body: { kid: keys[0]!.kid } }
  }

  return [
    { method: 'GET', path: /^\/google\/authorize$/, handle: authorize },
    { method: 'POST', path: /^\/google\/token$/, handle: token },
    { method: 'GET', path: /^\/google\/jwks$/, handle: jwks },
    { method: 'POST', path: /^\/google\/id-token$/, handle: mintIdToken },
    { method: 'POST', path: /^\/google\/rotate-keys$/, handle: rotateKeys },
  ]
}

/** The Google account a fake sign-in with `email` yields: same email, same `sub`, every time. */
function identityFor(email: string) {
  const normalized = email.trim().toLowerCase()
  const digest = createHash('sha256').update(normalized).digest()
  // Google subjects are decimal strings of up to 21 digits.
  const sub =
    '1' +
    String(BigInt(`0x${digest.subarray(0, 16).toString('hex')}`) % 10n ** 20n).padStart(20, '0')
  const words = (normalized.split('@')[0] ?? '')
    .split(/[._+-]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
  const givenName = words[0] ?? 'Dev'
  const familyName = words.slice(1).join(' ') || 'User'
  return {
    sub,
    email: normalized,
    name: `${givenName} ${familyName}`,
    givenName,
    familyName,
    picture: `https://lh3.googleusercontent.com/a/dev-${digest.subarray(0, 12).toString('hex')}=s96-c`,
  }
}

async function newSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048 })
  const kid = randomBytes(20).toString('hex')
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }
  return { kid, privateKey, publicJwk }
}

/**
 * The client's id and secret from HTTP Basic auth (values form-encoded first, RFC 6749 §2.3.1, though
 * some clients skip that) or from the body; using both at once is refused, as the RFC requires.
 */
function clientCredentials(
  ctx: RouteContext,
  form: Record<string, string>,
): { id: string; secret?: string } | { error: RouteResult } {
  const basic = /^Basic\s+(\S+)$/i.exec(ctx.req.headers.authorization ?? '')
  if (basic) {
    if (form.client_secret !== undefined) {
      return { error: oauthError(400, 'invalid_request', 'Multiple client authentications') }
    }
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon <= 0) return { error: oauthError(401, 'invalid_client', 'Unauthorized') }
    const id = formDecode(decoded.slice(0, colon))
    if (form.client_id !== undefined && form.client_id !== id) {
      return { error: oauthError(400, 'invalid_request', 'client_id does not match') }
    }
    return { id, secret: formDecode(decoded.slice(colon + 1)) }
  }
  if (!form.client_id) {
    return { error: oauthError(400, 'invalid_request', 'Missing required parameter: client_id') }
  }
  return { id: form.client_id, secret: form.client_secret }
}

function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '))
  } catch {
    return value
  }
}

function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false
  const a = createHash('sha256').update(given).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b)
}

function grantedScope(scopes: string[]): string {
  return scopes.map((s) => SCOPE_URLS[s] ?? s).join(' ')
}

function httpUrl(value: string | undefined): string | undefined {
  if (!value) return undefined
  try {
    const url = new URL(value)
    return url.protocol === 'http:' || url.protocol === 'https:' ? value : undefined
  } catch {
    return undefined
  }
}

function isEmail(value: string | undefined): value is string {
  return typeof value === 'string' && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)
}

function oauthError(status: number, error: string, description: string): RouteResult {
  return { status, body: { error, error_description: description } }
}
