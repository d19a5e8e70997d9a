// User ids sealed with AES-GCM for invite links (`room-user-info?userId=…`): the guest can pass the
// value back but can neither read it nor forge or alter one (the GCM tag fails).
import { fromBase64Url, toBase64Url } from './base64url'
import { sealedIdKey } from './keys'

const IV_BYTES = 12

export class InvalidSealedIdError extends Error {
  override readonly name = 'InvalidSealedIdError'
}

/** Encrypts `id` under a fresh random IV; answers base64url(iv ‖ ciphertext ‖ tag). */
export async function sealId(secret: string, id: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES))
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv },
    await sealedIdKey(secret),
    new TextEncoder().encode(id),
  )
  const out = new Uint8Array(IV_BYTES + sealed.byteLength)
  out.set(iv)
  out.set(new Uint8Array(sealed), IV_BYTES)
  return toBase64Url(out)
}

/** IV plus at least the 16-byte tag: anything shorter cannot be a sealed id. */
export const MIN_SEALED_BYTES = IV_BYTES + 16

/**
 * Decrypts a sealed id (its base64url text, or the bytes SealedIdSchema decoded); throws
 * InvalidSealedIdError for anything tampered, truncated or forged.
 */
export async function openSealedId(secret: string, sealed: string | Uint8Array): Promise<string> {
  let bytes: Uint8Array
  try {
    bytes = typeof sealed === 'string' ? fromBase64Url(sealed) : sealed
  } catch (error) {
    throw new InvalidSealedIdError('not base64url', { cause: error })
  }
  if (bytes.length < MIN_SEALED_BYTES) throw new InvalidSealedIdError('too short')
  try {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: bytes.slice(0, IV_BYTES) },
      await sealedIdKey(secret),
      bytes.slice(IV_BYTES),
    )
    return new TextDecoder().decode(plain)
  } catch (error) {
    throw new InvalidSealedIdError('authentication failed', { cause: error })
  }
}
