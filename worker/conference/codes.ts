// Public join codes: short, uppercase, without look-alike characters, unique (collisions retried).
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'
const CODE_LENGTH = 6
export const CODE_PATTERN = new RegExp(`^[${ALPHABET}]{${CODE_LENGTH}}$`)
/**
 * What a lookup by code accepts: ours, and the codes of conferences imported from Sanora, which
 * chose its own (uppercase letters and digits), so the QR codes already printed still open them.
 */
export const LOOKUP_CODE_PATTERN = /^[A-Z0-9]{4,12}$/

function generateCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(CODE_LENGTH))
  // 256 is a multiple of 32, so the modulo keeps every character equally likely.
  return Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join('')
}

/** Runs `insert` with fresh codes until one is not taken (a duplicate key on publicCode). */
export async function withUniqueCode<T>(
  insert: (code: string) => Promise<T>,
  attempts = 5,
): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await insert(generateCode())
    } catch (error) {
      const dup = (error as { code?: number; keyValue?: Record<string, unknown> }).code === 11000
      const onCode = dup && 'publicCode' in ((error as { keyValue?: object }).keyValue ?? {})
      if (!onCode || i >= attempts) throw error
    }
  }
}
