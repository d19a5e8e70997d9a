// Push notifications through FCM's HTTP v1 API: a service-account JWT is exchanged for an OAuth
// access token, then one message per device token is sent. Development points both URLs at the
// local capture server, which answers like Google at its HTTP boundary.
import { SignJWT, importPKCS8 } from 'jose'
import type { Config } from '../../shared/config'

export interface PushMessage {
  title: string
  body: string
  data?: Record<string, string>
}

export interface PushSender {
  readonly enabled: boolean
  /** Sends to each device token; answers the tokens FCM reported as no longer registered. */
  send(
    deviceTokens: string[],
    message: PushMessage,
  ): Promise<{ sent: number; invalidTokens: string[] }>
}

export interface FcmOptions {
  projectId: string
  clientEmail: string
  privateKey: string
  apiBaseUrl?: string
  tokenUrl?: string
}

class FcmError extends Error {
  override readonly name = 'FcmError'
}

const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging'
// Access tokens are plain strings, so reusing them across requests is allowed in workerd.
const tokenCache = new Map<string, { token: string; expiresAt: number }>()

function createFcmPush(opts: FcmOptions): PushSender {
  const tokenUrl = opts.tokenUrl ?? 'https://oauth2.googleapis.com/token'
  const apiBase = opts.apiBaseUrl ?? 'https://fcm.googleapis.com'

  async function accessToken(): Promise<string> {
    const cached = tokenCache.get(opts.clientEmail)
    if (cached && cached.expiresAt > Date.now() + 60_000) return cached.token
    const key = await importPKCS8(opts.privateKey.replace(/\\n/g, '\n'), 'RS256')
    const assertion = await new SignJWT({ scope: FCM_SCOPE })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setIssuer(opts.clientEmail)
      .setSubject(opts.clientEmail)
      .setAudience(tokenUrl)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key)
    const res = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        assertion,
      }),
    })
    if (!res.ok) throw new FcmError(`FCM token exchange failed with ${res.status}`)
    const body = (await res.json()) as { access_token: string; expires_in?: number }
    tokenCache.set(opts.clientEmail, {
      token: body.access_token,
      expiresAt: Date.now() + (body.expires_in ?? 3600) * 1000,
    })
    return body.access_token
  }

  return {
    enabled: true,
    async send(deviceTokens, message) {
      if (deviceTokens.length === 0) return { sent: 0, invalidTokens: [] }
      const authorization = `Bearer ${await accessToken()}`
      const url = `${apiBase}/v1/projects/${opts.projectId}/messages:send`
      const results = await Promise.all(
        deviceTokens.map(async (token) => {
          const res = await fetch(url, {
            method: 'POST',
            headers: { authorization, 'content-type': 'application/json' },
            body: JSON.stringify({
              message: {
                token,
                notification: { title: message.title, body: message.body },
                data: message.data,
              },
            }),
          })
          return { token, ok: res.ok, unregistered: res.status === 404 }
        }),
      )
      return {
        sent: results.filter((r) => r.ok).length,
        invalidTokens: results.filter((r) => r.unregistered).map((r) => r.token),
      }
    },
  }
}

/** Used when FCM is not configured: pushes are skipped, stored notifications still work. */
function createDisabledPush(): PushSender {
  return { enabled: false, send: async () => ({ sent: 0, invalidTokens: [] }) }
}

/** FCM when the service account is configured, otherwise pushes are skipped. */
export function pushSenderFor(config: Config): PushSender {
  return config.FCM_PROJECT_ID && config.FCM_CLIENT_EMAIL && config.FCM_PRIVATE_KEY
    ? createFcmPush({
        projectId: config.FCM_PROJECT_ID,
        clientEmail: config.FCM_CLIENT_EMAIL,
        privateKey: config.FCM_PRIVATE_KEY,
        apiBaseUrl: config.FCM_API_BASE_URL,
        tokenUrl: config.FCM_TOKEN_URL,
      })
    : createDisabledPush()
}
