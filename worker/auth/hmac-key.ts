// HMAC-SHA-256 keys, imported once per secret. Given a secret's raw bytes, jose imports a WebCrypto
// key on every sign and verify, and a live audience's join signs two tokens and verifies one: the
// same few secrets, imported thousands of times a minute.
const keys = new Map<string, CryptoKey>()

/** The secret as a key that signs and verifies HS256 (jose) and HMAC (WebCrypto). */
export async function hmacKey(secret: string): Promise<CryptoKey> {
  const cached = keys.get(secret)
  if (cached) return cached
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  )
  keys.set(secret, key)
  return key
}
