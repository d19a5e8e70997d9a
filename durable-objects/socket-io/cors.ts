// CORS for `/socket.io/` with credentials: the old web clients poll from their own origin with
// cookies (socket.io's `cors: { origin: [...], credentials: true }`). An origin not in the list
// gets no CORS headers (the browser then refuses), as the `cors` package behind the reference does.

/**
 * Headers to add to every answer (errors included: the reference applies CORS before verifying).
 * @example corsHeaders('https://app.example', ['https://app.example'])
 * // { 'Access-Control-Allow-Origin': 'https://app.example', 'Access-Control-Allow-Credentials': 'true', Vary: 'Origin' }
 */
export function corsHeaders(
  origin: string | null,
  allowedOrigins: readonly string[],
): Record<string, string> {
  if (!origin || !allowedOrigins.includes(origin)) return { Vary: 'Origin' }
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Credentials': 'true',
    Vary: 'Origin',
  }
}

/** The answer to a preflight (`OPTIONS`): 204, the methods polling uses, the headers asked for. */
export function preflightHeaders(
  origin: string | null,
  allowedOrigins: readonly string[],
  requestHeaders: string | null,
): Record<string, string> {
  const headers = corsHeaders(origin, allowedOrigins)
  if (!headers['Access-Control-Allow-Origin']) return headers
  return {
    ...headers,
    'Access-Control-Allow-Methods': 'GET,POST',
    ...(requestHeaders ? { 'Access-Control-Allow-Headers': requestHeaders } : {}),
  }
}
