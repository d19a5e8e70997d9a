// The tiny routing and body/auth helpers the capture server's node:http handlers share.
import type http from 'node:http'

export interface RouteContext {
  req: http.IncomingMessage
  url: URL
  params: string[]
  body: Buffer
  /** Form-encoded body fields (Twilio); the last value wins for repeated fields. */
  form(): Record<string, string>
  json(): unknown
}

export interface RouteResult {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

export interface Route {
  method: string
  path: RegExp
  handle(ctx: RouteContext): RouteResult | Promise<RouteResult>
}

export function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

export function contextFor(
  req: http.IncomingMessage,
  url: URL,
  params: string[],
  body: Buffer,
): RouteContext {
  return {
    req,
    url,
    params,
    body,
    form: () => Object.fromEntries(new URLSearchParams(body.toString('utf8'))),
    json: () => JSON.parse(body.toString('utf8')) as unknown,
  }
}

/** The user name of an HTTP Basic Authorization header, or null when absent or malformed. */
export function basicAuthUser(req: http.IncomingMessage): string | null {
  const match = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '')
  if (!match) return null
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  return colon > 0 ? decoded.slice(0, colon) : null
}

export function bearerToken(req: http.IncomingMessage): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')
  return match ? match[1]! : null
}
