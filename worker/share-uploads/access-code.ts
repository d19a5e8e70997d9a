// Share codes: how they are made (10 Crockford base32 symbols = 50 random bits), how a resident's
// typing of code, house and postcode is normalised, and the rate-limited check of all three.
import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { clientIp, enforceRateLimit, type RateLimitRule } from '../middleware/rate-limit'
import { uploads, type UploadDoc } from './store'

// No I, L, O or U: nothing a resident could misread when copying the code from a letter.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
const ACCESS_CODE_LENGTH = 10

/** 50 bits from the platform's CSPRNG; 32 symbols divide 256, so masking keeps them uniform. */
export function generateAccessCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(ACCESS_CODE_LENGTH))
  return Array.from(bytes, (b) => ALPHABET[b & 31]).join('')
}

/** Ours: ten symbols of ALPHABET. */
export const ACCESS_CODE_PATTERN = /^[0-9A-HJKMNP-TV-Z]{10}$/

/**
 * What a lookup accepts: ours, and the codes Videodesk issued before (imported normalised the same
 * way: letters and digits, 4 to 24 of them), which residents still hold on printed letters. The
 * guessing budget below, not the code's shape, is what protects either kind.
 */
const LOOKUP_ACCESS_CODE_PATTERN = /^[0-9A-Z]{4,24}$/

/** A code as a resident typed it: spaces and dashes dropped, letters uppercased. */
export const normaliseAccessCode = (v: string) => v.replace(/[\s-]/g, '').toUpperCase()

export const AccessCodeSchema = z
  .string()
  .max(40)
  .transform(normaliseAccessCode)
  .pipe(z.string().regex(LOOKUP_ACCESS_CODE_PATTERN, 'must be an access code (letters and digits)'))

export const HouseSchema = z.string().trim().min(1).max(100)
export const PostcodeSchema = z
  .string()
  .trim()
  .min(2)
  .max(16)
  .regex(/^[A-Za-z0-9 ]+$/, 'must be letters, digits and spaces')

export const normaliseHouse = (house: string) => house.trim().replace(/\s+/g, ' ').toLowerCase()
export const normalisePostcode = (postcode: string) => postcode.replace(/\s+/g, '').toUpperCase()

/** Guessing budget: per client IP, and per code so a botnet cannot spread guesses over IPs. */
export const ACCESS_LIMITS = {
  perIp: { name: 'share-code-ip', limit: 10, window: '15 m' },
  perCode: { name: 'share-code', limit: 20, window: '15 m' },
} satisfies Record<string, RateLimitRule>

export interface ResidentProof {
  accessCode: string
  house: string
  postcode: string
}

/** Counts one attempt against the IP and the code (429 when either is spent). */
export async function limitCodeAttempt(c: Context<AppEnv>, accessCode: string) {
  await enforceRateLimit(c, ACCESS_LIMITS.perIp, [`ip:${clientIp(c)}`])
  await enforceRateLimit(c, ACCESS_LIMITS.perCode, [`code:${accessCode}`])
}

/**
 * The upload the resident proved with code, house and postcode. One answer for every mismatch
 * (unknown code, wrong house, wrong postcode, code in the trash), so it tells a guesser nothing.
 */
export async function proveResident(c: Context<AppEnv>, proof: ResidentProof): Promise<UploadDoc> {
  await limitCodeAttempt(c, proof.accessCode)
  const db = await c.get('services').database.db()
  const upload = await uploads(db).findOne({ accessCode: proof.accessCode })
  if (
    !upload ||
    upload.deleted ||
    upload.match.house !== normaliseHouse(proof.house) ||
    upload.match.postcode !== normalisePostcode(proof.postcode)
  ) {
    throw new AppError('FORBIDDEN', 'The access code, house or postcode is not right')
  }
  return upload
}
