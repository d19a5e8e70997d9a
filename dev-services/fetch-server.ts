// Serves a WHATWG fetch handler (a Hono app's `fetch`) on node:http, so the dev stand-ins need no
// HTTP adapter package.
import http from 'node:http'
import { closeServer, listenWithFallback } from './ports.js'

export type FetchHandler = (request: Request) => Response | Promise<Response>

export interface FetchServer {
  port: number
  close(): Promise<void>
}

export async function serveFetch(
  handler: FetchHandler,
  opts: { host: string; port: number; fallbackToFreePort: boolean },
): Promise<FetchServer> {
  const server = http.createServer((req, res) => {
    void respond(handler, opts.host, req, res)
  })
  const port = await listenWithFallback(server, opts.host, opts.port, opts.fallbackToFreePort)
  return { port, close: () => closeServer(server) }
}

async function respond(
  handler: FetchHandler,
  host: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  try {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const headers = new Headers()
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined) continue
      for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item)
    }
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
    const request = new Request(`http://${req.headers.host ?? host}${req.url ?? '/'}`, {
      method: req.method ?? 'GET',
      headers,
      body: hasBody ? Buffer.concat(chunks) : undefined,
    })
    const response = await handler(request)
    const body = Buffer.from(await response.arrayBuffer())
    res.writeHead(response.status, Object.fromEntries(response.headers))
    res.end(body)
  } catch (error) {
    res.writeHead(500, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ error: `dev server error: ${(error as Error).message}` }))
  }
}
