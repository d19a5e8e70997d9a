// Sends many requests with bounded concurrency (two cores are shared with the rest of the suite).
import { workerUrl } from '../../../harness/http'
import type { BadRequest } from './bad-inputs'

export async function mapBounded<T, R>(
  items: T[],
  concurrency: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++
        results[i] = await fn(items[i]!)
      }
    }),
  )
  return results
}

/** Sends a request as given (raw body, raw headers) and reads the answer, JSON when it is. */
export async function send(method: string, req: BadRequest, headers: Record<string, string>) {
  const url = new URL(req.path, workerUrl())
  for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, v)
  // Appended as text: URLSearchParams would re-encode a malformed escape into a well-formed one.
  const target = req.rawQuery ? `${url.href}${url.search ? '&' : '?'}${req.rawQuery}` : url
  const res = await fetch(target, {
    method,
    headers: { ...req.headers, ...headers },
    body: req.body,
    redirect: 'manual',
  })
  const text = await res.text()
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // Not JSON: the envelope check reports it.
  }
  return { status: res.status, body }
}

/** The one error envelope of worker/error-handler.ts. */
export function isErrorEnvelope(body: unknown): boolean {
  const b = body as { success?: unknown; message?: unknown; code?: unknown }
  return (
    typeof b === 'object' &&
    b !== null &&
    b.success === false &&
    typeof b.message === 'string' &&
    typeof b.code === 'string' &&
    !('stack' in b)
  )
}
