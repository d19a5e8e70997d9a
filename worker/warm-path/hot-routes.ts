// The REST reads clients poll most: these run inside the warm pool so they skip the connection
// set-up a fresh MongoDB client pays. Writes stay on the per-request path; they are rarer and a
// pool object is one thread, so CPU-heavy work (password hashing, QR images) must not queue there.
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

export function isHotRoute(method: string, path: string): boolean {
  return method === 'GET' && HOT_GETS.some((pattern) => pattern.test(path))
}
