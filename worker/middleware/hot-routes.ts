// The REST reads clients poll most, and the one a live audience makes all at once: these run inside
// the warm pool so they skip the connection set-up a fresh MongoDB client pays. Writes stay on the
// per-request path; they are rarer and a pool object is one thread, so CPU-heavy work (password
// hashing, QR images) must not queue there.
const HOT_GETS: RegExp[] = [
  /^\/api\/conference\/?$/,
  /^\/api\/conference\/by-code\/[^/]+$/,
  /^\/api\/conference\/[^/]+$/,
  /^\/api\/conference\/[^/]+\/questions(\/results)?$/,
  /^\/api\/conference\/[^/]+\/questions\/[^/]+\/results$/,
  /^\/api\/posts\/all$/,
  /^\/api\/courses\/?$/,
  /^\/api\/courses\/[^/]+$/,
  /^\/api\/marketplace\/products\/?$/,
  /^\/api\/marketplace\/products\/[^/]+$/,
  /^\/api\/notifications\/?$/,
  /^\/api\/chat\/conversations\/?$/,
  /^\/api\/v1\/meetings\/all$/,
]

/**
 * Joining a conference by its code is a POST but writes nothing: one read of the conference and two
 * HMAC signatures (participant token, socket ticket). Everyone scanning the QR code at the start of
 * a talk makes it within a minute, and on the per-request path each join built a MongoDB client
 * (topology, monitor, connection) to read one document.
 */
const HOT_POSTS: RegExp[] = [/^\/api\/conference\/by-code\/[^/]+\/join$/]

export function isHotRoute(method: string, path: string): boolean {
  const hot = method === 'GET' ? HOT_GETS : method === 'POST' ? HOT_POSTS : []
  return hot.some((pattern) => pattern.test(path))
}
