// Keys for the meeting invite flow, derived from JWT_SECRET with HKDF so that a link token or a
// sealed id can never be replayed as an access token (each purpose has its own key).
const encoder = new TextEncoder()

async function deriveBits(secret: string, purpose: string): Promise<ArrayBuffer> {
  const material = await crypto.subtle.importKey('raw', encoder.encode(secret), 'HKDF', false, [
    'deriveBits',
  ])
  return crypto.subtle.deriveBits(
    {
      name: 'HKDF',
      hash: 'SHA-256',
      salt: encoder.encode('videodesk'),
      info: encoder.encode(purpose),
    },
    material,
    256,
  )
}

/** The HS256 key that signs guest invite link tokens. */
export async function linkTokenKey(secret: string): Promise<Uint8Array> {
  return new Uint8Array(await deriveBits(secret, 'meeting-link-token'))
}

/** The AES-256-GCM key that seals user ids put in invite links. */
export async function sealedIdKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    'raw',
    await deriveBits(secret, 'meeting-sealed-id'),
    'AES-GCM',
    false,
    ['encrypt', 'decrypt'],
  )
}
