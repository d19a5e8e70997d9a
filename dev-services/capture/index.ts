// One capture server for every outbound message: SMTP, the Twilio, FCM and Google sign-in fakes, and
// the JSON read API (`/mail`, `/sms`, `/push`) through which developers and tests see what was sent.
import http from 'node:http'
import { closeServer, listenWithFallback } from '../ports.js'
import { fcmRoutes } from './fcm.js'
import { googleRoutes, type GoogleClient } from './google.js'
import { contextFor, readBody, type Route, type RouteResult } from './http.js'
import { startSmtpCapture, type SmtpCapture } from './smtp.js'
import { CaptureList } from './store.js'
import { twilioRoutes } from './twilio.js'
import type { CapturedMail, CapturedPush, CapturedSms } from './types.js'

export type { CapturedMail, CapturedPush, CapturedSms } from './types.js'

class CaptureStartError extends Error {
  override name = 'CaptureStartError'
}

export interface CaptureServerOptions {
  host?: string
  /** 0 or absent = a free port. */
  smtpPort?: number
  /** 0 or absent = a free port. */
  httpPort?: number
  /** When a port is taken, use a free one instead of failing (dev). */
  fallbackToFreePort?: boolean
  /** PEM public key the /token endpoint checks service-account JWT signatures against. */
  fcmPublicKeyPem?: string
  /** OAuth clients the Google fake knows (under /google); absent = any client id is accepted. */
  googleClients?: GoogleClient[]
  /** Product name in Verify code messages. */
  appName?: string
  log?: (line: string) => void
}

export interface CaptureServer {
  httpUrl: string
  smtpHost: string
  smtpPort: number
  close(): Promise<void>
}

export async function startCaptureServer(opts: CaptureServerOptions = {}): Promise<CaptureServer> {
  const host = opts.host ?? '127.0.0.1'
  const log = opts.log ?? (() => {})
  const mail = new CaptureList<CapturedMail>((item, to) =>
    item.to.some((address) => address.toLowerCase() === to.toLowerCase()),
  )
  const sms = new CaptureList<CapturedSms>((item, to) => item.to === to)
  const push = new CaptureList<CapturedPush>((item, to) => item.to === to)

  const routes: Route[] = [
    ...readRoutes('mail', mail),
    ...readRoutes('sms', sms),
    ...readRoutes('push', push),
    { method: 'GET', path: /^\/health$/, handle: () => ({ status: 200, body: { ok: true } }) },
    ...twilioRoutes(sms, opts.appName),
    ...fcmRoutes(push, { publicKeyPem: opts.fcmPublicKeyPem }),
    ...(await googleRoutes({ clients: opts.googleClients })),
  ]
  const server = http.createServer((req, res) => {
    void dispatch(routes, req, res, log)
  })
  const fallback = opts.fallbackToFreePort ?? false

  const [httpStart, smtpStart] = await Promise.allSettled([
    listenWithFallback(server, host, opts.httpPort ?? 0, fallback),
    startSmtpCapture({
      host,
      port: opts.smtpPort ?? 0,
      fallbackToFreePort: fallback,
      onMail: (captured) => mail.add(captured),
      log,
    }),
  ])
  if (httpStart.status === 'rejected' || smtpStart.status === 'rejected') {
    await closeServer(server).catch(() => {})
    if (smtpStart.status === 'fulfilled') await smtpStart.value.close()
    const [what, failure] =
      httpStart.status === 'rejected'
        ? ['HTTP', httpStart.reason as unknown]
        : ['SMTP', (smtpStart as PromiseRejectedResult).reason as unknown]
    throw new CaptureStartError(`capture ${what} server could not start`, { cause: failure })
  }
  const smtp: SmtpCapture = smtpStart.value
  let closing: Promise<void> | undefined
  return {
    httpUrl: `http://${host}:${httpStart.value}`,
    smtpHost: host,
    smtpPort: smtp.port,
    close() {
      closing ??= Promise.all([closeServer(server), smtp.close()]).then(() => {})
      return closing
    },
  }
}

function readRoutes<T extends { id: string }>(name: string, list: CaptureList<T>): Route[] {
  const path = new RegExp(`^/${name}$`)
  return [
    {
      method: 'GET',
      path,
      handle: (ctx) => ({ status: 200, body: list.list(ctx.url.searchParams.get('to')) }),
    },
    {
      method: 'DELETE',
      path,
      handle: () => {
        list.clear()
        return { status: 204 }
      },
    },
  ]
}

async function dispatch(
  routes: Route[],
  req: http.IncomingMessage,
  res: http.ServerResponse,
  log: (line: string) => void,
): Promise<void> {
  // Dev pages in the browser read the capture too.
  res.setHeader('access-control-allow-origin', '*')
  try {
    const url = new URL(req.url ?? '/', 'http://capture')
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-methods': 'GET, POST, DELETE',
        'access-control-allow-headers': '*',
      })
      return void res.end()
    }
    const body = await readBody(req)
    let result: RouteResult = {
      status: 404,
      body: { error: `no route for ${req.method} ${url.pathname}` },
    }
    for (const route of routes) {
      const match = route.method === req.method ? route.path.exec(url.pathname) : null
      if (!match) continue
      result = await route.handle(contextFor(req, url, match.slice(1), body))
      break
    }
    send(res, result)
  } catch (error) {
    log(`capture: ${req.method} ${req.url} failed: ${(error as Error).message}`)
    send(res, { status: 500, body: { error: (error as Error).message } })
  }
}

function send(res: http.ServerResponse, result: RouteResult): void {
  if (result.body === undefined) {
    res.writeHead(result.status, result.headers)
    return void res.end()
  }
  res.writeHead(result.status, { 'content-type': 'application/json', ...result.headers })
  res.end(JSON.stringify(result.body))
}
