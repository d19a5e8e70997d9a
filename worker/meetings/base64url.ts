// base64url without padding, for ids and sealed values that travel in URLs.
export function toBase64Url(bytes: Uint8Array): string {
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** Throws on text that is not base64url (atob alone would also take `+`, `/` and whitespace). */
export function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new TypeError('not base64url')
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'))
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0))
}

/** `bytes` random bytes as base64url: an unguessable id. */
export const randomId = (bytes: number) =>
  toBase64Url(crypto.getRandomValues(new Uint8Array(bytes)))
