// Input schemas shared by every sign-in route. Strings only where strings belong: an operator
// object such as {"$ne": null} in place of an email is a 400, never a query.
import { z } from '@hono/zod-openapi'
import { HttpUrlSchema } from '../../shared/http-url'

export const EmailSchema = z
  .email()
  .max(254)
  .transform((e) => e.trim().toLowerCase())
  .openapi({ example: 'ada@example.com' })
export const PasswordSchema = z.string().min(8, 'must be at least 8 characters').max(128)
export const PhoneSchema = z
  .string()
  .regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 phone number like +447700900123')
  .openapi({ example: '+447700900123' })
export const OtpCodeSchema = z.string().regex(/^\d{6}$/, 'must be 6 digits')
export const NameSchema = z.string().trim().min(1).max(100)
/** What a registration or sign-in answered as `challenge`, echoed to bind its emailed code. */
export const ChallengeSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{20,100}$/, 'must be the challenge you were given')

export const TokenPairSchema = z
  .object({
    success: z.literal(true),
    message: z.string(),
    accessToken: z.string(),
    refreshToken: z.string(),
    expiresIn: z.number(),
    user: z.record(z.string(), z.unknown()),
  })
  .openapi('TokenPair')

export const MessageSchema = z
  .object({ success: z.boolean(), message: z.string() })
  .openapi('Message')

/** Editable profile fields (Sanora's PUT /api/user/profile and Videodesk's PUT /user/update). */
export const ProfileUpdateSchema = z
  .strictObject({
    name: NameSchema.optional(),
    gender: z.enum(['male', 'female', 'other', 'prefer-not-to-say']).optional(),
    bio: z.string().max(500).optional(),
    profileImage: HttpUrlSchema.optional(),
    coverPhoto: HttpUrlSchema.optional(),
    location: z.string().max(200).optional(),
    dateOfBirth: z.iso.date().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'at least one field is required')
