// A small client for the Worker under test: JSON in, parsed JSON out, status and headers kept.
import { inject } from 'vitest'

export interface ApiResponse<T = any> {
  status: number
  headers: Headers
  body: T
}

export const workerUrl = () => inject('workerUrl')

export async function api<T = any>(
  path: string,
  init: RequestInit & { json?: unknown; token?: string } = {},
): Promise<ApiResponse<T>> {
  const headers = new Headers(init.headers)
  let body = init.body
  if (init.json !== undefined) {
    headers.set('content-type', 'application/json')
    body = JSON.stringify(init.json)
  }
  if (init.token) headers.set('authorization', `Bearer ${init.token}`)
  const res = await fetch(new URL(path, workerUrl()), {
    ...init,
    headers,
    body,
    redirect: 'manual',
  })
  const text = await res.text()
  let parsed: unknown = text
  try {
    parsed = text ? JSON.parse(text) : undefined
  } catch {
    // Not JSON (HTML pages, CSV exports): hand the text back.
  }
  return { status: res.status, headers: res.headers, body: parsed as T }
}
